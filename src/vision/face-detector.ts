import * as ort from 'onnxruntime-node';
import { clipBox, nms } from '../core/boxes.js';
import type { Box } from '../core/types.js';
import type { RgbImage } from './image.js';
import { getSession, type SessionOptions } from './session-cache.js';

export interface FaceDetection {
  /** pixels of the image given to `detect` */
  box: Box;
  score: number;
}

export interface FaceDetector {
  sha256: string;
  detect(image: RgbImage, opts?: { scoreThreshold?: number }): Promise<FaceDetection[]>;
}

const STRIDES = [8, 16, 32] as const;
const NMS_IOU = 0.3;
/**
 * Lower than OpenCV's 0.9 on sqrt(cls*obj): this detector finds faces to blur, where a miss shows a face and a
 * false find only blurs a patch of road.
 */
const DEFAULT_THRESHOLD = 0.35;

/** `image` as YuNet's input: BGR, raw 0..255, padded right and bottom with zeros to multiples of 32. */
function inputTensor(image: RgbImage): { data: Float32Array; width: number; height: number } {
  const width = Math.ceil(image.width / 32) * 32;
  const height = Math.ceil(image.height / 32) * 32;
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  const src = image.data;
  for (let y = 0; y < image.height; y++) {
    let s = y * image.width * 3;
    let d = y * width;
    for (let x = 0; x < image.width; x++, s += 3, d++) {
      data[d] = src[s + 2]!;
      data[plane + d] = src[s + 1]!;
      data[2 * plane + d] = src[s]!;
    }
  }
  return { data, width, height };
}

/**
 * YuNet-n (libfacedetection): faces of about 10-300 px on the image at its own size (no resize, so the small faces
 * of a CCTV frame stay findable). Decoding follows ../shared/models/MANIFEST.md: per stride s and anchor
 * (col*s, row*s), score = cls*obj, centre = offset*s + anchor, size = exp(log size)*s; then NMS.
 */
export async function createFaceDetector(options: SessionOptions = {}): Promise<FaceDetector> {
  const { model, session } = await getSession('yunet_n', options);
  return {
    sha256: model.sha256,
    async detect(image, opts = {}) {
      const threshold = opts.scoreThreshold ?? DEFAULT_THRESHOLD;
      const input = inputTensor(image);
      const out = await session.run({
        [session.inputNames[0]!]: new ort.Tensor('float32', input.data, [1, 3, input.height, input.width]),
      });
      const found: FaceDetection[] = [];
      for (const s of STRIDES) {
        const cls = out[`cls_${s}`]!.data as Float32Array;
        const obj = out[`obj_${s}`]!.data as Float32Array;
        const bbox = out[`bbox_${s}`]!.data as Float32Array;
        const cols = input.width / s;
        for (let i = 0; i < cls.length; i++) {
          const score = Math.min(1, Math.max(0, cls[i]!)) * Math.min(1, Math.max(0, obj[i]!));
          if (score < threshold) continue;
          const cx = bbox[4 * i]! * s + (i % cols) * s;
          const cy = bbox[4 * i + 1]! * s + Math.floor(i / cols) * s;
          const w = Math.exp(bbox[4 * i + 2]!) * s;
          const h = Math.exp(bbox[4 * i + 3]!) * s;
          const box = clipBox(
            { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 },
            image.width,
            image.height,
          );
          if (box.x2 - box.x1 < 2 || box.y2 - box.y1 < 2) continue;
          found.push({ box, score });
        }
      }
      return nms(found, NMS_IOU, { classWise: false });
    },
  };
}
