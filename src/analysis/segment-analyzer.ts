import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_ANALYSIS_FPS } from '../config.js';
import type { CameraConfig } from '../core/camera-config.js';
import type { CaptureTimeSource } from '../core/capture-time.js';
import { formatWallClock } from '../core/wall-clock.js';
import { hashFile } from '../evidence/file-hash.js';
import { openSharedStaging } from '../evidence/package-writer.js';
import { cutClips, DEFAULT_ROLL_SEC, type ClipResult } from '../media/clip.js';
import { outputSize } from '../media/frame-stream.js';
import { probeVideoIndexed } from '../media/probe.js';
import { createDetector, DEFAULT_DETECTOR, DETECTOR_MODELS, type DetectorName } from '../vision/detector.js';
import { analysisConfigHash } from './config-hash.js';
import { DEFAULT_MAX_WIDTH, DEFAULT_READ_AHEAD } from './defaults.js';
import { runFrameLoop, type FoundViolation } from './frame-loop.js';
import { createTrackPlateReader, type TrackPlate } from './plate-reading.js';
import type { AnalysisProgress, AnalysisTimings, SegmentAnalysis, ViolationNotice, ViolationRecord } from './types.js';
import { extractKeyframes, writeViolationEvidence } from './violation-evidence.js';

export interface AnalyzeSegmentOptions {
  videoPath: string;
  camera: CameraConfig;
  /** capture time of the segment's first frame (zone schedules and evidence times use it) */
  segmentStart: Date;
  /** how that time is known: evidence marks times derived from an estimate as estimated */
  segmentStartSource: CaptureTimeSource;
  /** analysis rate, frames per second (default DEFAULT_ANALYSIS_FPS) */
  fps?: number;
  /** default DEFAULT_DETECTOR */
  detector?: DetectorName;
  /** root folder of evidence packages */
  evidenceRoot: string;
  /** sha256 of the file when the caller already has it; computed otherwise */
  sourceSha256?: string;
  pipelineVersion: string;
  /** frames wider than this are downscaled for analysis (default DEFAULT_MAX_WIDTH); keyframes stay full size */
  maxWidth?: number;
  /** evidence clip before the violation (default DEFAULT_ROLL_SEC) */
  preRollSec?: number;
  /** evidence clip after the violation (default DEFAULT_ROLL_SEC) */
  postRollSec?: number;
  /** decoded frames buffered ahead of inference (default DEFAULT_READ_AHEAD) */
  readAhead?: number;
  onProgress?: (progress: AnalysisProgress) => void;
  /**
   * Called as each violation's rule fires, once its plate is read and before its evidence is written (the
   * warning sign shows it while the rider may still be there). Its plate is the one the stored violation gets.
   * A violation later merged into another of the same vehicle is announced too.
   */
  onViolation?: (notice: ViolationNotice) => void;
  /** checked between frames and between evidence packages (worker shutdown) */
  signal?: AbortSignal;
}

/**
 * Packages written at once: a package mostly waits on sharp's threads, ffmpeg and the disk, so two overlap well
 * on two cores. Plates are read one at a time: onnxruntime runs on the calling (main) thread, so two reads would
 * only take turns.
 */
const PACKAGES_AT_ONCE = 2;

/** Pictures kept per track for plate reading. */
const SHOTS_PER_TRACK = 3;

/**
 * Analyses one segment: probe, decode at `fps` (ffmpeg decodes ahead in its own process while
 * inference runs here), detect, track and judge, then read each violator's plate from its best
 * pictures and write its evidence package. Throws MediaError for files that cannot be used, before
 * anything is written.
 */
