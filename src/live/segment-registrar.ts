import { pathToFileURL } from 'node:url';
import type { PrismaClient } from '../db/client.js';
import { createSegment } from '../db/segments.js';
import { hashFile } from '../evidence/file-hash.js';
import { enqueueSegment } from '../queue/producer.js';
import type { AnalyzeSegmentQueue } from '../queue/queues.js';
import type { ClosedSegment } from './feed-recorder.js';

export interface RegisteredSegment {
  segmentId: string;
  sha256: string;
  created: boolean;
}

/**
 * Hash, row, job — in that order, so Postgres holds the segment before Redis does (the reconciler re-enqueues a
 * row whose job was lost). An empty file (a connection that dropped at once) is skipped.
 */
export async function registerRecordedSegment(
  deps: { prisma: PrismaClient; queue: AnalyzeSegmentQueue; pipelineVersion: string },
  cameraId: string,
  segment: ClosedSegment,
): Promise<RegisteredSegment | null> {
  const { sha256, sizeBytes } = await hashFile(segment.path);
  if (sizeBytes === 0) return null;
  const result = await createSegment(
    deps.prisma,
    {
      cameraId,
      fileUri: pathToFileURL(segment.path).href,
      sha256,
      startTime: segment.startTime,
      durationSec: segment.durationSec,
    },
    `live-recorder:${cameraId}`,
  );
  if (!result.created) return { segmentId: result.existing.id, sha256, created: false };
  await enqueueSegment(deps.queue, result.segment, deps.pipelineVersion, { prisma: deps.prisma });
  return { segmentId: result.segment.id, sha256, created: true };
}
