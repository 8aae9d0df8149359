import { describe, expect, it } from 'vitest';
import { zoneConfigSchema, type ZoneConfig } from '../../src/core/camera-config.js';
import {
  DEFAULT_DUPLICATE_OPTIONS,
  FiredEvents,
  sameVehicle,
  suppressDuplicates,
} from '../../src/core/duplicate-events.js';
import type { Box } from '../../src/core/types.js';
import type { ViolationEvent } from '../../src/core/violation-judge.js';

const FPS = 5;
const SEGMENT_START = new Date('2026-11-23T01:00:00Z');

const zone = (name = 'sidewalk'): ZoneConfig =>
  zoneConfigSchema.parse({
    name,
    kind: 'sidewalk',
    polygon: [
      [0, 0.5],
      [1, 0.5],
      [1, 1],
      [0, 1],
    ],
  });
const SIDEWALK = zone();

/** A 100 × 80 box with its top-left corner at (x, y). */
const box = (x: number, y: number): Box => ({ x1: x, y1: y, x2: x + 100, y2: y + 80 });

let nextTrack = 1;
/** A minimal event over frames `from`..`to` at 5 fps, its box at `at(frame)`. */
function event(from: number, to: number, at: (frame: number) => Box, z: ZoneConfig = SIDEWALK): ViolationEvent {
  const boxes = [];
  for (let f = from; f <= to; f++) boxes.push({ frameIndex: f, timestamp: f / FPS, box: at(f), score: 0.8 });
  const startSec = from / FPS;
  const endSec = to / FPS;
  return {
    trackId: nextTrack++,
    label: 'motorcycle',
    zone: z,
    entryFrame: from,
    peakFrame: from,
    exitFrame: to,
    startSec,
    endSec,
    startTime: new Date(SEGMENT_START.getTime() + startSec * 1000),
    endTime: new Date(SEGMENT_START.getTime() + endSec * 1000),
    displacement: 0.1,
    dwellSeconds: endSec - startSec + 1 / FPS,
    riderShare: 1,
    boxes,
  };
}

/** Rides right at 20 px a frame (100 px/s) along y = 400. */
const riding = (f: number) => box(100 + 20 * f, 400);
/** The same vehicle, seen by a second track a few pixels off (IoU ≈ 0.85). */
const alongside = (f: number) => box(105 + 20 * f, 403);

describe('sameVehicle', () => {
  it('takes two events whose boxes coincide in the frames both saw for one vehicle', () => {
    const a = event(0, 9, riding);
    const b = event(3, 8, alongside);
    expect(sameVehicle(a, b)).toBe(true);
    expect(sameVehicle(b, a)).toBe(true);
  });

  it('never joins events in different zones', () => {
    const a = event(0, 9, riding);
    expect(sameVehicle(a, event(3, 8, alongside, zone('crosswalk')))).toBe(false);
    // nor a pick-up in another zone
    expect(
      sameVehicle(
        a,
        event(12, 18, (f) => riding(f), zone('crosswalk')),
      ),
    ).toBe(false);
  });

  it('keeps vehicles side by side (boxes overlapping at a low IoU) apart', () => {
    const a = event(0, 9, riding);
    const b = event(0, 9, (f) => box(170 + 20 * f, 400)); // 30 px of 100 shared: IoU ≈ 0.18
    expect(sameVehicle(a, b)).toBe(false);
  });

  it('needs the boxes to coincide on at least half of the shorter event’s frames, and on two frames at least', () => {
    const a = event(0, 9, riding);
    // rides with a for 2 of its 8 frames, then moves off
    const crossing = event(2, 9, (f) => (f < 4 ? alongside(f) : box(100 + 20 * f, 400 + 30 * (f - 3))));
    expect(sameVehicle(a, crossing)).toBe(false);
    expect(sameVehicle(a, crossing, { ...DEFAULT_DUPLICATE_OPTIONS, minShare: 0.25 })).toBe(true);
    // one coinciding frame is never enough, even for a one-frame event
    expect(sameVehicle(a, event(5, 5, alongside))).toBe(false);
    expect(sameVehicle(a, event(5, 6, alongside))).toBe(true);
  });

  it('takes an event starting, soon after another ended, where that one was heading for a pick-up', () => {
    const a = event(0, 9, riding); // last box at frame 9 (1.8 s), x 280
    // picked up at frame 12 (0.6 s later): 3 frames on at 20 px a frame puts it at x 340
    const b = event(12, 20, riding);
    expect(b.boxes[0]!.box.x1 - a.boxes[a.boxes.length - 1]!.box.x1).toBe(60);
    expect(sameVehicle(a, b)).toBe(true);
    expect(sameVehicle(b, a)).toBe(true); // either order
  });

  it('follows the last velocity, down or up the frame as well', () => {
    const diagonal = (f: number) => box(600 - 15 * f, 300 + 10 * f);
    expect(sameVehicle(event(0, 6, diagonal), event(9, 14, diagonal))).toBe(true);
  });

  it('does not take a track starting far away, or not where the first was heading, for a pick-up', () => {
    const a = event(0, 9, riding);
    expect(
      sameVehicle(
        a,
        event(12, 20, (f) => box(900 + 20 * f, 400)),
      ),
    ).toBe(false);
    // where the first one was when it ended, not where it was going (IoU 0.25 with x 340)
    expect(
      sameVehicle(
        a,
        event(12, 20, () => box(280, 400)),
      ),
    ).toBe(false);
    // coming back the way it came
    expect(
      sameVehicle(
        a,
        event(12, 20, (f) => box(280 - 20 * (f - 9), 400)),
      ),
    ).toBe(false);
  });

  it('does not take an event starting after a long gap for a pick-up, even where the first was heading', () => {
    const a = event(0, 9, riding);
    const late = event(17, 25, riding); // 1.6 s after a's end, under maxGapSec = 1
    expect(sameVehicle(a, late)).toBe(false);
    expect(sameVehicle(a, late, { ...DEFAULT_DUPLICATE_OPTIONS, maxGapSec: 2 })).toBe(true);
  });

  it('takes an event in the same colours, up to 3 s on, where the first one’s average motion leads, for a pick-up', () => {
    const colours = (bin: number) => Float32Array.from({ length: 64 }, (_, i) => (i === bin ? 1 : 0));
    const painted = (e: ViolationEvent, bin: number): ViolationEvent => ({ ...e, appearance: colours(bin) });
    const a = painted(event(0, 9, riding), 48);
    const hidden = (bin: number, from = 20, at = riding) => painted(event(from, from + 8, at), bin);
    expect(sameVehicle(a, hidden(48))).toBe(true); // 2.2 s later, where a's pace takes it
    expect(sameVehicle(a, hidden(3))).toBe(false); // other colours: another vehicle
    expect(
      sameVehicle(
        a,
        hidden(48, 20, (f) => box(100 + 20 * f, 450)),
      ),
    ).toBe(true); // 50 px lower: within reach
    expect(
      sameVehicle(
        a,
        hidden(48, 20, (f) => box(20 * f, 400)),
      ),
    ).toBe(false); // 100 px behind: another vehicle
    expect(sameVehicle(a, hidden(48, 27))).toBe(false); // 3.6 s later
    expect(sameVehicle(a, event(20, 28, riding))).toBe(false); // no colours to compare
  });

  it('holds a vehicle seen in a single frame where it was', () => {
    const still = event(4, 4, () => box(300, 400));
    expect(
      sameVehicle(
        still,
        event(6, 10, () => box(305, 402)),
      ),
    ).toBe(true);
    expect(
      sameVehicle(
        still,
        event(6, 10, () => box(420, 400)),
      ),
    ).toBe(false);
  });
});

