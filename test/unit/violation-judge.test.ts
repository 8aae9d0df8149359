import { describe, expect, it } from 'vitest';
import type { Box, Detection, ObjectClass } from '../../src/core/types.js';
import { createJudge, FPS, MONDAY_10_SEOUL, runJudge, vehicle, zone } from './judge-fixtures.js';

/** A rider sitting on the vehicle: body over its upper part, feet on the pegs. */
const riderOn = (v: Detection): Detection => {
  const b = v.box;
  const h = b.y2 - b.y1;
  return { label: 'person', score: 0.8, box: { x1: b.x1 + 20, y1: b.y1 - 70, x2: b.x2 - 20, y2: b.y1 + 0.6 * h } };
};
/** A walker beside the vehicle, feet on the ground line. */
const walkerBeside = (v: Detection): Detection => {
  const b = v.box;
  return { label: 'person', score: 0.8, box: { x1: b.x2 + 5, y1: b.y2 - 170, x2: b.x2 + 60, y2: b.y2 } };
};

/** A vehicle moving along a horizontal line at `bottom`, `step` px per frame, for `n` frames. */
const path = (
  n: number,
  x0: number,
  step: number,
  bottom: number,
  make: (v: Detection) => Detection[] = (v) => [v],
  label: ObjectClass = 'motorcycle',
) => Array.from({ length: n }, (_, i) => make(vehicle(x0 + i * step, bottom, label)));
const ridden = (v: Detection) => [v, riderOn(v)];

