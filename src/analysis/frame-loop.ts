import { performance } from 'node:perf_hooks';
import { CameraMotion } from '../core/camera-motion.js';
import type { CameraConfig } from '../core/camera-config.js';
import { planDetection, tileScale, type Tile } from '../core/detection-plan.js';
import { FiredEvents, suppressDuplicates } from '../core/duplicate-events.js';
import type { StayVerdict, ViolationEvent } from '../core/violation-judge.js';
import type { Detection, RgbFrame } from '../core/types.js';
import type { Track } from '../core/tracker.js';
import { keyframeJpeg } from '../evidence/annotate.js';
import type { Detector } from '../vision/detector.js';
import { detectTiles } from '../vision/tiled-detector.js';
import type { VideoInfo } from '../media/probe.js';
import { BestShotKeeper, type VehicleShot } from './best-frames.js';
import { decodeAhead } from './decode-ahead.js';
import { createJudgeFor, DETECTOR_PROFILES } from './detector-profile.js';

export interface FrameLoopOptions {
  videoPath: string;
  /**
   * frames to analyse instead of decoding `videoPath` (a live stream's, see src/live/live-frames.ts), already at
   * `fps` and `analysedSize`; `videoPath` then only names the source in errors
   */
  frames?: AsyncIterable<RgbFrame>;
  /**
   * keep each found violation for the result (default true), duplicates dropped at the end; a live loop hands
   * them to onFound only, each as it fires unless it shows the vehicle of one fired before
   */
  keepFound?: boolean;
  fps: number;
  maxWidth: number;
  /** the source as the caller probed it, so that decoding does not probe it again */
  source?: VideoInfo;
  /** size of the decoded frames (the source downscaled to `maxWidth`) */
  analysedSize: { width: number; height: number };
  /** decoded frames buffered ahead of inference */
  readAhead: number;
  detector: Detector;
  camera: CameraConfig;
  /** capture time of the first frame (zone schedules) */
  segmentStart: Date;
  shotsPerTrack: number;
  /**
   * keep the entry, peak and exit frames of each violation as JPEG keyframes: only when the
   * analysed frames are the source's own size, so that they are full-resolution evidence
   */
  keepKeyframes?: boolean;
  /** most detector runs per frame: the zones' surroundings are tiled up to this (default DEFAULT_MAX_TILES) */
  maxTiles?: number;
  /** start this many seconds into the video (default 0) */
  startSec?: number;
  signal?: AbortSignal;
  onFrame?: (framesDone: number, violationsFound: number) => void;
  /** called as each violation's rule fires, with the pictures its plate will be read from */
  onFound?: (found: FoundViolation) => void;
  /** debug trace: each frame's detections and live tracks (shared objects: copy what you keep) */
  onTrace?: (frame: { index: number; timestamp: number; detections: readonly Detection[]; tracks: Track[] }) => void;
  /** debug trace: every stay the rules judged */
  onVerdict?: (verdict: StayVerdict) => void;
}

export interface FoundViolation {
  event: ViolationEvent;
  /** the track's best pictures, best first */
  shots: VehicleShot[];
  /** JPEG keyframes of the event's entry, peak and exit frames by frame index (see keepKeyframes) */
  keyframes: Map<number, Buffer>;
  /** wall-clock time the judge fired the event's rule */
  firedAt: Date;
}

/** Latest frames always kept: a track first reported now replays the frames it was matched on before. */
const RECENT_FRAMES = 3;

export interface FrameLoopResult {
  found: FoundViolation[];
  framesAnalysed: number;
  tracksSeen: number;
  /** where the detector looked in each frame */
  tiles: Tile[];
  decodeWaitMs: number;
  inferenceMs: number;
  trackingMs: number;
  /** encoding the kept keyframes (evidence work done while the frames are at hand) */
  keyframesMs: number;
}

export const DEFAULT_MAX_TILES = 2;

/** Where the detector looks in each frame of this camera: tiles around its zones. */
export function detectionTiles(
  camera: CameraConfig,
  size: { width: number; height: number },
  detector: Detector,
  maxTiles = DEFAULT_MAX_TILES,
): Tile[] {
  return planDetection(
    camera.zones.map((z) => z.polygon),
    size.width,
    size.height,
    { inputSize: detector.inputSize, maxTiles },
  );
}

/**
 * The per-frame stage: ffmpeg decodes ahead in its own process, read on a worker thread into a small
 * bounded buffer, while each frame is detected (on tiles around the zones), tracked and judged
 * here. Keeps the best pictures of live tracks so plates can be read after the fact without a
 * second decode. A moving camera's shift is measured on every frame so that motion is judged
 * against the ground.
 */
