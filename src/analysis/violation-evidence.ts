import { createHash } from 'node:crypto';
import type { CameraConfig } from '../core/camera-config.js';
import { isEstimated, type CaptureTimeSource } from '../core/capture-time.js';
import { classLabelKo, ESTIMATED_KO, MOMENT_KO, ZONE_KIND_KO } from '../core/evidence-labels.js';
import type { Box } from '../core/types.js';
import { formatWallClock } from '../core/wall-clock.js';
import { eventBoxAt, type ViolationEvent } from '../core/violation-judge.js';
import { keyframeJpeg, renderAnnotated, toSharp } from '../evidence/annotate.js';
import { openEvidencePackage, type EvidenceFileRecord, type FrameReference } from '../evidence/package-writer.js';
import { cutClip, type ClipResult } from '../media/clip.js';
import { extractFrame, extractFrames } from '../media/keyframe.js';
import type { PacketIndex, VideoInfo } from '../media/probe.js';
import type { TrackPlate } from './plate-reading.js';

export interface ViolationEvidenceInput {
  event: ViolationEvent;
  plate: TrackPlate;
  videoPath: string;
  video: VideoInfo;
  analysedSize: { width: number; height: number };
  camera: CameraConfig;
  fps: number;
  detector: string;
  configHash: string;
  sourceSha256: string;
  segmentStart: Date;
  segmentStartSource: CaptureTimeSource;
  modelFingerprints: Record<string, string>;
  pipelineVersion: string;
  evidenceRoot: string;
  preRollSec: number;
  postRollSec: number;
  /** the source's packet index (probeVideoIndexed), shared by every package of a segment */
  sourceIndex: PacketIndex;
  /** JPEG keyframes by analysed frame index, from the frames the analysis decoded; others are extracted */
  keyframes: ReadonlyMap<number, Buffer>;
  /** the clip, when it was cut with others of the same source (cutClips) outside the package; moved in */
  clip?: Promise<ClipResult>;
}

export interface WrittenEvidence {
  dir: string;
  files: EvidenceFileRecord[];
}

type Moment = 'entry' | 'peak' | 'exit';
const MOMENTS: readonly Moment[] = ['entry', 'peak', 'exit'];

/** Where the vehicle was at each moment a package shows: the observed frame nearest the event's entry, peak and exit. */
function momentsOf(event: ViolationEvent) {
  const frameIndexOf: Record<Moment, number> = {
    entry: event.entryFrame,
    peak: event.peakFrame,
    exit: event.exitFrame,
  };
  return MOMENTS.map((moment) => ({ moment, observed: eventBoxAt(event, frameIndexOf[moment]) }));
}

/**
 * Full-resolution JPEG keyframes of the moments several violations' packages show, by analysed frame index, decoded
 * from the source by one ffmpeg run: for an analysis of a downscaled copy, whose own frames are not evidence.
 */
export async function extractKeyframes(
  videoPath: string,
  video: VideoInfo,
  events: readonly ViolationEvent[],
): Promise<Array<Map<number, Buffer>>> {
  // each analysed frame once, however many of the violations show it
  const wanted = new Map<number, number>();
  for (const event of events)
    for (const { observed } of momentsOf(event)) wanted.set(observed.frameIndex, observed.timestamp);
  const frameIndices = [...wanted.keys()];
  const jpegs = new Map<number, Buffer>();
  for await (const frame of extractFrames(videoPath, [...wanted.values()], video)) {
    jpegs.set(frameIndices[jpegs.size]!, await keyframeJpeg(frame));
  }
  return events.map(
    (event) => new Map(momentsOf(event).map(({ observed }) => [observed.frameIndex, jpegs.get(observed.frameIndex)!])),
  );
}

function scaleBox(box: Box, sx: number, sy: number): Box {
  return { x1: box.x1 * sx, y1: box.y1 * sy, x2: box.x2 * sx, y2: box.y2 * sy };
}

async function vehicleCrop(frame: Buffer, size: { width: number; height: number }, box: Box): Promise<Buffer> {
  const mx = (box.x2 - box.x1) * 0.1;
  const my = (box.y2 - box.y1) * 0.1;
  const left = Math.max(0, Math.floor(box.x1 - mx));
  const top = Math.max(0, Math.floor(box.y1 - my));
  const width = Math.max(1, Math.min(size.width, Math.ceil(box.x2 + mx)) - left);
  const height = Math.max(1, Math.min(size.height, Math.ceil(box.y2 + my)) - top);
  return toSharp(frame).extract({ left, top, width, height }).jpeg({ quality: 95 }).toBuffer();
}

/**
 * One violation's evidence package: clip with pre/post roll, clean full-resolution keyframes and
 * annotated renders at entry, peak and exit, the vehicle crop, the plate crop and the manifest.
 * The keyframes are the frames the analysis decoded where it kept them (no ffmpeg per picture).
 * Nothing is left behind when a step fails.
 */
