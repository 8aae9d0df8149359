import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import type { AnalyzeSegmentQueue } from '../queue/queues.js';
import { cameraHealthWriter } from './camera-health.js';
import { FeedRecorder, type ClosedSegment } from './feed-recorder.js';
import type { LiveAnalyzer } from './live-analyzer.js';
import { registerRecordedSegment, type RegisteredSegment } from './segment-registrar.js';

export interface CameraFeedOptions {
  prisma: PrismaClient;
  queue: AnalyzeSegmentQueue;
  pipelineVersion: string;
  camera: { id: string; sourceUrl: string };
  /** segments go to `<footageRoot>/live/<cameraId>/` so the API's footage rules cover them */
  footageRoot: string;
  segmentSeconds?: number;
  copyCodec?: boolean;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  logger: Logger;
  /**
   * analyse the feed as it arrives (init() done): segments it covers are stored analysed instead of queued, and a
   * connection it could not analyse falls back to the queue
   */
  live?: LiveAnalyzer;
  /** after each new segment is registered and queued (measurements, tests) */
  onRegistered?: (segment: ClosedSegment, registered: RegisteredSegment) => void;
}

/**
 * A recorder wired to Postgres and the queue: each closed segment is hashed, recorded and enqueued. Once its camera
 * is disabled (or deleted) it keeps nothing more: the segment is discarded and the recorder stops.
 */
export function createCameraFeed(o: CameraFeedOptions): FeedRecorder {
  const logger = o.logger.child({ cameraId: o.camera.id });
  const recorder: FeedRecorder = new FeedRecorder({
    sourceUrl: o.camera.sourceUrl,
    outDir: path.join(o.footageRoot, 'live', o.camera.id),
    segmentSeconds: o.segmentSeconds,
    copyCodec: o.copyCodec,
    backoffBaseMs: o.backoffBaseMs,
    backoffMaxMs: o.backoffMaxMs,
    logger,
    onHealth: cameraHealthWriter(o.prisma, o.camera.id),
    ...(o.live
      ? {
          frames: o.live.frameOutput,
          onConnection: (c) => o.live!.analyse(c),
          onConnectionEnd: (id) => o.live!.connectionClosed(id),
        }
      : {}),
    onSegment: async (segment) => {
      const camera = await o.prisma.camera.findUnique({ where: { id: o.camera.id }, select: { enabled: true } });
      if (!camera?.enabled) {
        logger.warn({ file: segment.path }, 'camera disabled or deleted: segment discarded, recorder stopping');
        await rm(segment.path, { force: true });
        // not awaited: stop() waits for this very callback to return
        recorder.stop().catch((err: unknown) => logger.error({ err }, 'recorder did not stop cleanly'));
        return;
      }
      const live = o.live?.covers(segment) ?? false;
      const registered = await registerRecordedSegment(o, o.camera.id, segment, live);
      if (!registered) return;
      if (!registered.created) {
        // byte-identical to a segment on record (a source replaying a file): nothing new to analyse
        logger.warn({ segmentId: registered.segmentId, file: segment.path }, 'segment repeats one already recorded');
        return;
      }
      logger.info(
        { segmentId: registered.segmentId, file: segment.path, durationSec: segment.durationSec },
        'segment recorded',
      );
      if (live) await o.live!.segmentRecorded(segment, registered);
      o.onRegistered?.(segment, registered);
    },
  });
  return recorder;
}
