import * as ort from 'onnxruntime-node';
import { clipBox, nms } from '../core/boxes.js';
import type { Box } from '../core/types.js';
import type { RgbImage } from './image.js';
import { modelEntry } from './model-manifest.js';
import { stretchTensor } from './preprocess.js';
import { getSession, type SessionOptions } from './session-cache.js';

/** Korean plate types of VIN_LPD (P1 new white one-row, P2 older white one-row, P3 yellow two-row, ...). */
export type PlateType = 'P1' | 'P2' | 'P3' | 'P4' | 'P5' | 'P6' | 'P7' | 'P8' | 'P9' | 'P10' | 'P11' | 'P12';

export interface PlateDetection {
  /** pixels of the image given to `detect` */
  box: Box;
  score: number;
  plateType: PlateType;
}

export interface PlateDetector {
  sha256: string;
  detect(image: RgbImage, opts?: { scoreThreshold?: number }): Promise<PlateDetection[]>;
}

const INPUT = 416;
const ROW = 16;
const NMS_IOU = 0.3;

/** VIN_LPD (YOLOv3-feather, Korean-trained): stretch-resized input, normalised corner boxes + 12 type scores. */
export async function createPlateDetector(options: SessionOptions = {}): Promise<PlateDetector> {
  const { model, session } = await getSession('vin_lpd', options);
  const entry = modelEntry('vin_lpd');
  const types = entry.labels as PlateType[];
  return {
    sha256: model.sha256,
    async detect(image, opts = {}) {
      // 0.2 on a motorcycle crop finds small rear plates; the repo's 0.24 is tuned for whole car photos.
      const threshold = opts.scoreThreshold ?? 0.2;
      const data = stretchTensor(image, entry.input, INPUT, INPUT);
      const out = await session.run({
        [session.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, INPUT, INPUT]),
      });
      const rows = out[session.outputNames[0]!]!.data as Float32Array;
      const found: PlateDetection[] = [];
      for (let o = 0; o + ROW <= rows.length; o += ROW) {
        let best = 0;
        let bestScore = rows[o + 4]!;
        for (let c = 1; c < types.length; c++) {
          if (rows[o + 4 + c]! > bestScore) {
            bestScore = rows[o + 4 + c]!;
            best = c;
          }
        }
        if (bestScore < threshold) continue;
        const box = clipBox(
          {
            x1: rows[o]! * image.width,
            y1: rows[o + 1]! * image.height,
            x2: rows[o + 2]! * image.width,
            y2: rows[o + 3]! * image.height,
          },
          image.width,
          image.height,
        );
        if (box.x2 - box.x1 < 2 || box.y2 - box.y1 < 2) continue;
        found.push({ box, score: bestScore, plateType: types[best]! });
      }
      return nms(found, NMS_IOU, { classWise: false });
    },
  };
}
