import { signatureSimilarity } from './appearance.js';
import { iou } from './boxes.js';
import type { Box } from './types.js';
import type { ViolationEvent } from './violation-judge.js';

/**
 * One vehicle, one violation. Two events show the same vehicle when two tracks followed it side by
 * side (their boxes coincide in the frames both saw), or when one track lost it and another picked
 * it up (the second starts, shortly after the first ends, where the first was heading, or a few
 * seconds later where the first would have got to by then, in the same colours). Of such a
 * pair the event with more observed frames stays (it holds the most of the vehicle's stay), the
 * other is dropped: merging them could join two vehicles, dropping one cannot.
 */

export interface DuplicateOptions {
  /** boxes at one frame coincide at this IoU (default 0.5) */
  minIou: number;
  /** share of the shorter event's frames, seen by both, whose boxes coincide (default 0.5) */
  minShare: number;
  /** longest gap between one event's end and the next one's start that can be a pick-up, seconds (default 1) */
  maxGapSec: number;
  /** a pick-up's first box overlaps where the first event was heading by this IoU (default 0.3) */
  pickUpIou: number;
  /** longest gap for a pick-up recognised by colours and the first event's average motion, seconds (default 3) */
  maxFollowGapSec: number;
  /** colour similarity of the two events for such a pick-up (default 0.9) */
  minFollowSimilarity: number;
  /** how far from where the first event would have got its second may start, in heights of its last box (default 0.75) */
  followReach: number;
}

export const DEFAULT_DUPLICATE_OPTIONS: DuplicateOptions = {
  minIou: 0.5,
  minShare: 0.5,
  maxGapSec: 1,
  pickUpIou: 0.3,
  maxFollowGapSec: 3,
  minFollowSimilarity: 0.9,
  followReach: 0.75,
};

const centre = (b: Box): [number, number] => [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2];

/**
 * Whether `b` starts, within a few seconds of `a`'s end, in `a`'s colours where `a`'s average motion
 * would have carried it: the vehicle hidden in a queue for longer than a pick-up allows.
 */
function followsOn(a: ViolationEvent, b: ViolationEvent, opts: DuplicateOptions): boolean {
  const start = a.boxes[0];
  const end = a.boxes[a.boxes.length - 1];
  const next = b.boxes[0];
  if (!start || !end || !next || !a.appearance || !b.appearance) return false;
  const gap = next.timestamp - end.timestamp;
  if (gap <= 0 || gap > opts.maxFollowGapSec) return false;
  if (signatureSimilarity(a.appearance, b.appearance) < opts.minFollowSimilarity) return false;
  const [sx, sy] = centre(start.box);
  const [ex, ey] = centre(end.box);
  const span = end.timestamp - start.timestamp;
  const k = span > 0 ? gap / span : 0;
  const [nx, ny] = centre(next.box);
  const miss = Math.hypot(ex + (ex - sx) * k - nx, ey + (ey - sy) * k - ny);
  return miss <= opts.followReach * (end.box.y2 - end.box.y1);
}

/** The last box of `a`, its centre carried on at its final velocity to `t` (sizes change too erratically to follow). */
function extrapolate(a: ViolationEvent, t: number): Box {
  const last = a.boxes[a.boxes.length - 1]!;
  const prev = a.boxes[a.boxes.length - 2];
  if (!prev || last.timestamp === prev.timestamp) return last.box;
  const k = (t - last.timestamp) / (last.timestamp - prev.timestamp);
  const dx = ((last.box.x1 + last.box.x2 - prev.box.x1 - prev.box.x2) / 2) * k;
  const dy = ((last.box.y1 + last.box.y2 - prev.box.y1 - prev.box.y2) / 2) * k;
  return { x1: last.box.x1 + dx, y1: last.box.y1 + dy, x2: last.box.x2 + dx, y2: last.box.y2 + dy };
}

/** Whether `b` starts, soon after `a` ends, where `a` was heading. */
function picksUp(a: ViolationEvent, b: ViolationEvent, opts: DuplicateOptions): boolean {
  const first = b.boxes[0];
  if (!first || a.boxes.length === 0) return false;
  const gap = first.timestamp - a.boxes[a.boxes.length - 1]!.timestamp;
  return gap > 0 && gap <= opts.maxGapSec && iou(extrapolate(a, first.timestamp), first.box) >= opts.pickUpIou;
}

/** Whether two events show the same vehicle in the same zone. */
export function sameVehicle(
  a: ViolationEvent,
  b: ViolationEvent,
  opts: DuplicateOptions = DEFAULT_DUPLICATE_OPTIONS,
): boolean {
  if (a.zone.name !== b.zone.name) return false;
  if (picksUp(a, b, opts) || picksUp(b, a, opts) || followsOn(a, b, opts) || followsOn(b, a, opts)) return true;
  const byFrame = new Map(a.boxes.map((x) => [x.frameIndex, x.box]));
  let coinciding = 0;
  for (const x of b.boxes) {
    const other = byFrame.get(x.frameIndex);
    if (other && iou(other, x.box) >= opts.minIou) coinciding++;
  }
  const shorter = Math.min(a.boxes.length, b.boxes.length);
  return coinciding >= 2 && coinciding >= opts.minShare * shorter;
}

/** The events without duplicates, in their original order. */
export function suppressDuplicates(
  events: readonly ViolationEvent[],
  opts: DuplicateOptions = DEFAULT_DUPLICATE_OPTIONS,
): ViolationEvent[] {
  const byStrength = [...events].sort((a, b) => b.boxes.length - a.boxes.length || a.startSec - b.startSec);
  const kept = new Set<ViolationEvent>();
  for (const e of byStrength) {
    if (![...kept].some((k) => sameVehicle(k, e, opts))) kept.add(e);
  }
  return events.filter((e) => kept.has(e));
}

/**
 * Duplicates among events handed out one at a time, as a live analysis alerts them: an alert cannot be taken back,
 * so the first of two events on one vehicle stands and the later one is refused. Events are remembered for
 * `windowSec` after they end, past the longest gap a pick-up or a follow-on may span.
 */
export class FiredEvents {
  private fired: ViolationEvent[] = [];

  constructor(
    private readonly windowSec = 10,
    private readonly opts: DuplicateOptions = DEFAULT_DUPLICATE_OPTIONS,
  ) {}

  /** Whether `event` shows a vehicle no earlier event showed; if so it is remembered. */
  admit(event: ViolationEvent): boolean {
    this.fired = this.fired.filter((f) => event.startSec - f.endSec <= this.windowSec);
    if (this.fired.some((f) => sameVehicle(f, event, this.opts))) return false;
    this.fired.push(event);
    return true;
  }
}