describe('createViolationJudge', () => {
  it('flags a motorcycle ridden through the zone exactly once, with entry, peak and exit', () => {
    // approaches in the upper half, rides along the sidewalk, then leaves the frame
    const approach = [270, 300, 330, 355].map((bottom, i) => ridden(vehicle(100 + i * 25, bottom)));
    const along = Array.from({ length: 15 }, (_, i) => {
      const v = vehicle(200 + i * 25, 380 + i * 8, 'motorcycle', 0.85, 120 + i * 4, 100 + i * 3);
      return ridden(v);
    });
    const { events, rejections } = runJudge([...approach, ...along, [], [], []]);
    expect(rejections).toEqual([]);
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(e.label).toBe('motorcycle');
    expect(e.zone.name).toBe('sidewalk');
    expect(e.entryFrame).toBe(4);
    expect(e.exitFrame).toBe(18);
    expect(e.peakFrame).toBe(18); // the box grows as it comes closer
    expect(e.startSec).toBeCloseTo(0.8, 9);
    expect(e.endSec).toBeCloseTo(3.6, 9);
    expect(e.startTime.toISOString()).toBe('2026-11-23T01:00:00.800Z');
    expect(e.dwellSeconds).toBeCloseTo(3.0, 9);
    expect(e.boxes).toHaveLength(15);
    expect(e.boxes[0]!.frameIndex).toBe(4);
    expect(e.riderShare).toBe(1);
    expect(e.displacement).toBeGreaterThan(0.2);
    expect(e.direction).toBeGreaterThan(0);
    expect(e.direction).toBeLessThan(30);
  });

  it('emits when the track leaves the zone, not only at the end', () => {
    const inside = path(10, 200, 30, 500, ridden);
    // turns up the frame: bottoms 460, 420, 380 inside, then 340, 300, 260 outside (the line is at 360)
    const out = [460, 420, 380, 340, 300, 260, 220].map((bottom, i) => ridden(vehicle(500 + i * 30, bottom)));
    const judge = createJudge();
    const perFrame = [...inside, ...out].map((d, i) => judge.update(i, i / FPS, d));
    expect(perFrame.slice(0, 14).every((e) => e.length === 0)).toBe(true);
    expect(perFrame[14]).toHaveLength(1); // second frame outside (inertia 2)
    expect(perFrame[14]![0]!.exitFrame).toBe(12);
    expect(judge.finish()).toEqual([]);
  });

  it('does not flag a parked motorcycle, even with someone sitting on it', () => {
    const jitter = (i: number) => (i % 2 ? 2 : -2);
    const parked = Array.from({ length: 30 }, (_, i) => [vehicle(600 + jitter(i), 500)]);
    const sitting = Array.from({ length: 30 }, (_, i) => ridden(vehicle(600 + jitter(i), 500)));
    const a = runJudge(parked);
    expect(a.events).toEqual([]);
    expect(a.rejections[0]!.reasons.join(' ')).toMatch(/displacement/);
    const b = runJudge(sitting);
    expect(b.events).toEqual([]);
    expect(b.rejections[0]!.reasons).toHaveLength(1);
    expect(b.rejections[0]!.reasons[0]).toMatch(/parked or barely moving/);
  });

  it('does not flag a bicycle ridden along the sidewalk', () => {
    const { events, rejections } = runJudge(path(20, 200, 30, 500, ridden, 'bicycle'));
    expect(events).toEqual([]);
    expect(rejections[0]!.reasons).toEqual(['class bicycle is not targeted by this zone']);
  });

  it('does not flag a motorcycle pushed by a walker beside it', () => {
    const { events, rejections } = runJudge(path(20, 200, 15, 500, (v) => [v, walkerBeside(v)]));
    expect(events).toEqual([]);
    expect(rejections[0]!.reasons).toHaveLength(1);
    expect(rejections[0]!.reasons[0]).toMatch(/rider seen on 0%/);
  });

  it('does not take a doubtful person detection for a rider', () => {
    const faint = (v: Detection) => [v, { ...riderOn(v), score: 0.1 }];
    const { events, rejections } = runJudge(path(20, 200, 30, 500, faint));
    expect(events).toEqual([]);
    expect(rejections[0]!.reasons[0]).toMatch(/rider seen on 0%/);
  });

  it('catches wrong-way riding on a one-way restricted road and lets the right way pass', () => {
    const oneWay = zone({ name: 'one-way', kind: 'restricted_road', rules: { allowedDirectionDeg: 0 } });
    const rightWay = runJudge(path(20, 200, 30, 500, ridden), { zones: [oneWay] });
    expect(rightWay.events).toEqual([]);
    expect(rightWay.rejections[0]!.reasons[0]).toMatch(/within 60° of the allowed 0°/);
    const wrongWay = runJudge(path(20, 1000, -30, 500, ridden), { zones: [oneWay] });
    expect(wrongWay.events).toHaveLength(1);
    expect(wrongWay.events[0]!.direction).toBeCloseTo(180, 0);
  });

  it('applies the schedule in the camera time zone', () => {
    const daytime = zone({ schedule: [{ days: [1, 2, 3, 4, 5], start: '07:00', end: '20:00' }] });
    const riding = path(20, 200, 30, 500, ridden);
    const evening = new Date('2026-11-23T21:00:00+09:00'); // Monday 21:00 in Seoul = 12:00 UTC
    expect(runJudge(riding, { zones: [daytime], segmentStart: MONDAY_10_SEOUL }).events).toHaveLength(1);
    const seoul = runJudge(riding, { zones: [daytime], segmentStart: evening });
    expect(seoul.events).toEqual([]);
    expect(seoul.rejections[0]!.reasons).toEqual(['zone schedule not active']);
    expect(runJudge(riding, { zones: [daytime], segmentStart: evening, timezone: 'UTC' }).events).toHaveLength(1);
  });

  it('ignores a pass shorter than the minimum dwell', () => {
    const quick = path(4, 200, 60, 500, ridden);
    const { events, rejections } = runJudge(quick, { zones: [zone({ rules: { minDwellSeconds: 1 } })] });
    expect(events).toEqual([]);
    expect(rejections[0]!.reasons[0]).toMatch(/dwell 0.80 s under 1 s/);
  });

  it('needs confirmation: a weak detection never makes an event', () => {
    const weak = Array.from({ length: 20 }, (_, i) => {
      // enough to start a track (0.62, 0.55 over the tracker's 0.6 / 0.5); then a faint rider (0.4)
      // lifts the bike's 0.4 to 0.4 + 0.6 × 0.6 × 0.4 = 0.54, never a median of 0.6
      const v = vehicle(200 + i * 30, 500, 'motorcycle', i === 0 ? 0.62 : i === 1 ? 0.55 : 0.4);
      return i < 2 ? [v] : [v, { ...riderOn(v), score: 0.4 }];
    });
    const { events, rejections } = runJudge(weak, { confirmThreshold: 0.6 });
    expect(events).toEqual([]);
    expect(rejections[0]!.reasons).toEqual(['detection not confirmed (median score under threshold)']);
  });

  it('emits once per track and zone, even when the track re-enters', () => {
    // rides in the zone, swerves out above the line for four frames, comes back in
    const bottoms = [
      500, 500, 500, 500, 500, 500, 460, 420, 340, 300, 300, 340, 420, 460, 500, 500, 500, 500, 500, 500,
    ];
    const frames = bottoms.map((bottom, i) => ridden(vehicle(200 + i * 30, bottom)));
    const judge = createJudge();
    const events = frames.flatMap((d, i) => judge.update(i, i / FPS, d));
    expect(judge.tracks()).toHaveLength(1);
    expect(events).toHaveLength(1); // the first stay, on leaving
    expect(events[0]!.exitFrame).toBe(7);
    expect(judge.finish()).toEqual([]); // the second stay would qualify too, but the pair already has its event
    expect(judge.rejections()).toEqual([]);
  });

  it('gives an event per zone the track rides through', () => {
    const left = zone({
      name: 'left',
      polygon: [
        [0, 0.5],
        [0.5, 0.5],
        [0.5, 1],
        [0, 1],
      ],
    });
    const right = zone({
      name: 'right',
      kind: 'crosswalk',
      polygon: [
        [0.5, 0.5],
        [1, 0.5],
        [1, 1],
        [0.5, 1],
      ],
    });
    const { events } = runJudge(path(40, 100, 28, 500, ridden), { zones: [left, right] });
    expect(events.map((e) => e.zone.name).sort()).toEqual(['left', 'right']);
    const byName = Object.fromEntries(events.map((e) => [e.zone.name, e]));
    expect(byName.left!.exitFrame).toBeLessThan(byName.right!.entryFrame);
  });

  it('tracks two riders separately', () => {
    const frames = Array.from({ length: 15 }, (_, i) => {
      const a = vehicle(200 + i * 30, 480);
      const b = vehicle(1100 - i * 30, 680);
      return [a, riderOn(a), b, riderOn(b)];
    });
    const { events } = runJudge(frames);
    expect(events).toHaveLength(2);
    expect(new Set(events.map((e) => e.trackId)).size).toBe(2);
  });

  it('reports events at finish for tracks still in the zone', () => {
    const judge = createJudge();
    path(10, 200, 30, 500, ridden).forEach((d, i) => expect(judge.update(i, i / FPS, d)).toEqual([]));
    const events = judge.finish();
    expect(events).toHaveLength(1);
    expect(events[0]!.exitFrame).toBe(9);
    expect(judge.finish()).toEqual([]);
  });

  it('keeps the track, and so the single event, through a short occlusion', () => {
    const before = path(8, 200, 30, 500, ridden);
    const gap: Detection[][] = [[], []];
    const after = Array.from({ length: 8 }, (_, i) => ridden(vehicle(200 + (10 + i) * 30, 500)));
    const { events } = runJudge([...before, ...gap, ...after]);
    expect(events).toHaveLength(1);
    expect(events[0]!.entryFrame).toBe(0);
    expect(events[0]!.exitFrame).toBe(17);
  });

  it('does not let one event span a longer absence, after which the track may be another vehicle', () => {
    const before = path(8, 200, 30, 500, ridden);
    const gap: Detection[][] = [[], [], []];
    const after = Array.from({ length: 8 }, (_, i) => ridden(vehicle(200 + (11 + i) * 30, 500)));
    const { events } = runJudge([...before, ...gap, ...after]);
    expect(events).toHaveLength(1);
    expect(events[0]!.entryFrame).toBe(0);
    expect(events[0]!.exitFrame).toBe(7);
  });
});

export type { Box };

describe('ViolationJudge.heldFrames', () => {
  it("holds each open stay's first, largest-box and latest frames, and every frame its event then shows", () => {
    const judge = createJudge();
    const frames = Array.from({ length: 12 }, (_, i) => {
      // grows until frame 6, then shrinks: the peak stays at 6 while the stay goes on
      const grow = i <= 6 ? i : 12 - i;
      return ridden(vehicle(200 + i * 30, 500, 'motorcycle', 0.85, 120 + grow * 10, 100 + grow * 8));
    });
    const heldAt: Array<Set<number>> = [];
    frames.forEach((dets, i) => {
      judge.update(i, i / FPS, dets);
      heldAt.push(judge.heldFrames());
    });
    expect([...heldAt[11]!].sort((a, b) => a - b)).toEqual([0, 6, 11]);
    expect(heldAt[11]!.size).toBeLessThan(12);
    const [event] = judge.finish();
    expect(event).toMatchObject({ entryFrame: 0, peakFrame: 6, exitFrame: 11 });
    expect(judge.heldFrames().size).toBe(0);
  });
});
