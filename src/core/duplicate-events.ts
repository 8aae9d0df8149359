import { iou } from './boxes.js';
import type { ViolationEvent } from './violation-judge.js';

/**
 * One vehicle, one violation. When a track breaks and a second track picks the same vehicle up, or
 * two tracks follow one vehicle side by side, their events coincide: same zone, boxes on top of each
 * other in the frames both saw. Of such a pair the event with more observed frames stays (it holds
 * the most of the vehicle's stay), the other is dropped.
 */

export interface DuplicateOptions {
  /** boxes at one frame coincide at this IoU (default 0.5) */
  minIou: number;
  /** share of the shorter event's frames, seen by both, whose boxes coincide (default 0.5) */
  minShare: number;
}

export const DEFAULT_DUPLICATE_OPTIONS: DuplicateOptions = { minIou: 0.5, minShare: 0.5 };

/** Whether two events show the same vehicle in the same zone at the same time. */
export function sameVehicle(a: ViolationEvent, b: ViolationEvent, opts: DuplicateOptions = DEFAULT_DUPLICATE_OPTIONS): boolean {
  if (a.zone.name !== b.zone.name) return false;
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
export function suppressDuplicates(events: readonly ViolationEvent[], opts: DuplicateOptions = DEFAULT_DUPLICATE_OPTIONS): ViolationEvent[] {
  const byStrength = [...events].sort((a, b) => b.boxes.length - a.boxes.length || a.startSec - b.startSec);
  const kept = new Set<ViolationEvent>();
  for (const e of byStrength) {
    if (![...kept].some((k) => sameVehicle(k, e, opts))) kept.add(e);
  }
  return events.filter((e) => kept.has(e));
}
