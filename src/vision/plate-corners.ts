import * as ort from 'onnxruntime-node';
import { nms } from '../core/boxes.js';
import type { Box, Point } from '../core/types.js';
import type { RgbImage } from './image.js';
import { modelEntry } from './model-manifest.js';
import { letterboxTensor } from './preprocess.js';
import { getSession, type SessionOptions } from './session-cache.js';

export type PlateLayout = 'one-row' | 'two-row';

/** Corners in image pixels, order: top-left, top-right, bottom-right, bottom-left. */
export type Quad = readonly [Point, Point, Point, Point];

export interface PlateCorners {
  box: Box;
  corners: Quad;
  score: number;
  layout: PlateLayout;
}

export interface PlateCornerDetector {
  sha256: string;
  detect(image: RgbImage, opts?: { scoreThreshold?: number }): Promise<PlateCorners[]>;
}

const INPUT = 640;
const ROW = 15;
const NMS_IOU = 0.5;

/** HyperLPR3 y5fu: plate box, its 4 corners and one-/two-row class, decoded in-graph. */
export async function createPlateCornerDetector(options: SessionOptions = {}): Promise<PlateCornerDetector> {
  const { model, session } = await getSession('hyperlpr3_corners', options);
  const spec = modelEntry('hyperlpr3_corners').input;
  return {
    sha256: model.sha256,
    async detect(image, opts = {}) {
      const threshold = opts.scoreThreshold ?? 0.3;
      const { data, lb } = letterboxTensor(image, spec, INPUT, INPUT, true);
      const out = await session.run({
        [session.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, INPUT, INPUT]),
      });
      const rows = out[session.outputNames[0]!]!.data as Float32Array;
      const toX = (x: number) => Math.min(Math.max((x - lb.padX) / lb.scale, 0), image.width);
      const toY = (y: number) => Math.min(Math.max((y - lb.padY) / lb.scale, 0), image.height);
      const found: PlateCorners[] = [];
      for (let o = 0; o + ROW <= rows.length; o += ROW) {
        const objectness = rows[o + 4]!;
        if (objectness < threshold) continue;
        const oneRow = rows[o + 13]!;
        const twoRow = rows[o + 14]!;
        const score = objectness * Math.max(oneRow, twoRow);
        if (score < threshold) continue;
        const [cx, cy, w, h] = [rows[o]!, rows[o + 1]!, rows[o + 2]!, rows[o + 3]!];
        const corner = (k: number): Point => [toX(rows[o + 5 + 2 * k]!), toY(rows[o + 6 + 2 * k]!)];
        found.push({
          box: { x1: toX(cx - w / 2), y1: toY(cy - h / 2), x2: toX(cx + w / 2), y2: toY(cy + h / 2) },
          corners: [corner(0), corner(1), corner(2), corner(3)],
          score,
          layout: twoRow > oneRow ? 'two-row' : 'one-row',
        });
      }
      return nms(found, NMS_IOU, { classWise: false });
    },
  };
}
