/**
 * Analysis settings' defaults, each written once; analyzeSegment, decodeAhead and the CLIs read them from here.
 * The others' homes: the rate is DEFAULT_ANALYSIS_FPS in src/config.ts (ANALYSIS_FPS), the detector
 * DEFAULT_DETECTOR in src/vision/detector.ts, the evidence clip's pre/post roll DEFAULT_ROLL_SEC in src/media/clip.ts.
 */

/** Frames wider than this are downscaled for analysis; keyframes and evidence stay full size. */
export const DEFAULT_MAX_WIDTH = 1920;

/** Decoded frames buffered ahead of inference. */
export const DEFAULT_READ_AHEAD = 3;
