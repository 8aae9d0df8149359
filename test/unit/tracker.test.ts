import { describe, expect, it } from 'vitest';
import { ByteTracker, type ByteTrackerOptions } from '../../src/core/tracker.js';
import type { Detection, ObjectClass } from '../../src/core/types.js';

const det = (x: number, y: number, score = 0.9, label: ObjectClass = 'motorcycle', w = 60, h = 80): Detection => ({
  box: { x1: x, y1: y, x2: x + w, y2: y + h },
  score,
  label,
});

describe('ByteTracker', () => {
  it('keeps one id for an object moving steadily', () => {
    const t = new ByteTracker();
    const ids = new Set<number>();
    for (let f = 0; f < 20; f++) for (const tr of t.update([det(100 + f * 15, 200)], f)) ids.add(tr.id);
    expect(ids.size).toBe(1);
    const [track] = t.activeTracks();
    expect(track!.history).toHaveLength(20);
    expect(track!.history[19]!.box.x1).toBe(100 + 19 * 15);
  });

  it('keeps the id through a short occlusion by predicting the motion', () => {
    const t = new ByteTracker({ lostTrackBuffer: 10, maxCenterDistance: 0 });
    let id: number | undefined;
    for (let f = 0; f < 10; f++) id = t.update([det(100 + f * 20, 200)], f)[0]?.id;
    for (let f = 10; f < 14; f++) expect(t.update([], f)).toEqual([]);
    expect(t.activeTracks()[0]!.state).toBe('lost');
    // reappears where constant velocity puts it; without prediction the IoU with the last box would be 0
    const back = t.update([det(100 + 14 * 20, 200)], 14);
    expect(back).toHaveLength(1);
    expect(back[0]!.id).toBe(id);
    expect(back[0]!.state).toBe('tracked');
  });

  it('removes a track lost for longer than the buffer and reports it once', () => {
    const t = new ByteTracker({ lostTrackBuffer: 3 });
    t.update([det(100, 100)], 0);
    t.update([det(102, 100)], 1);
    // missed in frames 2, 3, 4: still kept; the fourth miss removes it
    for (let f = 2; f <= 4; f++) {
      t.update([], f);
      expect(t.drainRemoved()).toEqual([]);
    }
    t.update([], 5);
    const removed = t.drainRemoved();
    expect(removed.map((r) => r.id)).toEqual([1]);
    expect(removed[0]!.state).toBe('removed');
    expect(t.drainRemoved()).toEqual([]);
    // the same place later is a new object
    t.update([det(102, 100)], 6);
    expect(t.update([det(102, 100)], 7)[0]!.id).toBe(2);
  });

  it('continues a track with a low-score detection but never starts one from it', () => {
    const t = new ByteTracker();
    t.update([det(100, 100, 0.9)], 0);
    const cont = t.update([det(104, 100, 0.3)], 1);
    expect(cont).toHaveLength(1);
    expect(cont[0]!.score).toBe(0.3);
    const none = new ByteTracker();
    for (let f = 0; f < 5; f++) expect(none.update([det(100, 100, 0.3)], f)).toEqual([]);
    expect(none.activeTracks()).toEqual([]);
  });

  it('needs two frames before reporting a track born after the first frame', () => {
    const t = new ByteTracker();
    t.update([det(100, 100)], 0);
    const second = t.update([det(100, 100), det(400, 100)], 1);
    expect(second.map((s) => s.id)).toEqual([1]);
    const third = t.update([det(100, 100), det(405, 100)], 2);
    expect(third.map((s) => s.id).sort()).toEqual([1, 2]);
    // a one-frame flash is dropped silently
    t.update([det(100, 100), det(405, 100), det(700, 300)], 3);
    t.update([det(100, 100), det(405, 100)], 4);
    t.update([], 5);
    expect(
      t
        .activeTracks()
        .map((a) => a.id)
        .sort(),
    ).toEqual([1, 2]);
  });

  it('follows an object that moves more than its own width per frame by centre distance', () => {
    const fast = (f: number) => [det(100 + f * 70, 200)];
    const withFallback = new ByteTracker({ activationFrames: 1 });
    const withoutFallback = new ByteTracker({ activationFrames: 1, maxCenterDistance: 0 });
    const ids = new Set<number>();
    const idsWithout = new Set<number>();
    for (let f = 0; f < 8; f++) {
      for (const tr of withFallback.update(fast(f), f)) ids.add(tr.id);
      for (const tr of withoutFallback.update(fast(f), f)) idsWithout.add(tr.id);
    }
    expect(ids.size).toBe(1);
    expect(idsWithout.size).toBeGreaterThan(1);
  });

  it('keeps one track when the detector flips the class, and takes the class of the vote', () => {
    const t = new ByteTracker({ activationFrames: 1 });
    const labels: ObjectClass[] = ['motorcycle', 'car', 'motorcycle', 'truck', 'motorcycle'];
    const ids = new Set<number>();
    let last;
    labels.forEach((label, f) => {
      for (const tr of t.update([det(100 + f * 5, 100, label === 'motorcycle' ? 0.65 : 0.7, label)], f)) {
        ids.add(tr.id);
        last = tr;
      }
    });
    expect(ids.size).toBe(1);
    // three motorcycle frames at 0.65 outvote one car and one truck at 0.7
    expect(last!.label).toBe('motorcycle');
    expect(last!.classVotes.motorcycle).toBeCloseTo(1.95);
    expect(last!.classVotes).toMatchObject({ car: 0.7, truck: 0.7 });
  });

  it('scales the thresholds by smallObjectScale for boxes under smallObjectHeight', () => {
    // boxes 80 px tall at 0.3: under newTrackThreshold 0.35, over 0.35 × 0.8 = 0.28
    const run = (opts: ByteTrackerOptions) => {
      const t = new ByteTracker({ highThreshold: 0.35, newTrackThreshold: 0.35, ...opts });
      for (let f = 0; f < 4; f++) t.update([det(100 + f * 10, 200, 0.3)], f);
      return t.activeTracks();
    };
    expect(run({})).toHaveLength(0);
    expect(run({ smallObjectHeight: 80 })).toHaveLength(0); // 80 is not under 80
    expect(run({ smallObjectHeight: 81 })).toHaveLength(1);
    expect(run({ smallObjectHeight: 81, smallObjectScale: 0.9 })).toHaveLength(0);
  });

  it('does not make a person track a two-wheeler from weak ridden frames (under highThreshold)', () => {
    const t = new ByteTracker({ highThreshold: 0.35, smallObjectHeight: 200 });
    const walker = (f: number): Detection => ({
      ...det(100 + f * 10, 200, 0.7, 'person'),
      classScores: { person: 0.7 },
    });
    // a walker's legs boxed as a bike: ridden, and matched as small, but scored 0.3
    const legs = (f: number): Detection => ({
      ...det(100 + f * 10, 200, 0.3, 'motorcycle'),
      classScores: { motorcycle: 0.3 },
      ridden: true,
    });
    for (let f = 0; f < 8; f++) t.update([f >= 6 ? legs(f) : walker(f)], f);
    const [track] = t.activeTracks();
    expect(track!.history).toHaveLength(8);
    expect(track!.label).toBe('person');
  });

  it("makes a person track the two-wheeler it was seen riding on two frames, and records each frame's class", () => {
    const t = new ByteTracker();
    const rider = (f: number): Detection => ({
      ...det(100 + f * 10, 200, 0.8, 'person'),
      classScores: { person: 0.8 },
    });
    const ridden = (f: number): Detection => ({
      ...det(100 + f * 10, 200, 0.5, 'motorcycle'),
      classScores: { motorcycle: 0.5 },
      ridden: true,
    });
    for (let f = 0; f < 6; f++) t.update([f === 2 ? ridden(f) : rider(f)], f);
    expect(t.activeTracks()[0]!.label).toBe('person');
    t.update([ridden(6)], 6);
    const [track] = t.activeTracks();
    expect(track!.label).toBe('motorcycle');
    expect(track!.history.map((h) => h.label)).toEqual([
      'person',
      'person',
      'motorcycle',
      'person',
      'person',
      'person',
      'motorcycle',
    ]);
  });

  it('counts every class a fused detection reports in the vote', () => {
    const t = new ByteTracker({ activationFrames: 1 });
    const reports = [0, 1, 2].map((f) =>
      t.update([{ ...det(100 + f * 5, 100, 0.7, 'car'), classScores: { car: 0.7, motorcycle: 0.3 } }], f),
    );
    const last = reports[2]![0]!;
    expect(last.classVotes.car).toBeCloseTo(2.1);
    expect(last.classVotes.motorcycle).toBeCloseTo(0.9);
    expect(last.label).toBe('car');
  });

  it('does not match a detection whose colours differ from the track, and keeps side-by-side riders apart by colour', () => {
    const red = new Float32Array(64);
    red[48] = 1;
    const blue = new Float32Array(64);
    blue[3] = 1;
    const t = new ByteTracker({ activationFrames: 1, maxCenterDistance: 0 });
    const [a] = t.update([{ ...det(100, 100), appearance: red }], 0);
    // the red rider is hidden and a blue one appears almost where it was
    const [b] = t.update([{ ...det(104, 100), appearance: blue }], 1);
    expect(b!.id).not.toBe(a!.id);
    const [back] = t
      .update(
        [
          { ...det(106, 100), appearance: red },
          { ...det(300, 300), appearance: blue },
        ],
        2,
      )
      .filter((tr) => tr.box.x1 < 200);
    expect(back!.id).toBe(a!.id);
  });

  it('keeps two crossing objects apart', () => {
    const t = new ByteTracker();
    const idAt = new Map<number, number[]>();
    for (let f = 0; f < 12; f++) {
      const left = det(100 + f * 30, 100, 0.9, 'motorcycle', 60, 80);
      const right = det(430 - f * 30, 150, 0.85, 'motorcycle', 60, 80);
      for (const tr of t.update([left, right], f)) {
        idAt.set(tr.id, [...(idAt.get(tr.id) ?? []), tr.box.y1]);
      }
    }
    expect(idAt.size).toBe(2);
    for (const ys of idAt.values()) expect(new Set(ys).size).toBe(1); // each id stays on its own lane (the lanes overlap by 30 px)
  });

  it('records timestamps and refuses frames out of order', () => {
    const t = new ByteTracker();
    const [tr] = t.update([det(0, 0)], 5, 1.0);
    expect(tr!.history[0]).toMatchObject({ frameIndex: 5, timestamp: 1.0 });
    expect(() => t.update([], 5)).toThrow(RangeError);
  });

  it('handles frame gaps by predicting over them', () => {
    const t = new ByteTracker();
    let id = 0;
    for (let f = 0; f < 6; f++) id = t.update([det(100 + f * 20, 100)], f * 2)[0]!.id;
    // frame 14 skipped 12 (a dropped frame): the object moved two steps
    const after = t.update([det(100 + 7 * 20, 100)], 14);
    expect(after[0]!.id).toBe(id);
  });
});
