import { describe, expect, it } from 'vitest';
import { iou } from '../../src/core/boxes.js';
import type { Detection } from '../../src/core/types.js';
import type { FrameContext, ViolationEvent, ViolationJudgeOptions } from '../../src/core/violation-judge.js';
import { FPS, H, runJudge, vehicle, W, zone } from './judge-fixtures.js';

const DIAGONAL = Math.hypot(W, H);

/** No rider needed on this sidewalk, so that motion alone decides. */
const sidewalk = () => zone({ rules: { requireRider: false } });

/** Frames of detections, each with its context (none by default). */
function run(frames: Detection[][], contexts: FrameContext[] = [], opts: Partial<ViolationJudgeOptions> = {}) {
  return runJudge(frames, { zones: [sidewalk()], contexts, ...opts });
}

const frameIndices = (e: ViolationEvent) => e.boxes.map((b) => b.frameIndex);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A motorcycle riding right along the sidewalk (bottom 500) at 30 px a frame, frames 0..n−1. */
const rideAt = (f: number) => vehicle(200 + 30 * f, 500);

describe('createViolationJudge: crowded stretches', () => {
  /**
   * The ride, and in frames `from`..`to` a second motorcycle alongside it, 40 px lower: its box
   * overlaps the ride's at IoU ≈ 0.43, enough to swap identities, not enough to be fused with it.
   */
  const crowdedRide = (n: number, from: number, to: number) =>
    Array.from({ length: n }, (_, f) => {
      const a = rideAt(f);
      return f >= from && f <= to ? [a, vehicle(200 + 30 * f, 540, 'motorcycle', 0.8)] : [a];
    });

  it('has a fixture whose neighbour overlaps the ride between the crowding and fusion thresholds', () => {
    const [a, b] = crowdedRide(30, 0, 29)[10]!;
    const overlap = iou(a!.box, b!.box);
    expect(overlap).toBeGreaterThanOrEqual(0.3);
    expect(overlap).toBeLessThan(0.55);
  });

  it('without crowding, makes one event of the whole ride', () => {
    const { events } = run(crowdedRide(30, -1, -1));
    expect(events).toHaveLength(1);
    expect(frameIndices(events[0]!)).toEqual(range(0, 29));
  });

  it('cuts a stay where another live track crowds the box, and emits only the first piece', () => {
    // the neighbour appears in frame 10 and is reported (live) from frame 11 to 15; gone after
    const { events } = run(crowdedRide(30, 10, 15));
    expect(events).toHaveLength(1); // at most one event per track and zone: the second piece makes none
    const e = events[0]!;
    expect(e.entryFrame).toBe(0);
    expect(e.exitFrame).toBe(10);
    expect(frameIndices(e)).toEqual(range(0, 10));
    expect(e.dwellSeconds).toBeCloseTo(11 / FPS, 9);
  });

  it('judges each piece on its own: a first piece too short leaves the event to the next one', () => {
    // crowded from frame 3 on: the first piece is frames 0..2 (0.6 s, under the 1 s dwell)
    const { events, rejections } = run(crowdedRide(30, 2, 15));
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.entryFrame).toBe(16);
    expect(e.exitFrame).toBe(29);
    const first = rejections.find((r) => r.trackId === e.trackId);
    expect(first).toMatchObject({ entryFrame: 0, exitFrame: 2 });
    expect(first!.reasons.join(' ')).toMatch(/dwell 0\.60 s under 1 s/);
  });

  /** Frames painted grey with each detection's box filled in its colour: the ride, in front, red; its neighbour blue. */
  const painted = (frames: Detection[][], rideColour: (f: number) => [number, number, number]): FrameContext[] =>
    frames.map((dets, f) => {
      const data = new Uint8Array(W * H * 3).fill(128);
      [...dets].reverse().forEach((d) => {
        const colour = d === dets[0] ? rideColour(f) : [0, 0, 255];
        for (let y = Math.max(0, Math.floor(d.box.y1)); y < Math.min(H, d.box.y2); y++)
          for (let x = Math.max(0, Math.floor(d.box.x1)); x < Math.min(W, d.box.x2); x++)
            data.set(colour, (y * W + x) * 3);
      });
      return { image: { width: W, height: H, data } };
    });

  it('joins the pieces either side of a crowded stretch that show the same vehicle', () => {
    // crowded from frame 3 to 5: frames 0..2 alone are too short, together with 6..29 they are the ride
    const frames = crowdedRide(30, 2, 5);
    const { events } = run(
      frames,
      painted(frames, () => [255, 0, 0]),
    );
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.entryFrame).toBe(0);
    expect(frameIndices(e)).toEqual([...range(0, 2), ...range(6, 29)]);
  });

  it('does not join pieces whose vehicle changed colour across the crowded stretch', () => {
    const frames = crowdedRide(30, 2, 5);
    const { events } = run(
      frames,
      painted(frames, (f) => (f < 5 ? [255, 0, 0] : [0, 160, 0])),
    );
    expect(events).toHaveLength(1);
    // the green vehicle's event starts after the crowding; the red one's three frames make none
    expect(events[0]!.entryFrame).toBeGreaterThanOrEqual(5);
  });

  it('takes crowdIou as the overlap that cuts', () => {
    const { events } = run(crowdedRide(30, 10, 15), [], { crowdIou: 0.5 });
    // under 0.5 nothing is crowded: the ride is whole (and its neighbour, riding too, has its own event)
    const ride = events.filter((e) => e.boxes[0]!.box.y2 === 500);
    expect(ride).toHaveLength(1);
    expect(frameIndices(ride[0]!)).toEqual(range(0, 29));
  });
});

