import { meanSignature, signatureSimilarity } from './appearance.js';
import { area } from './boxes.js';
import type { EpisodeFrame } from './rules.js';

/**
 * Re-linking the pieces of one track's stay in a zone. Where a track overlaps another (a queue, an
 * overtake) it may swap identity, so the judge cuts its stay there and judges each piece alone: no
 * event spans a possible swap. In dense traffic that cuts one rider's crossing into pieces each too
 * short to judge. A piece is joined to the one before the cut when both sides show the same vehicle:
 * the same colours and about the same size on either side of the cut, soon after it.
 */

export interface RelinkOptions {
  /** colour similarity (Bhattacharyya, 0..1) of the frames either side of the cut (default 0.9) */
  minSimilarity: number;
  /** the box may grow or shrink across the cut by at most this factor in area (default 1.8) */
  maxAreaRatio: number;
  /** the longest cut, seconds (default 1.2) */
  maxGapSec: number;
  /** frames each side of the cut whose colours are compared (default 3) */
  sideFrames: number;
}

export const DEFAULT_RELINK_OPTIONS: RelinkOptions = {
  minSimilarity: 0.9,
  maxAreaRatio: 1.8,
  maxGapSec: 1.2,
  sideFrames: 3,
};

/** The vehicle's colours over these frames (those that have them), or undefined. */
export const framesSignature = (frames: readonly EpisodeFrame[]) =>
  meanSignature(frames.flatMap((f) => (f.appearance ? [f.appearance] : [])));

/** Whether `after`, the piece that follows a cut, shows the vehicle `before` showed. */
export function continuesPiece(
  before: readonly EpisodeFrame[],
  after: readonly EpisodeFrame[],
  options: Partial<RelinkOptions> = {},
): boolean {
  const opts = { ...DEFAULT_RELINK_OPTIONS, ...options };
  const last = before[before.length - 1];
  const next = after[0];
  if (!last || !next || next.timestamp - last.timestamp > opts.maxGapSec) return false;
  const ratio = area(next.box) / Math.max(1, area(last.box));
  if (ratio > opts.maxAreaRatio || ratio < 1 / opts.maxAreaRatio) return false;
  const a = framesSignature(before.slice(-opts.sideFrames));
  const b = framesSignature(after.slice(0, opts.sideFrames));
  return a !== undefined && b !== undefined && signatureSimilarity(a, b) >= opts.minSimilarity;
}

const centre = (f: EpisodeFrame): [number, number] => [(f.box.x1 + f.box.x2) / 2, (f.box.y1 + f.box.y2) / 2];

/**
 * Whether `after`, the first piece of a new track, goes on from `before`, a piece another track left
 * unjudged (too short) a moment ago: the tracker lost the vehicle and started again on it. Besides
 * the colours and size of continuesPiece, the new piece must start where the old one, carried on
 * at its own speed, would be (within one box diagonal); frames of `before` at or after the new
 * piece's start are left out, as the two tracks may have overlapped for a frame.
 */
export function resumesPiece(
  before: readonly EpisodeFrame[],
  after: readonly EpisodeFrame[],
  options: Partial<RelinkOptions> = {},
): boolean {
  const next = after[0];
  if (!next) return false;
  const earlier = before.filter((f) => f.timestamp < next.timestamp);
  const first = earlier[0];
  const last = earlier[earlier.length - 1];
  if (!first || !last || !continuesPiece(earlier, after, options)) return false;
  const span = last.timestamp - first.timestamp;
  const [fx, fy] = centre(first);
  const [lx, ly] = centre(last);
  const gap = next.timestamp - last.timestamp;
  const vx = span > 0 ? (lx - fx) / span : 0;
  const vy = span > 0 ? (ly - fy) / span : 0;
  const [nx, ny] = centre(next);
  const diagonal = Math.hypot(last.box.x2 - last.box.x1, last.box.y2 - last.box.y1);
  return Math.hypot(lx + vx * gap - nx, ly + vy * gap - ny) <= diagonal;
}
