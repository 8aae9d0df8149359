import * as ort from 'onnxruntime-node';
import { nms, unletterboxBox } from '../core/boxes.js';
import type { Detection } from '../core/types.js';
import { COCO_TO_CLASS, KEPT_COCO_IDS } from './coco-classes.js';
import type { DetectOptions, Detector } from './detector.js';
import type { RgbImage } from './image.js';
import { modelEntry } from './model-manifest.js';
import { letterboxTensor } from './preprocess.js';
import type { ModelSession } from './session-cache.js';

const INPUT = 416;
const STRIDES = [8, 16, 32];
const ROW = 85;
const NMS_IOU = 0.45;

/** YOLOX-Nano: raw grid output (no in-graph decode), score = objectness x class score. */
export class YoloxDetector implements Detector {
  readonly name = 'yolox_nano' as const;
  readonly inputSize = INPUT;
  readonly sha256: string;
  private readonly spec = modelEntry('yolox_nano').input;

  constructor(private readonly loaded: ModelSession) {
    this.sha256 = loaded.model.sha256;
  }

  async detect(frame: RgbImage, opts: DetectOptions = {}): Promise<Detection[]> {
    const threshold = opts.scoreThreshold ?? 0.3;
    const { data, lb } = letterboxTensor(frame, this.spec, INPUT, INPUT, false, opts.region);
    const { session } = this.loaded;
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, INPUT, INPUT]) });
    const rows = out[session.outputNames[0]!]!.data as Float32Array;

    const candidates: Detection[] = [];
    let anchor = 0;
    for (const stride of STRIDES) {
      const side = INPUT / stride;
      for (let gy = 0; gy < side; gy++) {
        for (let gx = 0; gx < side; gx++, anchor++) {
          const o = anchor * ROW;
          const objectness = rows[o + 4]!;
          if (objectness < threshold) continue;
          const cx = (rows[o]! + gx) * stride;
          const cy = (rows[o + 1]! + gy) * stride;
          const w = Math.exp(rows[o + 2]!) * stride;
          const h = Math.exp(rows[o + 3]!) * stride;
          for (const id of KEPT_COCO_IDS) {
            const score = objectness * rows[o + 5 + id]!;
            if (score < threshold) continue;
            const box = unletterboxBox({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, lb);
            candidates.push({ box, score, label: COCO_TO_CLASS.get(id)! });
          }
        }
      }
    }
    return nms(candidates, NMS_IOU, { classWise: true });
  }
}
