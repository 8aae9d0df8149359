import type { CameraConfig } from '../core/camera-config.js';
import type { ByteTrackerOptions } from '../core/tracker.js';
import { createViolationJudge, type StayVerdict, type ViolationJudge } from '../core/violation-judge.js';
import type { DetectorName } from '../vision/detector.js';

/**
 * Score thresholds per detector. The detectors score small, distant motorcycles very differently:
 * PicoDet-S gives the motorbikes of the 1080p demo clip 0.3–0.5 where YOLOv8n gives them more, so
 * one set of tracker thresholds would either drop most PicoDet tracks or flood YOLOv8n with noise.
 * Detections go down to `detectScore` so ByteTrack's low-score association can keep tracks alive.
 */
export interface DetectorProfile {
  detectScore: number;
  confirmThreshold: number;
  tracker: ByteTrackerOptions;
}

export const DETECTOR_PROFILES: Readonly<Record<DetectorName, DetectorProfile>> = {
  picodet_s: {
    detectScore: 0.2,
    confirmThreshold: 0.35,
    tracker: { highThreshold: 0.35, newTrackThreshold: 0.4, lowThreshold: 0.15 },
  },
  yolox_nano: {
    detectScore: 0.2,
    confirmThreshold: 0.35,
    tracker: { highThreshold: 0.35, newTrackThreshold: 0.4, lowThreshold: 0.15 },
  },
  yolov8n: {
    detectScore: 0.2,
    confirmThreshold: 0.4,
    tracker: { highThreshold: 0.4, newTrackThreshold: 0.45, lowThreshold: 0.15 },
  },
};

/** Objects under this height in the detector's input are small for it (COCO's small objects are under 32²). */
const SMALL_OBJECT_INPUT_PX = 32;

/**
 * The violation judge for one camera at one analysed size, with the thresholds of the detector
 * feeding it; `tileScale` is how much the analysed frame shrinks into the detector's input (see
 * tileScale in detection-plan.ts), which tells which boxes are small for the detector.
 */
export function createJudgeFor(
  camera: CameraConfig,
  detector: DetectorName,
  frame: { width: number; height: number; fps: number; segmentStart: Date },
  tileScale = 1,
  onVerdict?: (verdict: StayVerdict) => void,
): ViolationJudge {
  const profile = DETECTOR_PROFILES[detector];
  return createViolationJudge({
    zones: camera.zones,
    frameWidth: frame.width,
    frameHeight: frame.height,
    fps: frame.fps,
    timezone: camera.timezone,
    segmentStart: frame.segmentStart,
    confirmThreshold: profile.confirmThreshold,
    tracker: { ...profile.tracker, smallObjectHeight: SMALL_OBJECT_INPUT_PX * tileScale },
    ...(onVerdict ? { onVerdict } : {}),
  });
}