describe('suppressDuplicates', () => {
  it('keeps the event with more frames of a duplicate pair', () => {
    const long = event(0, 9, riding);
    const short = event(3, 8, alongside);
    expect(suppressDuplicates([short, long])).toEqual([long]);
    expect(suppressDuplicates([long, short])).toEqual([long]);
  });

  it('keeps the longer of a lost track and its pick-up', () => {
    const first = event(0, 4, riding);
    const pickUp = event(7, 20, riding);
    expect(suppressDuplicates([first, pickUp])).toEqual([pickUp]);
  });

  it('keeps the earlier of two equally long duplicates', () => {
    const a = event(0, 5, riding);
    const b = event(1, 6, alongside);
    expect(suppressDuplicates([b, a])).toEqual([a]);
  });

  it('keeps different vehicles and their original order', () => {
    const far = event(0, 6, (f) => box(900 - 20 * f, 600));
    const lane = event(2, 12, riding);
    const dup = event(4, 9, alongside);
    const other = event(3, 8, (f) => box(170 + 20 * f, 400));
    const elsewhere = event(4, 9, alongside, zone('crosswalk'));
    expect(suppressDuplicates([far, dup, other, lane, elsewhere])).toEqual([far, other, lane, elsewhere]);
  });

  it('returns nothing for nothing', () => {
    expect(suppressDuplicates([])).toEqual([]);
  });
});

describe('FiredEvents', () => {
  const ride = (f: number) => box(100 + 20 * f, 400);

  it('refuses an event on the vehicle of one fired before, even the longer one, and admits others', () => {
    const fired = new FiredEvents();
    const first = event(0, 4, ride);
    const again = event(2, 12, ride); // coincides with the first on frames 2..4
    const other = event(0, 10, (f) => box(900 - 20 * f, 600));
    expect(fired.admit(first)).toBe(true);
    expect(fired.admit(again)).toBe(false);
    expect(fired.admit(other)).toBe(true);
  });

  it('refuses a pick-up soon after the first event ended, where it was heading', () => {
    const fired = new FiredEvents();
    expect(fired.admit(event(0, 5, ride))).toBe(true);
    expect(fired.admit(event(8, 15, ride))).toBe(false); // 0.6 s later, on its path
  });

  it('forgets events that ended more than its window before', () => {
    const fired = new FiredEvents(0.5);
    expect(fired.admit(event(0, 5, ride))).toBe(true);
    expect(fired.admit(event(8, 15, ride))).toBe(true);
  });
});
