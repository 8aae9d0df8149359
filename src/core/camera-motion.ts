import type { Box, RgbFrame } from './types.js';

/**
 * Global motion of a moving (handheld, panning) camera between two analysed frames, so that a
 * parked bike drifting across the picture is not taken for a ridden one. The frames are reduced to
 * small grey thumbnails and the background shift is found by exhaustive search of the mean absolute
 * difference, coarse to fine, with the detected road users masked out: they move on their own.
 */

export interface GreyImage {
  width: number;
  height: number;
  data: Float32Array;
}

export interface Shift {
  /** translation of the background from the previous frame to this one, analysed-frame pixels */
  dx: number;
  dy: number;
}

const FINE_WIDTH = 160;
/**
 * Past this speed (share of the frame diagonal per second) the camera is taken to be panning or
 * walking rather than shaking: objects at other depths then move by parallax, which one background
 * shift cannot take out, so motion is not judged on such frames.
 */
export const MOVING_CAMERA_SPEED = 0.05;

/** a static camera's jitter and noise stay under this many fine-thumbnail pixels */
const STILL = 0.5;

/** Grey thumbnail `width` pixels wide, each pixel the mean of the block it covers. */
export function greyThumbnail(frame: Pick<RgbFrame, 'width' | 'height' | 'data'>, width: number): GreyImage {
  const scale = frame.width / width;
  const height = Math.max(1, Math.round(frame.height / scale));
  const data = new Float32Array(width * height);
  const step = Math.max(1, Math.floor(scale / 3));
  for (let ty = 0; ty < height; ty++) {
    const y0 = Math.floor(ty * scale);
    const y1 = Math.min(frame.height, Math.floor((ty + 1) * scale));
    for (let tx = 0; tx < width; tx++) {
      const x0 = Math.floor(tx * scale);
      const x1 = Math.min(frame.width, Math.floor((tx + 1) * scale));
      let sum = 0;
      let n = 0;
      for (let y = y0; y < y1; y += step) {
        for (let x = x0; x < x1; x += step) {
          const i = (y * frame.width + x) * 3;
          sum += 0.299 * frame.data[i]! + 0.587 * frame.data[i + 1]! + 0.114 * frame.data[i + 2]!;
          n++;
        }
      }
      data[ty * width + tx] = n ? sum / n : 0;
    }
  }
  return { width, height, data };
}

function halve(img: GreyImage): GreyImage {
  const width = Math.floor(img.width / 2);
  const height = Math.floor(img.height / 2);
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 2 * y * img.width + 2 * x;
      data[y * width + x] =
        (img.data[i]! + img.data[i + 1]! + img.data[i + img.width]! + img.data[i + img.width + 1]!) / 4;
    }
  }
  return { width, height, data };
}

/**
 * Pixels not covered by any mask box, as a 0/1 map. When road users fill most of the picture (a
 * walk past a row of parked bikes) what is left is too little to measure: then nothing is masked.
 */
function background(width: number, height: number, masks: readonly Box[]): Uint8Array {
  const keep = new Uint8Array(width * height).fill(1);
  for (const b of masks) {
    for (let y = Math.max(0, Math.floor(b.y1)); y < Math.min(height, Math.ceil(b.y2)); y++) {
      keep.fill(0, y * width + Math.max(0, Math.floor(b.x1)), y * width + Math.min(width, Math.ceil(b.x2)));
    }
  }
  const left = keep.reduce((n, k) => n + k, 0);
  return left >= (width * height) / 3 ? keep : keep.fill(1);
}

/** Mean absolute difference when `next` is `prev` moved by (dx, dy), over unmasked overlapping pixels. */
function difference(prev: GreyImage, next: GreyImage, keep: Uint8Array, dx: number, dy: number): number {
  let sum = 0;
  let n = 0;
  const { width, height } = prev;
  for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
    for (let x = Math.max(0, dx); x < Math.min(width, width + dx); x++) {
      const j = y * width + x;
      if (!keep[j]) continue;
      sum += Math.abs(next.data[j]! - prev.data[(y - dy) * width + (x - dx)]!);
      n++;
    }
  }
  return n > (width * height) / 8 ? sum / n : Number.POSITIVE_INFINITY;
}

function search(prev: GreyImage, next: GreyImage, keep: Uint8Array, cx: number, cy: number, radius: number) {
  let best = { dx: cx, dy: cy, cost: Number.POSITIVE_INFINITY };
  for (let dy = cy - radius; dy <= cy + radius; dy++) {
    for (let dx = cx - radius; dx <= cx + radius; dx++) {
      const cost = difference(prev, next, keep, dx, dy);
      if (cost < best.cost) best = { dx, dy, cost };
    }
  }
  return best;
}

