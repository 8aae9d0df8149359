import * as ort from 'onnxruntime-node';
import { nms, unletterboxBox } from '../core/boxes.js';
import type { Detection } from '../core/types.js';
import { COCO_TO_CLASS, KEPT_COCO_IDS } from './coco-classes.js';
import type { DetectOptions, Detector } from './detector.js';
import type { RgbImage } from './image.js';
import { modelEntry } from './model-manifest.js';
import { letterboxTensor } from './preprocess.js';
import type { ModelSession } from './session-cache.js';

const INPUT = 640;
const ANCHORS = 8400;
const NMS_IOU = 0.45;

/** Ultralytics YOLOv8n (int8): output [1, 84, 8400], channel-major: cx, cy, w, h, 80 class scores. */
export class Yolov8Detector implements Detector {
  readonly name = 'yolov8n' as const;
  readonly inputSize = INPUT;
  readonly sha256: string;
  private readonly spec = modelEntry('yolov8n_int8').input;

  constructor(private readonly loaded: ModelSession) {
    this.sha256 = loaded.model.sha256;
  }

  async detect(frame: RgbImage, opts: DetectOptions = {}): Promise<Detection[]> {
    const threshold = opts.scoreThreshold ?? 0.3;
    const { data, lb } = letterboxTensor(frame, this.spec, INPUT, INPUT, true, opts.region);
    const { session } = this.loaded;
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, INPUT, INPUT]) });
    const t = out[session.outputNames[0]!]!.data as Float32Array;
    // Reading channel c of anchor a at t[c * ANCHORS + a] is the transpose without copying.
    const candidates: Detection[] = [];
    for (let a = 0; a < ANCHORS; a++) {
      for (const id of KEPT_COCO_IDS) {
        const score = t[(4 + id) * ANCHORS + a]!;
        if (score < threshold) continue;
        const cx = t[a]!,
          cy = t[ANCHORS + a]!,
          w = t[2 * ANCHORS + a]!,
          h = t[3 * ANCHORS + a]!;
        const box = unletterboxBox({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 }, lb);
        candidates.push({ box, score, label: COCO_TO_CLASS.get(id)! });
      }
    }
    return nms(candidates, NMS_IOU, { classWise: true });
  }
}
