import type { Box, RgbFrame } from './types.js';

/**
 * A colour signature of an object: a normalised 4×4×4 RGB histogram of the middle of its box
 * (the edges are mostly road and neighbours), sampled on a grid of at most 24×24 points. Two riders
 * side by side in a queue overlap in position but rarely in colour (helmet, jacket, bodywork), so
 * the tracker uses it to keep them apart.
 */

const LEVELS = 4;
const BINS = LEVELS * LEVELS * LEVELS;
const GRID = 24;
const INNER = 0.2;

export function colourSignature(frame: Pick<RgbFrame, 'width' | 'height' | 'data'>, box: Box): Float32Array {
  const hist = new Float32Array(BINS);
  const w = box.x2 - box.x1;
  const h = box.y2 - box.y1;
  const x1 = Math.max(0, box.x1 + INNER * w);
  const x2 = Math.min(frame.width - 1, box.x2 - INNER * w);
  const y1 = Math.max(0, box.y1 + INNER * h);
  const y2 = Math.min(frame.height - 1, box.y2 - INNER * h);
  if (x2 <= x1 || y2 <= y1) return hist;
  const stepX = Math.max(1, (x2 - x1) / GRID);
  const stepY = Math.max(1, (y2 - y1) / GRID);
  let n = 0;
  for (let y = y1; y <= y2; y += stepY) {
    const row = Math.floor(y) * frame.width;
    for (let x = x1; x <= x2; x += stepX) {
      const i = (row + Math.floor(x)) * 3;
      const bin = ((frame.data[i]! >> 6) * LEVELS + (frame.data[i + 1]! >> 6)) * LEVELS + (frame.data[i + 2]! >> 6);
      hist[bin]!++;
      n++;
    }
  }
  for (let b = 0; b < BINS; b++) hist[b]! /= n;
  return hist;
}

/** Bhattacharyya coefficient of two signatures: 1 for the same colours, 0 for disjoint ones. */
export function signatureSimilarity(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.sqrt(a[i]! * b[i]!);
  return s;
}

/** The average of the signatures, or undefined when there is none. */
export function meanSignature(signatures: readonly Float32Array[]): Float32Array | undefined {
  const first = signatures[0];
  if (!first) return undefined;
  const mean = new Float32Array(first.length);
  for (const s of signatures) for (let i = 0; i < s.length; i++) mean[i]! += s[i]! / signatures.length;
  return mean;
}

/** Running average of a track's signature, so one occluded frame does not replace it. */
export function blendSignature(track: Float32Array, seen: Float32Array, weight: number): Float32Array {
  const out = new Float32Array(track.length);
  for (let i = 0; i < track.length; i++) out[i] = (1 - weight) * track[i]! + weight * seen[i]!;
  return out;
}
