import type { CaptureTimeSource } from '../core/capture-time.js';
import type { Prisma, Segment, SegmentStatus } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';

export interface SegmentCreate {
  cameraId: string;
  fileUri: string;
  sha256: string;
  startTime: Date;
  /** how the start time is known (see core/capture-time.ts) */
  startTimeSource: CaptureTimeSource;
  durationSec: number;
  /** the file's name as the client had it (an upload is stored under an id) */
  originalName: string | null;
  /** analysed as it was recorded: stored done (the live analyser records its run), never queued */
  liveAnalysed?: boolean;
}

export type SegmentCreateResult = { created: true; segment: Segment } | { created: false; existing: Segment };

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * A segment's lifecycle, every status change named and written here only:
 * pending (registered) → queued (job added) → processing (a worker took it) → done (analysis stored),
 * or → failed (bad media, or analysis failed its last attempt); a job that will be retried goes back to queued,
 * and a settled segment re-analysed (its camera's zones changed) too.
 */
export const segmentStatus = {
  /** its job is in the queue (only a pending row moves: a segment already further along stays) */
  queued: (db: Db, id: string) =>
    db.segment.updateMany({ where: { id, status: 'pending' }, data: { status: 'queued' } }),
  /** queued again for a re-analysis (after a zone change): a settled segment goes back to queued */
  requeued: (db: Db, id: string) =>
    db.segment.updateMany({
      where: { id, status: { in: ['done', 'failed', 'pending'] } },
      data: { status: 'queued', error: null },
    }),
  processing: (db: Db, id: string) => db.segment.update({ where: { id }, data: { status: 'processing', error: null } }),
  done: (db: Db, id: string) => db.segment.update({ where: { id }, data: { status: 'done', error: null } }),
  /** the file cannot be analysed, however often it is tried */
  failed: (db: Db, id: string, reason: string) =>
    db.segment.update({ where: { id }, data: { status: 'failed', error: reason } }),
  /** an attempt failed: back to queued for the retry, or failed after the last one (a done segment stays done) */
  attemptFailed: (db: Db, id: string, outcome: { retrying: true } | { retrying: false; reason: string }) =>
    db.segment.updateMany({
      where: { id, status: { not: 'done' } },
      data: outcome.retrying ? { status: 'queued' } : { status: 'failed', error: outcome.reason },
    }),
};

/** Inserts the segment, or returns the camera's existing row for the same bytes (same sha256). */
export async function createSegment(
  prisma: PrismaClient,
  data: SegmentCreate,
  actor: string,
): Promise<SegmentCreateResult> {
  return prisma.$transaction(async (tx) => {
    const existing = await tx.segment.findUnique({
      where: { cameraId_sha256: { cameraId: data.cameraId, sha256: data.sha256 } },
    });
    if (existing) return { created: false, existing };
    const segment = await tx.segment.create({ data: { ...data, status: data.liveAnalysed ? 'done' : 'pending' } });
    await appendAudit(tx, {
      actor,
      action: 'segment.register',
      entityType: 'segment',
      entityId: segment.id,
      details: {
        cameraId: data.cameraId,
        fileUri: data.fileUri,
        sha256: data.sha256,
        startTime: data.startTime.toISOString(),
        startTimeSource: data.startTimeSource,
        ...(data.liveAnalysed ? { liveAnalysed: true } : {}),
      },
    });
    return { created: true, segment };
  });
}

export function getSegment(prisma: PrismaClient, id: string) {
  return prisma.segment.findUnique({
    where: { id },
    include: {
      runs: {
        orderBy: { startedAt: 'desc' },
        select: {
          id: true,
          pipelineVersion: true,
          startedAt: true,
          finishedAt: true,
          framesAnalysed: true,
          timings: true,
          _count: { select: { violations: true } },
        },
      },
    },
  });
}

export function listSegments(
  prisma: PrismaClient,
  filter: { cameraId?: string; status?: SegmentStatus; limit: number },
): Promise<Segment[]> {
  return prisma.segment.findMany({
    where: { cameraId: filter.cameraId, status: filter.status },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: filter.limit,
  });
}

export type SegmentDeleteResult = { result: 'deleted'; segment: Segment } | { result: 'not_found' | 'analysed' };

/** Only footage that no analysis has used may go; analysed footage backs evidence. */
export async function deleteSegment(prisma: PrismaClient, id: string, actor: string): Promise<SegmentDeleteResult> {
  return prisma.$transaction(async (tx) => {
    const segment = await tx.segment.findUnique({ where: { id }, include: { _count: { select: { runs: true } } } });
    if (!segment) return { result: 'not_found' };
    if (segment._count.runs > 0 || segment.status === 'processing') return { result: 'analysed' };
    await tx.segment.delete({ where: { id } });
    await appendAudit(tx, {
      actor,
      action: 'segment.delete',
      entityType: 'segment',
      entityId: id,
      details: { cameraId: segment.cameraId, fileUri: segment.fileUri, sha256: segment.sha256, status: segment.status },
    });
    const { _count, ...row } = segment;
    return { result: 'deleted', segment: row };
  });
}

/**
 * Whether an analysis of this segment stored before `before` is its first and no batch reprocesses it: only
 * such analyses are live, and worth alerting and ringing a sign for (reruns and archive batches, whose files may
 * be new on disk, never are).
 */
export async function isLiveAnalysis(db: Db, segmentId: string, before: Date): Promise<boolean> {
  const [earlierRuns, batchItems] = await Promise.all([
    db.analysisRun.count({ where: { segmentId, createdAt: { lt: before } } }),
    db.batchItem.count({ where: { segmentId } }),
  ]);
  return earlierRuns === 0 && batchItems === 0;
}
