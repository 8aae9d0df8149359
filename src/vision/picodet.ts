import * as ort from 'onnxruntime-node';
import { nms, unletterboxBox } from '../core/boxes.js';
import type { Detection, ObjectClass } from '../core/types.js';
import { COCO_TO_CLASS, KEPT_COCO_IDS } from './coco-classes.js';
import type { DetectOptions, Detector } from './detector.js';
import type { RgbImage } from './image.js';
import { modelEntry } from './model-manifest.js';
import { letterboxTensor } from './preprocess.js';
import type { ModelSession } from './session-cache.js';

const INPUT = 416;
const STRIDES = [8, 16, 32, 64];
const BINS = 8;
const NUM_CLASSES = 80;
const NMS_IOU = 0.5;

/** PP-PicoDet-S 416 (Paddle export without NMS): GFL heads with a distribution over 8 bins per side. */
export class PicoDetDetector implements Detector {
  readonly name = 'picodet_s' as const;
  readonly inputSize = INPUT;
  readonly sha256: string;
  private readonly spec = modelEntry('picodet_s_416_coco').input;

  constructor(private readonly loaded: ModelSession) {
    this.sha256 = loaded.model.sha256;
  }

  async detect(frame: RgbImage, opts: DetectOptions = {}): Promise<Detection[]> {
    const threshold = opts.scoreThreshold ?? 0.35;
    const { data, lb } = letterboxTensor(frame, this.spec, INPUT, INPUT, true, opts.region);
    const { session } = this.loaded;
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, INPUT, INPUT]) });
    const names = session.outputNames;

    const candidates: Detection[] = [];
    const dist = new Float32Array(BINS);
    STRIDES.forEach((stride, level) => {
      const scores = out[names[level]!]!.data as Float32Array;
      const regs = out[names[level + STRIDES.length]!]!.data as Float32Array;
      const side = Math.ceil(INPUT / stride);
      for (let idx = 0; idx < side * side; idx++) {
        const kept: Array<[ObjectClass, number]> = [];
        for (const id of KEPT_COCO_IDS) {
          const s = scores[idx * NUM_CLASSES + id]!;
          if (s >= threshold) kept.push([COCO_TO_CLASS.get(id)!, s]);
        }
        if (kept.length === 0) continue;
        const cx = (idx % side) * stride + (stride - 1) / 2;
        const cy = Math.floor(idx / side) * stride + (stride - 1) / 2;
        const d = [0, 0, 0, 0];
        for (let k = 0; k < 4; k++) {
          const base = idx * 4 * BINS + k * BINS;
          let max = -Infinity;
          for (let j = 0; j < BINS; j++) max = Math.max(max, regs[base + j]!);
          let sum = 0;
          for (let j = 0; j < BINS; j++) sum += dist[j] = Math.exp(regs[base + j]! - max);
          let expectation = 0;
          for (let j = 0; j < BINS; j++) expectation += (j * dist[j]!) / sum;
          d[k] = expectation * stride;
        }
        const box = unletterboxBox({ x1: cx - d[0]!, y1: cy - d[1]!, x2: cx + d[2]!, y2: cy + d[3]! }, lb);
        for (const [label, score] of kept) candidates.push({ box, score, label });
      }
    });
    return nms(candidates, NMS_IOU, { classWise: true });
  }
}
