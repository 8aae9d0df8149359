import { describe, expect, it } from 'vitest';
import { BoxFilter } from '../../src/core/box-filter.js';
import { ByteTracker, type Track } from '../../src/core/tracker.js';
import type { Detection } from '../../src/core/types.js';

const box = (x: number, y: number, w = 60, h = 80) => ({ x1: x, y1: y, x2: x + w, y2: y + h });
const det = (x: number, y: number, score = 0.9, w = 60, h = 80): Detection => ({
  box: box(x, y, w, h),
  score,
  label: 'motorcycle',
});

/** Ids reported frame by frame. */
function idsOf(reports: Track[][]): Set<number> {
  return new Set(reports.flat().map((t) => t.id));
}

describe('BoxFilter.shift', () => {
  it('moves the estimate by (dx, dy) and keeps its size', () => {
    const f = new BoxFilter(box(100, 50));
    expect(f.shift(30, -10)).toEqual(box(130, 40));
    expect(f.box).toEqual(box(130, 40));
  });

  it('teaches the filter no velocity: a still object stays where the shift put it', () => {
    const f = new BoxFilter(box(100, 50));
    f.shift(50, 20);
    expect(f.predict(1)).toEqual(box(150, 70));
    expect(f.predict(3)).toEqual(box(150, 70));
  });

  it('adds to the learnt motion without changing it', () => {
    const moving = () => {
      const f = new BoxFilter(box(100, 50));
      for (let i = 1; i <= 8; i++) {
        f.predict(1);
        f.correct(box(100 + 12 * i, 50));
      }
      return f;
    };
    const plain = moving();
    const shifted = moving();
    shifted.shift(-40, 25);
    const a = plain.predict(2);
    const b = shifted.predict(2);
    expect(b.x1 - a.x1).toBeCloseTo(-40, 9);
    expect(b.y1 - a.y1).toBeCloseTo(25, 9);
    expect(b.x2 - b.x1).toBeCloseTo(a.x2 - a.x1, 9);
    expect(b.y2 - b.y1).toBeCloseTo(a.y2 - a.y1, 9);
  });
});

describe('ByteTracker with a moving camera', () => {
  // the camera pans: a parked bike's box jumps by more than its own width every frame (IoU 0 with the last one)
  const pan: Array<readonly [number, number]> = [
    [0, 0],
    [80, 0],
    [75, 5],
    [90, -4],
    [70, 0],
    [85, 3],
    [80, 0],
    [-70, 0],
    [-90, 2],
  ];
  const offsets = pan.reduce<Array<[number, number]>>((acc, [dx, dy]) => {
    const [x, y] = acc[acc.length - 1] ?? [0, 0];
    return [...acc, [x + dx, y + dy]];
  }, []);
  const parked = (f: number) => det(200 + offsets[f]![0], 300 + offsets[f]![1]);

  it('keeps one id for a static object when the camera shift is passed', () => {
    const t = new ByteTracker({ maxCenterDistance: 0 });
    const reports = pan.map((shift, f) => t.update([parked(f)], f, f / 5, shift));
    expect(reports.every((r) => r.length === 1)).toBe(true);
    expect(idsOf(reports).size).toBe(1);
    const [track] = t.activeTracks();
    expect(track!.history).toHaveLength(pan.length);
    // matched by overlap with the shifted prediction: nothing doubtful
    expect(track!.history.some((h) => h.uncertain)).toBe(false);
  });

  it('does not follow the object through the jumps without the shift (they are past IoU matching)', () => {
    const t = new ByteTracker({ maxCenterDistance: 0 });
    const reports = pan.map((_, f) => t.update([parked(f)], f, f / 5));
    expect(reports[0]).toHaveLength(1);
    expect(reports.every((r) => r.length === 1)).toBe(false);
    expect(Math.max(...t.activeTracks().map((tr) => tr.history.length))).toBeLessThan(pan.length);
  });

  it('moves a lost track’s prediction with the camera too', () => {
    // seen, hidden for two frames while the camera pans 80 px a frame, seen again
    const t = new ByteTracker({ maxCenterDistance: 0 });
    const [first] = t.update([det(200, 300)], 0, 0, [0, 0]);
    t.update([det(200, 300)], 1, 0.2, [0, 0]);
    t.update([], 2, 0.4, [80, 0]);
    t.update([], 3, 0.6, [80, 0]);
    const [back] = t.update([det(440, 300)], 4, 0.8, [80, 0]);
    expect(back!.id).toBe(first!.id);
  });
});

