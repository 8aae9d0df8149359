import path from 'node:path';
import { chooseCaptureTime } from '../core/capture-time.js';
import type { Segment } from '../generated/prisma/client.js';
import { MediaError } from '../media/errors.js';
import { probeVideo, type VideoInfo } from '../media/probe.js';
import { enqueueSegment } from '../queue/producer.js';
import { registerSegment } from '../queue/segment-registry.js';
import { getCamera } from '../db/cameras.js';
import type { PrismaClient } from '../db/client.js';
import type { ApiDeps } from './deps.js';
import { conflict, notFound } from './problem.js';
import { REDIS_TIMEOUT_MS, withTimeout } from './timeout.js';

export type IntakeResult =
  | { outcome: 'created'; segment: Segment; video: VideoInfo; enqueued: boolean }
  | { outcome: 'duplicate'; existing: Segment }
  | { outcome: 'not_video'; code: string; problem: string };

/** A camera that takes footage: it exists and is enabled (a disabled camera records and analyses nothing). */
export async function requireEnabledCamera(prisma: PrismaClient, cameraId: string): Promise<void> {
  const camera = await getCamera(prisma, cameraId);
  if (!camera) throw notFound('camera', cameraId);
  if (!camera.enabled) {
    throw conflict('camera-disabled', `camera ${camera.name} is disabled and takes no footage; enable it first`, {
      cameraId,
    });
  }
}

/**
 * Probe, hash, record, enqueue. The capture time is the client's explicit start, else the container's
 * creation_time, else the browser's modification time less the duration, else now; all but the first
 * are recorded as estimates. The row is written before the job, so Postgres stays the source of
 * truth; if Redis is down the segment stays `pending` and the reconciler enqueues it later.
 */
export async function takeInSegment(
  deps: ApiDeps,
  input: {
    cameraId: string;
    file: string;
    /** the start time the client gave, if any */
    startTime?: Date;
    /** the name the client gave the file (an upload is staged under an id) */
    originalName?: string;
    /** the file's last modification as the client's browser saw it (File.lastModified) */
    fileModified?: Date;
    actor: string;
  },
): Promise<IntakeResult> {
  let video: VideoInfo;
  try {
    video = await probeVideo(input.file);
  } catch (err) {
    if (!(err instanceof MediaError)) throw err;
    // ffmpeg's messages carry the server-side path; clients see only the file name.
    const problem = err.message
      .slice(err.file.length + 2)
      .split(err.file)
      .join(path.basename(err.file));
    return { outcome: 'not_video', code: err.code, problem };
  }
  const capture = chooseCaptureTime({
    explicit: input.startTime,
    container: video.creationTime,
    fileModified: input.fileModified,
    received: new Date(),
    durationSec: video.durationSec,
  });
  const result = await registerSegment(deps.prisma, {
    cameraId: input.cameraId,
    file: input.file,
    startTime: capture.time,
    startTimeSource: capture.source,
    durationSec: video.durationSec,
    ...(input.originalName ? { originalName: input.originalName } : {}),
    actor: input.actor,
  });
  if (!result.created) return { outcome: 'duplicate', existing: result.segment };
  let segment = result.segment;
  let enqueued = false;
  try {
    await withTimeout(
      enqueueSegment(deps.queue, segment, deps.config.PIPELINE_VERSION, { prisma: deps.prisma }),
      REDIS_TIMEOUT_MS,
      'enqueue',
    );
    enqueued = true;
    segment = (await deps.prisma.segment.findUnique({ where: { id: segment.id } })) ?? segment;
  } catch (err) {
    deps.logger.warn({ err, segmentId: segment.id }, 'enqueue failed; the reconciler will retry');
  }
  return { outcome: 'created', segment, video, enqueued };
}