export async function runFrameLoop(opts: FrameLoopOptions): Promise<FrameLoopResult> {
  const { detector, camera, signal, analysedSize } = opts;
  const profile = DETECTOR_PROFILES[detector.name];
  const tiles = detectionTiles(camera, analysedSize, detector, opts.maxTiles);
  const judge = createJudgeFor(
    camera,
    detector.name,
    { ...analysedSize, fps: opts.fps, segmentStart: opts.segmentStart },
    Math.max(...tiles.map((t) => tileScale(t, detector.inputSize))),
    opts.onVerdict,
  );
  const keeper = new BestShotKeeper(opts.shotsPerTrack);
  const found: FoundViolation[] = [];
  const tracksSeen = new Set<number>();
  /**
   * Decoded frames an event may still show (see ViolationJudge.heldFrames): raw while recent, then
   * as a JPEG being encoded off the main thread (a 1080p frame is 6 MB raw, a few hundred KB as
   * JPEG); undefined when that encoding failed, and the evidence writer then extracts the frame.
   */
  const held = new Map<number, RgbFrame | Promise<Buffer | undefined>>();
  let keyframesMs = 0;
  const fired = new FiredEvents();
  const collect = async (events: ViolationEvent[]) => {
    const firedAt = new Date();
    for (const event of events) {
      if (opts.keepFound === false && !fired.admit(event)) continue;
      const keyframes = new Map<number, Buffer>();
      const mark = performance.now();
      for (const index of new Set([event.entryFrame, event.peakFrame, event.exitFrame])) {
        const kept = held.get(index);
        const jpeg = kept instanceof Promise ? await kept : kept && (await keyframeJpeg(kept));
        if (jpeg) keyframes.set(index, jpeg);
      }
      keyframesMs += performance.now() - mark;
      const shots = keeper.get(event.trackId, new Set(event.boxes.map((b) => b.frameIndex)));
      const violation = { event, shots, keyframes, firedAt };
      if (opts.keepFound !== false) found.push(violation);
      opts.onFound?.(violation);
    }
  };

  let decodeWaitMs = 0;
  let inferenceMs = 0;
  let trackingMs = 0;
  let framesAnalysed = 0;
  const cameraMotion = new CameraMotion();
  const frames = opts.frames
    ? opts.frames[Symbol.asyncIterator]()
    : decodeAhead(opts.videoPath, {
        fps: opts.fps,
        maxWidth: opts.maxWidth,
        readAhead: opts.readAhead,
        startSec: opts.startSec ?? 0,
        ...(opts.source ? { info: opts.source } : {}),
      });
  try {
    while (true) {
      let mark = performance.now();
      const next = await frames.next();
      decodeWaitMs += performance.now() - mark;
      if (next.done) break;
      signal?.throwIfAborted();
      const frame = next.value;

      mark = performance.now();
      const detections = await detectTiles(detector, frame, tiles, { scoreThreshold: profile.detectScore });
      inferenceMs += performance.now() - mark;

      mark = performance.now();
      const { moving } = cameraMotion.update(
        frame,
        detections.map((d) => d.box),
      );
      const events = judge.update(frame.index, frame.timestamp, detections, {
        image: frame,
        cameraOffset: cameraMotion.offset,
        cameraMoving: moving,
      });
      const live = judge.tracks();
      opts.onTrace?.({ index: frame.index, timestamp: frame.timestamp, detections, tracks: live });
      for (const track of live) {
        if (track.lastFrame === frame.index && track.state === 'tracked') {
          tracksSeen.add(track.id);
          keeper.offer(track.id, frame, track.box);
        }
      }
      if (opts.keepKeyframes) held.set(frame.index, frame);
      await collect(events);
      const keep = judge.heldFrames();
      for (const [index, kept] of held) {
        if (index > frame.index - RECENT_FRAMES) continue;
        if (!keep.has(index)) held.delete(index);
        else if (!(kept instanceof Promise))
          held.set(
            index,
            keyframeJpeg(kept).catch(() => undefined),
          );
      }
      keeper.retainOnly(new Set(live.map((t) => t.id)));
      trackingMs += performance.now() - mark;

      framesAnalysed++;
      opts.onFrame?.(framesAnalysed, found.length);
    }
  } finally {
    await frames.return?.(undefined);
  }
  await collect(judge.finish());
  const distinct = new Set(suppressDuplicates(found.map((f) => f.event)));
  const kept = found.filter((f) => distinct.has(f.event));
  kept.sort((a, b) => a.event.startSec - b.event.startSec || a.event.trackId - b.event.trackId);
  return {
    found: kept,
    framesAnalysed,
    tracksSeen: tracksSeen.size,
    tiles,
    decodeWaitMs,
    inferenceMs,
    trackingMs: trackingMs - keyframesMs,
    keyframesMs,
  };
}
