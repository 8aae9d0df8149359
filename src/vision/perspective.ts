import type { Point } from '../core/types.js';
import type { RgbImage } from './image.js';
import type { Quad } from './plate-corners.js';

/**
 * Perspective rectification of a plate by its 4 corners. sharp (libvips) offers affine transforms
 * but no perspective warp, so this solves the 3x3 homography and samples bilinearly itself.
 */

/** Homography H (row-major, h33 = 1) mapping each `from` point onto the matching `to` point. */
export function homography(from: readonly Point[], to: readonly Point[]): number[] {
  // 8 equations A h = b from x' = (h0 x + h1 y + h2) / (h6 x + h7 y + 1), y' likewise.
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  // Gauss-Jordan elimination with partial pivoting on the augmented 8x9 matrix.
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    if (Math.abs(a[pivot]![col]!) < 1e-12) throw new RangeError('degenerate corners: no homography');
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const row = a[col]!;
    const p = row[col]!;
    for (let c = col; c < 9; c++) row[c]! /= p;
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      if (f === 0) continue;
      for (let c = col; c < 9; c++) a[r]![c]! -= f * row[c]!;
    }
  }
  return [...a.map((r) => r[8]!), 1];
}

const dist = (p: Point, q: Point) => Math.hypot(p[0] - q[0], p[1] - q[1]);

/** Natural size of the quad: the longer of each pair of opposite edges. */
export function quadSize(q: Quad): { width: number; height: number } {
  return {
    width: Math.max(2, Math.round(Math.max(dist(q[0], q[1]), dist(q[3], q[2])))),
    height: Math.max(2, Math.round(Math.max(dist(q[0], q[3]), dist(q[1], q[2])))),
  };
}

/** The quad's content warped onto an upright width x height rectangle (bilinear, edge-clamped). */
export function warpQuad(image: RgbImage, quad: Quad, width: number, height: number): RgbImage {
  // Map output pixel centres back into the source: H from rectangle to quad.
  const h = homography(
    [
      [0, 0],
      [width, 0],
      [width, height],
      [0, height],
    ],
    quad,
  );
  const out = new Uint8Array(width * height * 3);
  const { width: sw, height: sh, data } = image;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const w = h[6]! * px + h[7]! * py + h[8]!;
      const fx = Math.min(Math.max((h[0]! * px + h[1]! * py + h[2]!) / w - 0.5, 0), sw - 1);
      const fy = Math.min(Math.max((h[3]! * px + h[4]! * py + h[5]!) / w - 0.5, 0), sh - 1);
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const x1 = Math.min(x0 + 1, sw - 1);
      const y1 = Math.min(y0 + 1, sh - 1);
      const ax = fx - x0;
      const ay = fy - y0;
      const i00 = (y0 * sw + x0) * 3,
        i01 = (y0 * sw + x1) * 3,
        i10 = (y1 * sw + x0) * 3,
        i11 = (y1 * sw + x1) * 3;
      const o = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const top = data[i00 + c]! * (1 - ax) + data[i01 + c]! * ax;
        const bottom = data[i10 + c]! * (1 - ax) + data[i11 + c]! * ax;
        out[o + c] = Math.round(top * (1 - ay) + bottom * ay);
      }
    }
  }
  return { width, height, data: out };
}