export async function writeViolationEvidence(input: ViolationEvidenceInput): Promise<WrittenEvidence> {
  const { event, camera, video, analysedSize } = input;
  const sx = video.width / analysedSize.width;
  const sy = video.height / analysedSize.height;
  const local = formatWallClock(event.startTime, camera.timezone);
  const estimated = isEstimated(input.segmentStartSource);
  const runTag = createHash('sha256')
    .update(`${input.sourceSha256}:${input.configHash}:${input.pipelineVersion}`)
    .digest('hex')
    .slice(0, 8);
  const draft = await openEvidencePackage({
    evidenceRoot: input.evidenceRoot,
    camera: camera.name,
    date: local.slice(0, 10),
    violationKey: `${local.slice(11).replaceAll(':', '')}-${event.zone.name}-t${event.trackId}-${runTag}`,
  });

  try {
    // The clip (an ffmpeg process) and the three pictures (sharp's threads) are made at once; the files go into the
    // package in one order whatever finishes first.
    const [clip, pictures] = await Promise.all([
      input.clip ??
        cutClip(input.videoPath, draft.pathFor('clip.mp4'), {
          startSec: event.startSec,
          endSec: event.endSec,
          preRollSec: input.preRollSec,
          postRollSec: input.postRollSec,
          source: { info: video, ...input.sourceIndex },
        }),
      Promise.all(
        momentsOf(event).map(async ({ moment, observed }) => {
          const sec = observed.timestamp;
          const capturedAt = new Date(input.segmentStart.getTime() + sec * 1000);
          const sourceFrame = Math.round(sec * video.fps);
          const reference: FrameReference = {
            analysisFrame: observed.frameIndex,
            sourceFrame,
            sec,
            capturedAt: capturedAt.toISOString(),
          };
          const keyframe =
            input.keyframes.get(observed.frameIndex) ??
            (await keyframeJpeg(await extractFrame(input.videoPath, sec, video)));
          const annotated = await renderAnnotated(keyframe, {
            zonePolygon: event.zone.polygon,
            zoneName: `${event.zone.name} (${ZONE_KIND_KO[event.zone.kind]})`,
            box: observed.box,
            boxSpace: analysedSize,
            trackId: event.trackId,
            label: classLabelKo(event.label),
            caption: [
              `${camera.name} · ${MOMENT_KO[moment]}`,
              `${formatWallClock(capturedAt, camera.timezone)} ${camera.timezone}${estimated ? ` (${ESTIMATED_KO})` : ''}`,
              `프레임 ${sourceFrame} · ${sec.toFixed(2)}초`,
            ],
          });
          return { moment, observed, reference, keyframe, annotated };
        }),
      ),
    ]);
    if (input.clip) await draft.moveIn('clip', 'clip.mp4', clip.path);
    else await draft.addFile('clip', 'clip.mp4');
    const frames = {} as Record<Moment, FrameReference>;
    for (const { moment, reference, keyframe, annotated } of pictures) {
      frames[moment] = reference;
      await draft.addBytes('keyframe', `keyframe-${moment}.jpg`, keyframe);
      await draft.addBytes('annotated', `annotated-${moment}.jpg`, annotated);
    }
    const peak = pictures.find((p) => p.moment === 'peak')!;
    await draft.addBytes(
      'vehicle_crop',
      'vehicle.jpg',
      await vehicleCrop(peak.keyframe, video, scaleBox(peak.observed.box, sx, sy)),
    );
    if (input.plate.cropPng) await draft.addBytes('plate_crop', 'plate.png', input.plate.cropPng);

    const files = await draft.commit({
      camera: { name: camera.name, timezone: camera.timezone },
      source: {
        path: input.videoPath,
        sha256: input.sourceSha256,
        segmentStart: input.segmentStart.toISOString(),
        // every capture time below derives from segmentStart: an estimated start makes them estimates too
        segmentStartSource: input.segmentStartSource,
        segmentStartEstimated: estimated,
        durationSec: video.durationSec,
        width: video.width,
        height: video.height,
        fps: video.fps,
      },
      zone: {
        name: event.zone.name,
        kind: event.zone.kind,
        polygon: event.zone.polygon,
        schedule: event.zone.schedule ?? null,
        rules: event.zone.rules,
      },
      track: {
        id: event.trackId,
        label: event.label,
        // where the vehicle was in every analysed frame of the violation, source pixels
        boxes: event.boxes.map((b) => {
          const box = scaleBox(b.box, sx, sy);
          return {
            analysisFrame: b.frameIndex,
            sec: b.timestamp,
            box: [box.x1, box.y1, box.x2, box.y2].map((v) => Math.round(v)),
            score: Math.round(b.score * 1000) / 1000,
          };
        }),
      },
      frames,
      analysis: {
        fps: input.fps,
        detector: input.detector,
        analysedWidth: analysedSize.width,
        analysedHeight: analysedSize.height,
        configHash: input.configHash,
        clipWindowSec: [clip.startSec, clip.endSec],
        clipEncoding: clip.encoding,
        dwellSeconds: event.dwellSeconds,
        displacement: event.displacement,
        directionDeg: event.direction ?? null,
        riderShare: event.riderShare,
      },
      models: input.modelFingerprints,
      pipelineVersion: input.pipelineVersion,
      plate: { ...input.plate.reading, detail: input.plate.detail },
    });
    return { dir: draft.finalDir, files };
  } catch (err) {
    await draft.discard();
    throw err;
  }
}
