import { iou } from '../core/boxes.js';
import type { Box } from '../core/types.js';
import type { ClipLabels, LabelledBox } from './labels.js';

/**
 * Matches the violations an analysis flagged on one clip to the clip's labels. Pure: boxes are
 * normalised 0..1 on both sides, times in seconds from the clip start.
 *
 * A violation matches a labelled vehicle when they share the zone, their times overlap, and the
 * violation's boxes lie on the vehicle: the median IoU between each violation box and the labelled
 * box at the same instant (interpolated between labelled instants) reaches `minIou`. "The same
 * instant" allows `timeToleranceSec` either way: hand labels are placed by eye on a few frames, and a
 * label a fifth of a second off puts a small, fast vehicle beside itself.
 */

export interface FlaggedBox {
  t: number;
  box: Box;
}

export interface FlaggedViolation {
  zone: string;
  startSec: number;
  endSec: number;
  label: string;
  /** the track's boxes in the zone, in time order */
  boxes: FlaggedBox[];
  /** the boxes the evidence shows: entry, peak and exit keyframes and the vehicle crop */
  keyBoxes: { entry: FlaggedBox; peak: FlaggedBox; exit: FlaggedBox; vehicle: FlaggedBox };
}

export interface MatchOptions {
  /** median IoU for a violation to match a labelled vehicle (default 0.3) */
  minIou: number;
  /** slack on labelled entry/exit times and on interpolation past the first/last labelled box, seconds (default 0.5) */
  slackSec: number;
  /** a key box shows the vehicle when their IoU reaches this and no other labelled vehicle overlaps it more (default 0.3) */
  identityIou: number;
  /** how far a labelled box may be compared off the box's instant, either way, seconds (default 0.25) */
  timeToleranceSec: number;
}

export const DEFAULT_MATCH_OPTIONS: MatchOptions = {
  minIou: 0.3,
  slackSec: 0.5,
  identityIou: 0.3,
  timeToleranceSec: 0.25,
};

export type Outcome =
  | { kind: 'hit'; target: string; pure: boolean; impureMoments: ImpureMoment[] }
  | { kind: 'duplicate'; target: string }
  | { kind: 'optional'; target: string }
  | { kind: 'false_alarm'; target: string; what: string }
  | { kind: 'unlabelled' };

/** A key box that does not show the matched vehicle: what it shows instead (undefined = no labelled vehicle). */
export interface ImpureMoment {
  moment: string;
  t: number;
  iou: number;
  shows: string | undefined;
}

export interface ClipScore {
  clip: string;
  negative: boolean;
  /** ridden motorcycles that must be found */
  expected: number;
  hits: number;
  missed: string[];
  /** flagged something labelled as not to be flagged (bicycle, parked, pushed) */
  falseAlarms: number;
  /** flagged something nobody labelled */
  unlabelled: number;
  duplicates: number;
  /** hits whose evidence boxes all show the labelled vehicle */
  pure: number;
  outcomes: Array<{ violation: number; startSec: number; endSec: number } & Outcome>;
}

interface Target {
  id: string;
  zone: string | undefined;
  kind: 'required' | 'optional' | 'forbidden';
  what: string;
  entrySec: number;
  exitSec: number;
  boxes: readonly LabelledBox[];
}

const toBox = ([x1, y1, x2, y2]: readonly [number, number, number, number]): Box => ({ x1, y1, x2, y2 });

/** The labelled box at `t`: linear between labelled instants, held for `slack` seconds past the ends. */
export function labelledBoxAt(boxes: readonly LabelledBox[], t: number, slack: number): Box | undefined {
  const first = boxes[0];
  const last = boxes[boxes.length - 1];
  if (!first || !last || t < first.t - slack || t > last.t + slack) return undefined;
  if (t <= first.t) return toBox(first.box);
  if (t >= last.t) return toBox(last.box);
  const i = boxes.findIndex((b) => b.t >= t);
  const b = boxes[i]!;
  const a = boxes[i - 1]!;
  const w = b.t === a.t ? 0 : (t - a.t) / (b.t - a.t);
  const mix = (k: number) => a.box[k]! + (b.box[k]! - a.box[k]!) * w;
  return { x1: mix(0), y1: mix(1), x2: mix(2), y2: mix(3) };
}