describe('createViolationJudge: a vehicle the tracker lost and found again', () => {
  /**
   * The ride on frames 0..3, nothing on 4 and 5, then the ride again from frame 6 on, 60 px further
   * than its speed would take it (the detector boxed another part of the bike): with no
   * centre-distance fallback the tracker starts a new track there.
   */
  const broken = (n: number) =>
    Array.from({ length: n }, (_, f) => (f < 4 ? [rideAt(f)] : f < 6 ? [] : [vehicle(260 + 30 * f, 500)]));
  const paint = (frames: Detection[][], colour: (f: number) => [number, number, number]): FrameContext[] =>
    frames.map((dets, f) => {
      const data = new Uint8Array(W * H * 3).fill(128);
      for (const d of dets)
        for (let y = Math.floor(d.box.y1); y < d.box.y2; y++)
          for (let x = Math.floor(d.box.x1); x < d.box.x2; x++) data.set(colour(f), (y * W + x) * 3);
      return { image: { width: W, height: H, data } };
    });
  const red = () => [255, 0, 0] as [number, number, number];
  const trackers = {
    'still lost': { matchIou: 0.5, maxCenterDistance: 0 },
    'removed already': { matchIou: 0.5, maxCenterDistance: 0, lostTrackBuffer: 1 },
  };

  for (const [when, tracker] of Object.entries(trackers)) {
    it(`joins the new track's piece to the old one's (${when}) when both show the same vehicle`, () => {
      const frames = broken(10);
      const { events } = run(frames, paint(frames, red), { tracker });
      expect(events).toHaveLength(1);
      expect(frameIndices(events[0]!)).toEqual([...range(0, 3), ...range(6, 9)]);
      expect(events[0]!.entryFrame).toBe(0);
    });

    it(`keeps the pieces apart (${when}) when the colours differ, and both are too short`, () => {
      const frames = broken(10);
      const { events, rejections } = run(
        frames,
        paint(frames, (f) => (f < 4 ? [255, 0, 0] : [0, 160, 0])),
        { tracker },
      );
      expect(events).toHaveLength(0);
      expect(new Set(rejections.map((r) => r.trackId)).size).toBe(2);
    });
  }

  it('keeps the pieces apart without colours to compare', () => {
    const { events } = run(broken(10), [], { tracker: trackers['still lost'] });
    expect(events).toHaveLength(0);
  });
});