describe('ByteTracker uncertain matches', () => {
  it('does not mark ordinary overlapping matches uncertain', () => {
    const t = new ByteTracker();
    for (let f = 0; f < 10; f++) t.update([det(100 + 10 * f, 200)], f);
    const [track] = t.activeTracks();
    expect(track!.history).toHaveLength(10);
    expect(track!.history.every((h) => h.uncertain === undefined)).toBe(true);
  });

  it('marks a match whose box grew or shrank more than 2.5-fold', () => {
    const t = new ByteTracker({ activationFrames: 1, maxCenterDistance: 0 });
    t.update([det(100, 100, 0.9, 200, 300)], 0);
    t.update([det(110, 110, 0.9, 180, 280)], 1);
    // a small box inside the big one's place: IoU 0.2 with it, 1/5 of its area
    const [small] = t.update([det(150, 150, 0.9, 120, 100)], 2);
    expect(small!.history.map((h) => h.uncertain ?? false)).toEqual([false, false, true]);

    // a box merged over two riders that splits into one of them: a third of its area
    const s = new ByteTracker({ activationFrames: 1, maxCenterDistance: 0 });
    s.update([det(100, 100, 0.9, 180, 240)], 0);
    const [split] = s.update([det(80, 100, 0.9, 90, 160)], 1);
    expect(split!.history.map((h) => h.uncertain ?? false)).toEqual([false, true]);
    // a rider coming closer: 1.5 times the area in one step is no jump
    const [nearer] = s.update([det(80, 100, 0.9, 110, 196)], 2);
    expect(nearer!.history[2]!.uncertain).toBeUndefined();
  });

  it('marks a match made by centre distance alone, with no overlap', () => {
    const t = new ByteTracker();
    t.update([det(100, 200)], 0);
    const [jumped] = t.update([det(170, 200)], 1); // 70 px on a 60 px box: no overlap, 0.7 diagonals away
    expect(jumped!.history).toHaveLength(2);
    expect(jumped!.history[0]!.uncertain).toBeUndefined();
    expect(jumped!.history[1]!.uncertain).toBe(true);
    // the next frame overlaps the prediction again: certain
    const [next] = t.update([det(175, 200)], 2);
    expect(next!.history[2]!.uncertain).toBeUndefined();
  });

  it('marks a match made after more than two unseen frames, not after two', () => {
    /** A still object seen in frames 0–4, unseen for `unseen` frames, then seen twice more: its history. */
    const seenAgainAfter = (unseen: number) => {
      const t = new ByteTracker();
      for (let f = 0; f < 5; f++) t.update([det(100, 200)], f);
      for (let f = 5; f < 5 + unseen; f++) t.update([], f);
      const [back] = t.update([det(100, 200)], 5 + unseen);
      expect(back!.id).toBe(1);
      t.update([det(100, 200)], 6 + unseen);
      const [track] = t.activeTracks();
      expect(track!.history).toHaveLength(7);
      return track!.history;
    };
    expect(seenAgainAfter(2)[5]!.uncertain).toBeUndefined();

    const three = seenAgainAfter(3);
    expect(three[5]!.uncertain).toBe(true);
    expect(three.slice(0, 5).every((h) => h.uncertain === undefined)).toBe(true);
    // only the match after the absence is in doubt
    expect(three[6]!.uncertain).toBeUndefined();
  });

  it('counts skipped frame indices as unseen frames', () => {
    const t = new ByteTracker();
    t.update([det(100, 200)], 0);
    t.update([det(100, 200)], 1);
    const [back] = t.update([det(100, 200)], 5); // frames 2, 3, 4 never fed
    expect(back!.history[2]!.uncertain).toBe(true);
  });
});
