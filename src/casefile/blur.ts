import { growBox, type RedactionPlan, type Region } from '../core/redaction.js';
import type { Box } from '../core/types.js';
import { pixelRect, type RgbImage } from '../vision/image.js';

/** How far a found region is grown before it is blurred: a face's hair and chin, a plate's frame. */
const GROW: Record<Region['kind'], number> = { face: 0.25, plate: 0.2, vehicle: 0 };

/**
 * Blurs `box` of `image` in place beyond reading: its pixels are averaged into a coarse grid of at most 6 cells
 * along the longer side (a plate's characters or a face's features fall inside one cell), then every pixel is the
 * bilinear blend of the cell means around it, so the patch is smooth rather than a mosaic. Nothing of the original
 * detail survives: the result depends only on the cell means.
 */
export function blurBox(image: RgbImage, box: Box): void {
  const { x, y, w, h } = pixelRect(box, image.width, image.height);
  if (w < 2 || h < 2) return;
  const cell = Math.max(3, Math.ceil(Math.max(w, h) / 6));
  const cols = Math.max(1, Math.ceil(w / cell));
  const rows = Math.max(1, Math.ceil(h / cell));
  const sums = new Float64Array(cols * rows * 3);
  const counts = new Float64Array(cols * rows);
  const { data, width } = image;
  for (let j = 0; j < h; j++) {
    const r = Math.min(rows - 1, Math.floor((j * rows) / h));
    for (let i = 0; i < w; i++) {
      const c = Math.min(cols - 1, Math.floor((i * cols) / w));
      const k = r * cols + c;
      const p = ((y + j) * width + x + i) * 3;
      sums[3 * k] = sums[3 * k]! + data[p]!;
      sums[3 * k + 1] = sums[3 * k + 1]! + data[p + 1]!;
      sums[3 * k + 2] = sums[3 * k + 2]! + data[p + 2]!;
      counts[k] = counts[k]! + 1;
    }
  }
  for (let k = 0; k < counts.length; k++) {
    const n = counts[k]! || 1;
    for (let ch = 0; ch < 3; ch++) sums[3 * k + ch] = sums[3 * k + ch]! / n;
  }
  for (let j = 0; j < h; j++) {
    const fy = Math.min(Math.max(((j + 0.5) * rows) / h - 0.5, 0), rows - 1);
    const r0 = Math.floor(fy);
    const r1 = Math.min(r0 + 1, rows - 1);
    const wy = fy - r0;
    for (let i = 0; i < w; i++) {
      const fx = Math.min(Math.max(((i + 0.5) * cols) / w - 0.5, 0), cols - 1);
      const c0 = Math.floor(fx);
      const c1 = Math.min(c0 + 1, cols - 1);
      const wx = fx - c0;
      const a = (r0 * cols + c0) * 3;
      const b = (r0 * cols + c1) * 3;
      const c = (r1 * cols + c0) * 3;
      const d = (r1 * cols + c1) * 3;
      const p = ((y + j) * width + x + i) * 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = sums[a + ch]! * (1 - wx) + sums[b + ch]! * wx;
        const bottom = sums[c + ch]! * (1 - wx) + sums[d + ch]! * wx;
        data[p + ch] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
}

/** Blurs every region, each grown by its kind's margin first; returns the pixel boxes blurred. */
export function blurRegions(image: RgbImage, regions: readonly Region[]): Box[] {
  const blurred: Box[] = [];
  for (const region of regions) {
    const box = growBox(region.box, GROW[region.kind], image.width, image.height, 3);
    blurBox(image, box);
    blurred.push(box);
  }
  return blurred;
}

/**
 * Carries out a plan on `image` in place: the kept boxes (the offender's plate, grown by a tenth) are copied aside,
 * every region is blurred, and the kept pixels go back untouched. Returns the pixel boxes blurred.
 */
export function applyPlan(image: RgbImage, plan: RedactionPlan): Box[] {
  const kept = plan.keep.map((box) => {
    const rect = pixelRect(growBox(box, 0.1, image.width, image.height, 2), image.width, image.height);
    const rows: Uint8Array[] = [];
    for (let j = 0; j < rect.h; j++) {
      const from = ((rect.y + j) * image.width + rect.x) * 3;
      rows.push(image.data.slice(from, from + rect.w * 3));
    }
    return { rect, rows };
  });
  const blurred = blurRegions(image, plan.blur);
  for (const { rect, rows } of kept) {
    rows.forEach((row, j) => image.data.set(row, ((rect.y + j) * image.width + rect.x) * 3));
  }
  return blurred;
}