describe('createViolationJudge: a moving camera', () => {
  const ride = (n: number) => Array.from({ length: n }, (_, f) => [rideAt(f)]);

  it('leaves frames where the camera moves out of the episode', () => {
    const contexts: FrameContext[] = [];
    contexts[8] = { cameraMoving: true };
    contexts[9] = { cameraMoving: true };
    const { events } = run(ride(20), contexts);
    expect(events).toHaveLength(1);
    expect(frameIndices(events[0]!)).toEqual([...range(0, 7), ...range(10, 19)]);
    expect(events[0]!.entryFrame).toBe(0);
    expect(events[0]!.exitFrame).toBe(19);
  });

  it('gives no event, and says why, when the camera pans through the whole stay', () => {
    const contexts = Array.from({ length: 20 }, (): FrameContext => ({ cameraMoving: true }));
    const { events, rejections } = run(ride(20), contexts);
    expect(events).toEqual([]);
    expect(rejections.map((r) => r.reasons)).toEqual([['camera moving throughout the stay: motion not judged']]);
  });

  it('gives no event, and says why, when the camera moved on every in-zone frame', () => {
    // the camera jolts on every frame the rider is seen (it is hidden on the still frames between)
    const frames = Array.from({ length: 21 }, (_, f) => (f % 2 === 0 ? [rideAt(f)] : []));
    const contexts = frames.map((_, f): FrameContext => ({ cameraMoving: f % 2 === 0 }));
    const { events, rejections } = run(frames, contexts);
    expect(events).toEqual([]);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]!.reasons).toEqual(['camera moving throughout the stay: motion not judged']);
  });

  /** A vehicle at `speed` px a frame (bottom 500) while the camera pans 10 px a frame to the right. */
  const underPan = (n: number, speed: number) => {
    const frames = Array.from({ length: n }, (_, f) => [vehicle(300 + speed * f, 500)]);
    const contexts = frames.map((_, f): FrameContext => ({ cameraOffset: [10 * f, 0] }));
    return { frames, contexts };
  };

  it('judges displacement against the ground: a parked vehicle moving only with the camera is no violation', () => {
    const { frames, contexts } = underPan(20, 10);
    // the picture alone would show 190 px of travel, a violation
    expect(run(frames).events).toHaveLength(1);
    const { events, rejections } = run(frames, contexts);
    expect(events).toEqual([]);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]!.reasons).toHaveLength(1);
    expect(rejections[0]!.reasons[0]).toMatch(/parked or barely moving/);
  });

  it('rejects a vehicle whose displacement is no more than the camera’s own travel, as parallax', () => {
    // 15 px a frame on screen: 5 px a frame over the ground, half the camera's 10
    const { frames, contexts } = underPan(20, 15);
    const { events, rejections } = run(frames, contexts);
    expect(events).toEqual([]);
    expect(rejections).toHaveLength(1);
    expect(rejections[0]!.reasons).toHaveLength(1);
    expect(rejections[0]!.reasons[0]).toMatch(/parallax/);
    expect(rejections[0]!.reasons[0]).toMatch(/camera's own travel 0\.129/); // 190 px of a 1469 px diagonal
    expect(190 / DIAGONAL).toBeCloseTo(0.129, 3);
  });

  it('flags a vehicle that travels further over the ground than the camera does', () => {
    // 40 px a frame on screen: 30 px a frame over the ground, three times the camera's travel
    const { frames, contexts } = underPan(20, 40);
    const { events } = run(frames, contexts);
    expect(events).toHaveLength(1);
    // the recorded displacement is over the ground: about 17 × 30 px between the mean ends
    expect(events[0]!.displacement).toBeCloseTo((17 * 30) / DIAGONAL, 2);
  });
});
