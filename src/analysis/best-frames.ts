import type { Box, RgbFrame } from '../core/types.js';

/** A vehicle's picture from one analysed frame, cut out with some margin and kept for plate reading. */
export interface VehicleShot {
  frameIndex: number;
  timestamp: number;
  /** the cut-out region, an RGB image of its own */
  image: RgbFrame;
  /** the vehicle's box inside `image` */
  box: Box;
  /** the vehicle's box in analysed-frame pixels */
  frameBox: Box;
  /** box area × sharpness: bigger and crisper pictures give better plate reads */
  quality: number;
}

/**
 * Variance of the 4-neighbour Laplacian over the box's luma: a standard focus measure, low for
 * motion-blurred or out-of-focus pictures. Sampled on a grid of at most ~160 px per side.
 */
export function laplacianVariance(frame: RgbFrame, box: Box): number {
  const step = Math.max(1, Math.ceil(Math.max(box.x2 - box.x1, box.y2 - box.y1) / 160));
  // the Laplacian reads `step` pixels around each sample: keep that inside the frame
  const x1 = Math.max(step, Math.floor(box.x1));
  const y1 = Math.max(step, Math.floor(box.y1));
  const x2 = Math.min(frame.width - 1 - step, Math.ceil(box.x2));
  const y2 = Math.min(frame.height - 1 - step, Math.ceil(box.y2));
  if (x2 <= x1 || y2 <= y1) return 0;
  const { data, width } = frame;
  const luma = (x: number, y: number) => {
    const i = (y * width + x) * 3;
    return 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
  };
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = y1; y <= y2; y += step) {
    for (let x = x1; x <= x2; x += step) {
      const lap = luma(x - step, y) + luma(x + step, y) + luma(x, y - step) + luma(x, y + step) - 4 * luma(x, y);
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

/** Copies the box plus `margin` (fraction of its size) out of the frame. */
export function cutOut(frame: RgbFrame, box: Box, margin: number): { image: RgbFrame; box: Box } {
  const mw = (box.x2 - box.x1) * margin;
  const mh = (box.y2 - box.y1) * margin;
  const x1 = Math.max(0, Math.floor(box.x1 - mw));
  const y1 = Math.max(0, Math.floor(box.y1 - mh));
  const x2 = Math.min(frame.width, Math.ceil(box.x2 + mw));
  const y2 = Math.min(frame.height, Math.ceil(box.y2 + mh));
  const w = Math.max(1, x2 - x1);
  const h = Math.max(1, y2 - y1);
  const data = new Uint8Array(w * h * 3);
  for (let row = 0; row < h; row++) {
    const from = ((y1 + row) * frame.width + x1) * 3;
    data.set(frame.data.subarray(from, from + w * 3), row * w * 3);
  }
  return {
    image: { index: frame.index, timestamp: frame.timestamp, width: w, height: h, data },
    box: { x1: box.x1 - x1, y1: box.y1 - y1, x2: box.x2 - x1, y2: box.y2 - y1 },
  };
}

/**
 * Keeps, per live track, the best picture of each stretch of `bucketSec` seconds, so the plate can
 * be read once the track's violation is known, without decoding the video a second time. A track's
 * violation may cover only part of its life (its stay is cut where it may have swapped identity), so
 * pictures are picked from the violation's own frames, and spread over time so there are some.
 */
export class BestShotKeeper {
  private readonly shots = new Map<number, Map<number, VehicleShot>>();

  constructor(
    private readonly perTrack = 3,
    private readonly bucketSec = 1,
    private readonly margin = 0.12,
    /** boxes smaller than this (pixels) cannot carry a readable plate */
    private readonly minSide = 24,
  ) {}

  offer(trackId: number, frame: RgbFrame, box: Box): void {
    const w = box.x2 - box.x1;
    const h = box.y2 - box.y1;
    if (w < this.minSide || h < this.minSide) return;
    const buckets = this.shots.get(trackId) ?? new Map<number, VehicleShot>();
    const bucket = Math.floor(frame.timestamp / this.bucketSec);
    const quality = w * h * Math.sqrt(laplacianVariance(frame, box));
    const held = buckets.get(bucket);
    if (held && held.quality >= quality) return;
    const cut = cutOut(frame, box, this.margin);
    buckets.set(bucket, {
      frameIndex: frame.index,
      timestamp: frame.timestamp,
      image: cut.image,
      box: cut.box,
      frameBox: box,
      quality,
    });
    this.shots.set(trackId, buckets);
  }

  /** The best `perTrack` pictures of the track among `frames` (analysed-frame indices), best first. */
  get(trackId: number, frames: ReadonlySet<number>): VehicleShot[] {
    const held = [...(this.shots.get(trackId)?.values() ?? [])].filter((s) => frames.has(s.frameIndex));
    return held.sort((a, b) => b.quality - a.quality).slice(0, this.perTrack);
  }

  /** Frees the pictures of tracks that are gone and have no pending violation. */
  retainOnly(trackIds: ReadonlySet<number>): void {
    for (const id of this.shots.keys()) if (!trackIds.has(id)) this.shots.delete(id);
  }
}
