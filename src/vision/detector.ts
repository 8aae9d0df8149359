import type { Tile } from '../core/detection-plan.js';
import type { Detection, RgbFrame } from '../core/types.js';
import type { RgbImage } from './image.js';
import type { ModelName } from './model-manifest.js';
import { getSession, type SessionOptions } from './session-cache.js';

export interface DetectOptions {
  /** minimum class score; each detector has its own default */
  scoreThreshold?: number;
  /**
   * look only inside this rectangle of the frame (a detection tile), with boxes in its pixels, exactly as on the
   * rectangle cut out (which would copy a few megabytes per frame)
   */
  region?: Tile;
}

/** A COCO object detector turning a frame into pipeline detections (frame pixel coordinates). */
export interface Detector {
  name: DetectorName;
  /** sha256 of the model file, recorded on every analysis run */
  sha256: string;
  /** square model input side, pixels */
  inputSize: number;
  detect(frame: RgbFrame | RgbImage, opts?: DetectOptions): Promise<Detection[]>;
}

export type DetectorName = 'picodet_s' | 'yolox_nano' | 'yolov8n';

export const DETECTOR_NAMES: readonly DetectorName[] = ['picodet_s', 'yolox_nano', 'yolov8n'];

/** The detector an analysis uses when none is named (worker, CLIs, analyzeSegment). */
export const DEFAULT_DETECTOR: DetectorName = 'picodet_s';

export const DETECTOR_MODELS: Readonly<Record<DetectorName, ModelName>> = {
  picodet_s: 'picodet_s_416_coco',
  yolox_nano: 'yolox_nano',
  yolov8n: 'yolov8n_int8',
};

export function isDetectorName(name: string): name is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(name);
}

/** The detector `name`, its model resolved, verified and loaded once per process. */
export async function createDetector(name: DetectorName, options: SessionOptions = {}): Promise<Detector> {
  const loaded = await getSession(DETECTOR_MODELS[name], options);
  switch (name) {
    case 'picodet_s':
      return new (await import('./picodet.js')).PicoDetDetector(loaded);
    case 'yolox_nano':
      return new (await import('./yolox.js')).YoloxDetector(loaded);
    case 'yolov8n':
      return new (await import('./yolov8.js')).Yolov8Detector(loaded);
  }
}