export async function analyzeSegment(options: AnalyzeSegmentOptions): Promise<SegmentAnalysis> {
  const { videoPath, camera, segmentStart, evidenceRoot, pipelineVersion, onProgress, signal } = options;
  const fps = options.fps ?? DEFAULT_ANALYSIS_FPS;
  const detectorName = options.detector ?? DEFAULT_DETECTOR;
  const maxWidth = options.maxWidth ?? DEFAULT_MAX_WIDTH;
  const started = performance.now();

  // with the packets its clips are cut from (one ffprobe run: cheaper than a second one for them)
  const { info, index: sourceIndex } = await probeVideoIndexed(videoPath);
  const framesTotal = Math.max(1, Math.ceil(info.durationSec * fps));
  onProgress?.({ phase: 'probe', framesDone: 0, framesTotal, violationsFound: 0 });
  const sourceSha256 = options.sourceSha256 ?? (await hashFile(videoPath)).sha256;
  const [detector, plates] = await Promise.all([createDetector(detectorName), createTrackPlateReader()]);
  const probeMs = performance.now() - started;

  // With a listener, a violation's plate is read as its rule fires (the frame loop goes on meanwhile) and the
  // same reading goes into its evidence; without one, after the frame loop.
  const reading = pLimit(1);
  let plateMs = 0;
  const plateReads = new Map<FoundViolation, Promise<TrackPlate>>();
  const readPlate = (found: FoundViolation) => {
    let read = plateReads.get(found);
    if (!read) {
      read = reading(async () => {
        const mark = performance.now();
        try {
          return await plates.read(found.shots, camera.plateFormat);
        } finally {
          plateMs += performance.now() - mark;
        }
      });
      plateReads.set(found, read);
    }
    return read;
  };
  const { onViolation } = options;
  const announce = (found: FoundViolation) =>
    void readPlate(found).then(
      (plate) =>
        onViolation?.({
          trackId: found.event.trackId,
          zoneName: found.event.zone.name,
          zoneKind: found.event.zone.kind,
          startTime: found.event.startTime,
          endTime: found.event.endTime,
          firedAt: found.firedAt,
          plate: plate.reading,
        }),
      // the evidence step awaits the same reading and fails the analysis with its error
      () => undefined,
    );

  const size = outputSize(info.width, info.height, maxWidth);
  const fullSize = size.width === info.width && size.height === info.height;
  const loop = await runFrameLoop({
    videoPath,
    fps,
    maxWidth,
    source: info,
    analysedSize: size,
    readAhead: options.readAhead ?? DEFAULT_READ_AHEAD,
    detector,
    camera,
    segmentStart,
    shotsPerTrack: SHOTS_PER_TRACK,
    keepKeyframes: fullSize,
    ...(signal ? { signal } : {}),
    onFrame: (framesDone, violationsFound) =>
      onProgress?.({ phase: 'analyse', framesDone, framesTotal, violationsFound }),
    ...(onViolation ? { onFound: announce } : {}),
  });
  const { found, framesAnalysed } = loop;

  const modelFingerprints: Record<string, string> = {
    [DETECTOR_MODELS[detectorName]]: detector.sha256,
    ...plates.fingerprints,
  };
  const configHash = analysisConfigHash(camera, fps, detectorName);
  let evidenceMs = 0;
  let evidenceDone = 0;
  const packagingStarted = performance.now();
  const progress = () =>
    onProgress?.({
      phase: 'evidence',
      framesDone: framesAnalysed,
      framesTotal,
      violationsFound: found.length,
      evidenceDone,
    });
  const preRollSec = options.preRollSec ?? DEFAULT_ROLL_SEC;
  const postRollSec = options.postRollSec ?? DEFAULT_ROLL_SEC;
  // Every clip in one ffmpeg process, cut while the plates are read; each package moves its clip in.
  const shared =
    found.length > 0
      ? await openSharedStaging({
          evidenceRoot,
          camera: camera.name,
          date: formatWallClock(found[0]!.event.startTime, camera.timezone).slice(0, 10),
        })
      : null;
  const clips: Promise<ClipResult[]> = shared
    ? cutClips(
        videoPath,
        found.map(({ event }, i) => ({
          dest: path.join(shared, `clip-${i}.mp4`),
          startSec: event.startSec,
          endSec: event.endSec,
          preRollSec,
          postRollSec,
        })),
        { info, ...sourceIndex },
      )
    : Promise.resolve([]);
  // a package that fails first never awaits its clip; the failure it reports is its own
  clips.catch(() => undefined);
  // Analysed at a smaller size: every package's full-resolution keyframes from one ffmpeg run, beside the plates.
  const extracted =
    fullSize || found.length === 0
      ? null
      : extractKeyframes(
          videoPath,
          info,
          found.map((f) => f.event),
        );
  extracted?.catch(() => undefined);
  // Each package starts once its plate is read; plates are read one after another while packages are written.
  const limit = pLimit(PACKAGES_AT_ONCE);
  const packaged = await Promise.allSettled(
    found.map(async (violation, i) => {
      const plate = await readPlate(violation);
      return limit(async (): Promise<ViolationRecord> => {
        const { event } = violation;
        const keyframes = extracted ? (await extracted)[i]! : violation.keyframes;
        signal?.throwIfAborted();
        const mark = performance.now();
        const pkg = await writeViolationEvidence({
          event,
          plate,
          videoPath,
          video: info,
          analysedSize: size,
          camera,
          fps,
          detector: detectorName,
          configHash,
          sourceSha256,
          segmentStart,
          segmentStartSource: options.segmentStartSource,
          modelFingerprints,
          pipelineVersion,
          evidenceRoot,
          preRollSec,
          postRollSec,
          sourceIndex,
          keyframes,
          clip: clips.then((all) => all[i]!),
        });
        evidenceMs += performance.now() - mark;
        evidenceDone++;
        progress();
        return {
          trackId: event.trackId,
          label: event.label,
          zoneName: event.zone.name,
          zoneKind: event.zone.kind,
          startSec: event.startSec,
          endSec: event.endSec,
          startTime: event.startTime,
          endTime: event.endTime,
          entryFrame: event.entryFrame,
          peakFrame: event.peakFrame,
          exitFrame: event.exitFrame,
          plate: plate.reading,
          evidenceDir: pkg.dir,
          evidence: pkg.files,
        };
      });
    }),
  );
  // every package has settled (none still moving its clip) before the shared folder goes
  await clips.catch(() => undefined);
  if (shared) await rm(shared, { recursive: true, force: true });
  const failed = packaged.find((p) => p.status === 'rejected');
  if (failed) throw failed.reason;
  const violations = packaged.map((p) => (p as PromiseFulfilledResult<ViolationRecord>).value);
  const packagingMs = performance.now() - packagingStarted;

  const timings: AnalysisTimings = {
    probeMs,
    decodeWaitMs: loop.decodeWaitMs,
    inferenceMs: loop.inferenceMs,
    trackingMs: loop.trackingMs,
    keyframesMs: loop.keyframesMs,
    plateMs,
    evidenceMs,
    packagingMs,
    totalMs: performance.now() - started,
  };
  onProgress?.({
    phase: 'done',
    framesDone: framesAnalysed,
    framesTotal: framesAnalysed,
    violationsFound: violations.length,
  });
  return {
    videoPath,
    sourceSha256,
    segmentStart,
    pipelineVersion,
    configHash,
    detector: detectorName,
    fps,
    modelFingerprints,
    source: { width: info.width, height: info.height, fps: info.fps, codec: info.codec, durationSec: info.durationSec },
    analysedSize: size,
    framesAnalysed,
    videoSeconds: info.durationSec,
    tracksSeen: loop.tracksSeen,
    timings,
    violations,
  };
}