const TOLERANCE_STEPS = 5;

/** The best IoU of `box` with the labelled boxes within the time tolerance of `t`; undefined when none is labelled then. */
export function labelledIouNear(
  boxes: readonly LabelledBox[],
  t: number,
  box: Box,
  opts: Pick<MatchOptions, 'slackSec' | 'timeToleranceSec'>,
): number | undefined {
  let best: number | undefined;
  for (let i = -TOLERANCE_STEPS; i <= TOLERANCE_STEPS; i++) {
    const truth = labelledBoxAt(boxes, t + (i * opts.timeToleranceSec) / TOLERANCE_STEPS, opts.slackSec);
    if (truth) best = Math.max(best ?? 0, iou(box, truth));
  }
  return best;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function targetsOf(labels: ClipLabels): Target[] {
  const targets: Target[] = labels.riders.map((r) => ({
    id: r.id,
    zone: r.zone,
    kind: r.class === 'bicycle' ? 'forbidden' : r.optional ? 'optional' : 'required',
    what: r.class === 'bicycle' ? 'bicycle' : 'motorcycle',
    entrySec: r.entrySec,
    exitSec: r.exitSec,
    boxes: [...r.boxes].sort((a, b) => a.t - b.t),
  }));
  labels.mustNotFlag.forEach((m, i) => {
    const boxes = [...m.boxes].sort((a, b) => a.t - b.t);
    // A parked bike stays put: one labelled box stands for the whole clip.
    const still = boxes.length === 1;
    targets.push({
      id: `not-${i + 1}`,
      zone: m.zone,
      kind: 'forbidden',
      what: m.what,
      entrySec: still ? 0 : boxes[0]!.t,
      exitSec: still ? Number.POSITIVE_INFINITY : boxes[boxes.length - 1]!.t,
      boxes: still
        ? [
            { t: 0, box: boxes[0]!.box },
            { t: Number.MAX_SAFE_INTEGER, box: boxes[0]!.box },
          ]
        : boxes,
    });
  });
  return targets;
}

/** Median IoU of the violation's boxes with the target's, or undefined when they never coexist. */
function overlapScore(v: FlaggedViolation, target: Target, opts: MatchOptions): number | undefined {
  if (target.zone !== undefined && target.zone !== v.zone) return undefined;
  if (v.endSec < target.entrySec - opts.slackSec || v.startSec > target.exitSec + opts.slackSec) return undefined;
  const ious: number[] = [];
  for (const { t, box } of v.boxes) {
    const fit = labelledIouNear(target.boxes, t, box, opts);
    if (fit !== undefined) ious.push(fit);
  }
  return ious.length ? median(ious) : undefined;
}

/** Which key boxes do not clearly show `target` (another labelled vehicle fits better, or none fits). */
function impureMoments(
  v: FlaggedViolation,
  target: Target,
  targets: readonly Target[],
  opts: MatchOptions,
): ImpureMoment[] {
  const wrong: ImpureMoment[] = [];
  for (const [moment, { t, box }] of Object.entries(v.keyBoxes)) {
    const fits = targets
      .map((o) => ({ id: o.id, iou: labelledIouNear(o.boxes, t, box, opts) ?? 0 }))
      .sort((a, b) => b.iou - a.iou);
    const own = fits.find((f) => f.id === target.id)!;
    const best = fits[0]!;
    if (own.iou < opts.identityIou || best.iou > own.iou) {
      wrong.push({ moment, t, iou: own.iou, shows: best.iou >= opts.identityIou ? best.id : undefined });
    }
  }
  return wrong;
}

export function scoreClip(
  labels: ClipLabels,
  violations: readonly FlaggedViolation[],
  options: Partial<MatchOptions> = {},
): ClipScore {
  const opts = { ...DEFAULT_MATCH_OPTIONS, ...options };
  const targets = targetsOf(labels);
  const pairs: Array<{ v: number; t: number; score: number }> = [];
  violations.forEach((v, vi) =>
    targets.forEach((target, ti) => {
      const score = overlapScore(v, target, opts);
      if (score !== undefined && score >= opts.minIou) pairs.push({ v: vi, t: ti, score });
    }),
  );
  pairs.sort((a, b) => b.score - a.score);

  // Each violation takes its best target; the first violation on a target owns it, later ones duplicate it.
  const assigned = new Map<number, number>();
  const owner = new Map<number, number>();
  for (const p of pairs) {
    if (assigned.has(p.v)) continue;
    assigned.set(p.v, p.t);
    if (!owner.has(p.t)) owner.set(p.t, p.v);
  }

  const outcomes: ClipScore['outcomes'] = violations.map((v, vi) => {
    const where = { violation: vi, startSec: v.startSec, endSec: v.endSec };
    const ti = assigned.get(vi);
    if (ti === undefined) return { ...where, kind: 'unlabelled' as const };
    const target = targets[ti]!;
    if (target.kind === 'forbidden')
      return { ...where, kind: 'false_alarm' as const, target: target.id, what: target.what };
    if (target.kind === 'optional') return { ...where, kind: 'optional' as const, target: target.id };
    if (owner.get(ti) !== vi) return { ...where, kind: 'duplicate' as const, target: target.id };
    const impure = impureMoments(v, target, targets, opts);
    return { ...where, kind: 'hit' as const, target: target.id, pure: impure.length === 0, impureMoments: impure };
  });

  const required = targets.filter((t) => t.kind === 'required');
  const found = new Set(outcomes.flatMap((o) => (o.kind === 'hit' ? [o.target] : [])));
  const count = (kind: Outcome['kind']) => outcomes.filter((o) => o.kind === kind).length;
  return {
    clip: labels.clip,
    negative: labels.negative,
    expected: required.length,
    hits: found.size,
    missed: required.filter((t) => !found.has(t.id)).map((t) => t.id),
    falseAlarms: count('false_alarm'),
    unlabelled: count('unlabelled'),
    duplicates: count('duplicate'),
    pure: outcomes.filter((o) => o.kind === 'hit' && o.pure).length,
    outcomes,
  };
}

export interface Summary {
  clips: number;
  expected: number;
  hits: number;
  flagged: number;
  /** hits / (hits + false alarms + unlabelled); duplicates are counted apart */
  precision: number;
  recall: number;
  falseAlarms: number;
  /** violations on clips labelled negative */
  negativeClipViolations: number;
  unlabelled: number;
  duplicates: number;
  /** pure hits / hits */
  identityPurity: number;
}

export function summarise(scores: readonly ClipScore[]): Summary {
  const sum = (f: (s: ClipScore) => number) => scores.reduce((acc, s) => acc + f(s), 0);
  const hits = sum((s) => s.hits);
  const wrong = sum((s) => s.falseAlarms + s.unlabelled);
  const expected = sum((s) => s.expected);
  const pure = sum((s) => s.pure);
  return {
    clips: scores.length,
    expected,
    hits,
    flagged: sum((s) => s.outcomes.length),
    precision: hits + wrong === 0 ? 1 : hits / (hits + wrong),
    recall: expected === 0 ? 1 : hits / expected,
    falseAlarms: sum((s) => s.falseAlarms),
    negativeClipViolations: sum((s) => (s.negative ? s.outcomes.length : 0)),
    unlabelled: sum((s) => s.unlabelled),
    duplicates: sum((s) => s.duplicates),
    identityPurity: hits === 0 ? 1 : pure / hits,
  };
}
