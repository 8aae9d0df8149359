import type { Box, Detection } from './types.js';

export function area(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

export function intersection(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection over union, 0 when either box is empty. */
export function iou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  if (inter === 0) return 0;
  return inter / (area(a) + area(b) - inter);
}

export function clipBox(b: Box, width: number, height: number): Box {
  const cx = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  return { x1: cx(b.x1, width), y1: cx(b.y1, height), x2: cx(b.x2, width), y2: cx(b.y2, height) };
}

/** Where a road user touches the ground: the middle of the box's bottom edge. */
export function bottomCenter(b: Box): [number, number] {
  return [(b.x1 + b.x2) / 2, b.y2];
}

export interface Letterbox {
  /** factor applied to the source image */
  scale: number;
  padX: number;
  padY: number;
  /** size of the scaled image inside the destination */
  width: number;
  height: number;
  srcWidth: number;
  srcHeight: number;
  dstWidth: number;
  dstHeight: number;
}

/**
 * Keep-ratio resize of srcW×srcH into dstW×dstH. `center` splits the padding evenly (PicoDet,
 * YOLOv8, HyperLPR); otherwise the image sits top-left (YOLOX).
 */
export function letterbox(
  srcW: number,
  srcH: number,
  dstW: number,
  dstH: number,
  opts: { center: boolean },
): Letterbox {
  if (!(srcW > 0 && srcH > 0 && dstW > 0 && dstH > 0)) {
    throw new RangeError(`letterbox sizes must be positive: ${srcW}x${srcH} -> ${dstW}x${dstH}`);
  }
  const scale = Math.min(dstW / srcW, dstH / srcH);
  const width = Math.min(dstW, Math.round(srcW * scale));
  const height = Math.min(dstH, Math.round(srcH * scale));
  const padX = opts.center ? Math.floor((dstW - width) / 2) : 0;
  const padY = opts.center ? Math.floor((dstH - height) / 2) : 0;
  return { scale, padX, padY, width, height, srcWidth: srcW, srcHeight: srcH, dstWidth: dstW, dstHeight: dstH };
}

/** Map a box from letterboxed model-input pixels back to source pixels, clipped to the source. */
export function unletterboxBox(box: Box, lb: Letterbox): Box {
  return clipBox(
    {
      x1: (box.x1 - lb.padX) / lb.scale,
      y1: (box.y1 - lb.padY) / lb.scale,
      x2: (box.x2 - lb.padX) / lb.scale,
      y2: (box.y2 - lb.padY) / lb.scale,
    },
    lb.srcWidth,
    lb.srcHeight,
  );
}

/**
 * Greedy non-maximum suppression, best score first. `classWise` only lets boxes of the same label
 * suppress each other. Returns the kept detections sorted by score, descending.
 */
export function nms<T extends Pick<Detection, 'box' | 'score'> & { label?: string }>(
  dets: readonly T[],
  iouThreshold: number,
  opts: { classWise: boolean },
): T[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const d of sorted) {
    const suppressed = kept.some((k) => (!opts.classWise || k.label === d.label) && iou(k.box, d.box) > iouThreshold);
    if (!suppressed) kept.push(d);
  }
  return kept;
}
