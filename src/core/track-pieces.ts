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