/** Sub-pixel offset of a minimum from three samples around it (parabola vertex), within ±0.5. */
function vertex(left: number, mid: number, right: number): number {
  const denom = left - 2 * mid + right;
  if (!Number.isFinite(denom) || denom <= 0) return 0;
  return Math.max(-0.5, Math.min(0.5, (left - right) / (2 * denom)));
}

/**
 * Background shift between two frames of the same size, in their pixels. `masks` are the boxes of
 * detected road users in this frame (frame pixels). Up to a fifth of the width per frame is found.
 */
export function estimateShift(
  prevFrame: Pick<RgbFrame, 'width' | 'height' | 'data'>,
  frame: Pick<RgbFrame, 'width' | 'height' | 'data'>,
  masks: readonly Box[] = [],
): Shift {
  return shiftBetween(motionThumbnail(prevFrame), motionThumbnail(frame), masks, frame.width);
}

/** The thumbnail motion is measured on. */
function motionThumbnail(frame: Pick<RgbFrame, 'width' | 'height' | 'data'>): GreyImage {
  return greyThumbnail(frame, Math.min(FINE_WIDTH, frame.width));
}

/** estimateShift on thumbnails already made; `frameWidth` is the frames' width, for scaling back. */
function shiftBetween(prev: GreyImage, next: GreyImage, masks: readonly Box[], frameWidth: number): Shift {
  const k = next.width / frameWidth;
  const scaled = masks.map((b) => ({ x1: b.x1 * k, y1: b.y1 * k, x2: b.x2 * k, y2: b.y2 * k }));
  const keepFine = background(next.width, next.height, scaled);

  // Coarse to fine: a wide search on a quarter-size pyramid level, then ±1 pixel at each finer one.
  const levels = [{ prev, next, keep: keepFine, scale: 1 }];
  for (let l = 1; l <= 2; l++) {
    const up = levels[l - 1]!;
    const factor = 2 ** l;
    const lp = halve(up.prev);
    const ln = halve(up.next);
    levels.push({
      prev: lp,
      next: ln,
      keep: background(
        ln.width,
        ln.height,
        scaled.map((b) => ({ x1: b.x1 / factor, y1: b.y1 / factor, x2: b.x2 / factor, y2: b.y2 / factor })),
      ),
      scale: factor,
    });
  }
  const top = levels[levels.length - 1]!;
  let best = search(top.prev, top.next, top.keep, 0, 0, Math.max(1, Math.round(top.next.width / 5)));
  for (let l = levels.length - 2; l >= 0; l--) {
    const lv = levels[l]!;
    best = search(lv.prev, lv.next, lv.keep, 2 * best.dx, 2 * best.dy, 1);
  }
  if (!Number.isFinite(best.cost)) return { dx: 0, dy: 0 };
  const at = (dx: number, dy: number) => difference(prev, next, keepFine, dx, dy);
  const sx = best.dx + vertex(at(best.dx - 1, best.dy), best.cost, at(best.dx + 1, best.dy));
  const sy = best.dy + vertex(at(best.dx, best.dy - 1), best.cost, at(best.dx, best.dy + 1));
  if (Math.hypot(sx, sy) < STILL) return { dx: 0, dy: 0 };
  return { dx: sx / k, dy: sy / k };
}

/** Whether a shift measured over `seconds` is a camera on the move rather than jitter. */
export function isCameraMoving(shift: Shift, width: number, height: number, seconds: number): boolean {
  return Math.hypot(shift.dx, shift.dy) / Math.hypot(width, height) / seconds > MOVING_CAMERA_SPEED;
}

/**
 * A camera followed frame by frame: each frame's thumbnail is made once and compared with the
 * previous frame's. `offset` is the background's shift since the first frame.
 */
export class CameraMotion {
  private previous: { thumbnail: GreyImage; timestamp: number } | undefined;
  offset: readonly [number, number] = [0, 0];

  /** Feed the next frame (with the boxes of its road users); says whether the camera is moving. */
  update(frame: Pick<RgbFrame, 'width' | 'height' | 'data' | 'timestamp'>, masks: readonly Box[]): { moving: boolean } {
    const thumbnail = motionThumbnail(frame);
    const previous = this.previous;
    this.previous = { thumbnail, timestamp: frame.timestamp };
    if (!previous) return { moving: false };
    const shift = shiftBetween(previous.thumbnail, thumbnail, masks, frame.width);
    this.offset = [this.offset[0] + shift.dx, this.offset[1] + shift.dy];
    return { moving: isCameraMoving(shift, frame.width, frame.height, frame.timestamp - previous.timestamp) };
  }
}
