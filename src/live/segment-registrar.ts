import type { PrismaClient } from '../db/client.js';
import { enqueueSegment } from '../queue/producer.js';
import type { AnalyzeSegmentQueue } from '../queue/queues.js';
import { registerSegment } from '../queue/segment-registry.js';
import type { ClosedSegment } from './feed-recorder.js';

export interface RegisteredSegment {
  segmentId: string;
  sha256: string;
  created: boolean;
}

/**
 * Hash, row, job — in that order, so Postgres holds the segment before Redis does (the reconciler re-enqueues a
 * row whose job was lost). An empty file (a connection that dropped at once) is skipped. A segment the live analyser
 * covered (`liveAnalysed`) is stored done and gets no job.
 */
export async function registerRecordedSegment(
  deps: { prisma: PrismaClient; queue: AnalyzeSegmentQueue; pipelineVersion: string },
  cameraId: string,
  segment: ClosedSegment,
  liveAnalysed = false,
): Promise<RegisteredSegment | null> {
  const result = await registerSegment(
    deps.prisma,
    {
      cameraId,
      file: segment.path,
      startTime: segment.startTime,
      startTimeSource: 'recorder',
      durationSec: segment.durationSec,
      actor: `live-recorder:${cameraId}`,
      liveAnalysed,
    },
    { skipEmpty: true },
  );
  if (!result) return null;
  if (result.created && !liveAnalysed)
    await enqueueSegment(deps.queue, result.segment, deps.pipelineVersion, { prisma: deps.prisma });
  return { segmentId: result.segment.id, sha256: result.sha256, created: result.created };
}
