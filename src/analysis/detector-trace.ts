import { DEFAULT_ANALYSIS_FPS } from '../config.js';
import type { CameraConfig, ZoneConfig } from '../core/camera-config.js';
import type { Tile } from '../core/detection-plan.js';
import type { RuleCheck } from '../core/rules.js';
import type { Box, ObjectClass } from '../core/types.js';
import type { TrackState } from '../core/tracker.js';
import { outputSize } from '../media/frame-stream.js';
import { probeVideo } from '../media/probe.js';
import type { Detector } from '../vision/detector.js';
import { DEFAULT_MAX_WIDTH, DEFAULT_READ_AHEAD } from './defaults.js';
import { runFrameLoop } from './frame-loop.js';

/**
 * What the analysis saw and decided on one video, frame by frame (Frigate's debug view): the detector's boxes, the
 * tracks, the zones and every judged stay with each rule's check. Produced by the analysis itself (runFrameLoop's
 * trace callbacks), so it shows exactly what the worker would find. Boxes are in the analysed frame's pixels.
 */
export interface DetectorTrace {
  detector: string;
  /** analysis frames per second */
  fps: number;
  /** size of the analysed frames, which every box is measured in */
  analysedSize: { width: number; height: number };
  durationSec: number;
  zones: ZoneConfig[];
  /** where the detector looked in each frame */
  tiles: Tile[];
  frames: TraceFrame[];
  /** every stay of a track in a zone that the rules judged, in the order they were judged */
  stays: TraceStay[];
  /** the violations the analysis reports (after duplicates are dropped) */
  violations: Array<{ trackId: number; zone: string; startSec: number; endSec: number }>;
}

export interface TraceFrame {
  index: number;
  /** seconds from the start of the video */
  timestamp: number;
  detections: Array<{ label: ObjectClass; score: number; box: Box }>;
  tracks: Array<{ id: number; label: ObjectClass; score: number; box: Box; state: TrackState; seenNow: boolean }>;
}

export interface TraceStay {
  trackId: number;
  label: ObjectClass;
  zone: string;
  entryFrame: number;
  exitFrame: number;
  violation: boolean;
  checks: RuleCheck[];
  dwellSeconds: number;
  displacement: number;
  directionDeg: number | null;
  riderShare: number;
}

export interface TraceOptions {
  videoPath: string;
  camera: CameraConfig;
  /** capture time of the first frame (zone schedules) */
  segmentStart: Date;
  detector: Detector;
  fps?: number;
  maxWidth?: number;
  signal?: AbortSignal;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const roundBox = (b: Box): Box => ({ x1: round(b.x1), y1: round(b.y1), x2: round(b.x2), y2: round(b.y2) });

/** Runs the analysis's frame loop over a video and returns its trace instead of evidence. */
export async function traceVideo(o: TraceOptions): Promise<DetectorTrace> {
  const fps = o.fps ?? DEFAULT_ANALYSIS_FPS;
  const maxWidth = o.maxWidth ?? DEFAULT_MAX_WIDTH;
  const info = await probeVideo(o.videoPath);
  const analysedSize = outputSize(info.width, info.height, maxWidth);
  const frames: TraceFrame[] = [];
  const stays: TraceStay[] = [];
  const loop = await runFrameLoop({
    videoPath: o.videoPath,
    fps,
    maxWidth,
    analysedSize,
    readAhead: DEFAULT_READ_AHEAD,
    detector: o.detector,
    camera: o.camera,
    segmentStart: o.segmentStart,
    shotsPerTrack: 1,
    ...(o.signal ? { signal: o.signal } : {}),
    onTrace: ({ index, timestamp, detections, tracks }) =>
      frames.push({
        index,
        timestamp: round(timestamp, 3),
        detections: detections.map((d) => ({ label: d.label, score: round(d.score, 3), box: roundBox(d.box) })),
        tracks: tracks.map((t) => ({
          id: t.id,
          label: t.label,
          score: round(t.score, 3),
          box: roundBox(t.box),
          state: t.state,
          seenNow: t.lastFrame === index,
        })),
      }),
    onVerdict: (v) =>
      stays.push({
        trackId: v.trackId,
        label: v.label,
        zone: v.zone,
        entryFrame: v.entryFrame,
        exitFrame: v.exitFrame,
        violation: v.violation,
        checks: v.checks,
        dwellSeconds: round(v.dwellSeconds, 2),
        displacement: round(v.displacement, 4),
        directionDeg: v.directionDeg === undefined ? null : round(v.directionDeg, 0),
        riderShare: round(v.riderShare, 2),
      }),
  });
  return {
    detector: o.detector.name,
    fps,
    analysedSize,
    durationSec: info.durationSec,
    zones: o.camera.zones,
    tiles: loop.tiles,
    frames,
    stays,
    violations: loop.found.map(({ event }) => ({
      trackId: event.trackId,
      zone: event.zone.name,
      startSec: event.startSec,
      endSec: event.endSec,
    })),
  };
}
