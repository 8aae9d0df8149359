import type { Job } from 'bullmq';
import type { Batch, BatchItemStatus } from '../generated/prisma/client.js';
import { appendAudit } from '../db/audit.js';
import type { Prisma, PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import { addBatchFlow, attemptOf, flowJobId, getParentJob, segmentIdOfJobKey, type BatchRedis } from './batch-flow.js';
import { failedForInfrastructure } from '../queue/failure-kind.js';
import type { BatchJobData } from '../queue/queues.js';
import { registerFolder } from './folder-intake.js';

export interface BatchDeps {
  prisma: PrismaClient;
  redis: BatchRedis;
  logger: Logger;
}

export type BatchScope = { kind: 'folder'; folder: string } | { kind: 'range'; from: Date; to: Date };

export interface BatchView {
  id: string;
  cameraId: string;
  folder: string | null;
  rangeStart: Date | null;
  rangeEnd: Date | null;
  pipelineVersion: string;
  status: Batch['status'];
  total: number;
  done: number;
  failed: number;
  cancelled: number;
  pending: number;
  createdAt: Date;
  finishedAt: Date | null;
}

export class BatchStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BatchStateError';
  }
}

async function itemCounts(
  prisma: PrismaClient | Prisma.TransactionClient,
  batchId: string,
): Promise<Record<BatchItemStatus, number>> {
  const rows = await prisma.batchItem.groupBy({ by: ['status'], where: { batchId }, _count: { _all: true } });
  const counts: Record<BatchItemStatus, number> = { pending: 0, done: 0, failed: 0, cancelled: 0 };
  for (const r of rows) counts[r.status] = r._count._all;
  return counts;
}

async function view(prisma: PrismaClient, batch: Batch): Promise<BatchView> {
  const c = await itemCounts(prisma, batch.id);
  return {
    id: batch.id,
    cameraId: batch.cameraId,
    folder: batch.folder,
    rangeStart: batch.rangeStart,
    rangeEnd: batch.rangeEnd,
    pipelineVersion: batch.pipelineVersion,
    status: batch.status,
    total: batch.total,
    done: c.done,
    failed: c.failed,
    cancelled: c.cancelled,
    pending: c.pending,
    createdAt: batch.createdAt,
    finishedAt: batch.finishedAt,
  };
}

/**
 * Registers the scope's segments, records the batch and its items, then adds the flow. Postgres is written
 * first: if Redis loses the flow, `resumeBatch` rebuilds it from the pending items.
 */
export async function createBatch(
  deps: BatchDeps,
  input: { cameraId: string; scope: BatchScope; pipelineVersion: string; actor: string },
): Promise<BatchView> {
  const { prisma } = deps;
  const { scope } = input;
  const members =
    scope.kind === 'folder'
      ? await registerFolder(prisma, input.cameraId, scope.folder, input.actor)
      : (
          await prisma.segment.findMany({
            where: { cameraId: input.cameraId, startTime: { gte: scope.from, lt: scope.to } },
            orderBy: { startTime: 'asc' },
            select: { id: true, status: true, error: true },
          })
        ).map((s) => ({ segmentId: s.id, problem: null }));
  const batch = await prisma.$transaction(async (tx) => {
    const row = await tx.batch.create({
      data: {
        cameraId: input.cameraId,
        folder: scope.kind === 'folder' ? scope.folder : null,
        rangeStart: scope.kind === 'range' ? scope.from : null,
        rangeEnd: scope.kind === 'range' ? scope.to : null,
        pipelineVersion: input.pipelineVersion,
        total: members.length,
        createdBy: input.actor,
      },
    });
    await tx.batchItem.createMany({
      data: members.map((m) => ({
        batchId: row.id,
        segmentId: m.segmentId,
        status: m.problem ? ('failed' as const) : ('pending' as const),
        error: m.problem,
      })),
    });
    await appendAudit(tx, {
      actor: input.actor,
      action: 'batch.create',
      entityType: 'batch',
      entityId: row.id,
      details: {
        cameraId: input.cameraId,
        scope:
          scope.kind === 'folder'
            ? { folder: scope.folder }
            : { from: scope.from.toISOString(), to: scope.to.toISOString() },
        pipelineVersion: input.pipelineVersion,
        total: members.length,
      },
    });
    return tx.batch.update({ where: { id: row.id }, data: { flowJobId: flowJobId(row.id, 1) } });
  });
  await startFlow(deps, batch);
  return view(prisma, batch);
}

/** Adds a flow for the batch's pending items under the batch's current flowJobId. */
async function startFlow(deps: BatchDeps, batch: Batch): Promise<void> {
  const items = await deps.prisma.batchItem.findMany({
    where: { batchId: batch.id, status: 'pending' },
    include: { segment: true },
  });
  await addBatchFlow(
    deps.redis,
    batch.id,
    batch.flowJobId!,
    items.map((i) => i.segment),
    batch.pipelineVersion,
  );
}

/** The run a finished child made, or found already there when the same version and config had run before. */
async function runOf(
  prisma: PrismaClient,
  segmentId: string,
  pipelineVersion: string,
  returned: unknown,
): Promise<string | null> {
  const fromJob = (returned as { runId?: unknown } | null)?.runId;
  if (typeof fromJob === 'string') return fromJob;
  const run = await prisma.analysisRun.findFirst({
    where: { segmentId, pipelineVersion },
    orderBy: { createdAt: 'desc' },
    select: { id: true },
  });
  return run?.id ?? null;
}

/** Copies the children the flow's parent saw finish into the batch's pending items. */
async function copyFinishedChildren(prisma: PrismaClient, batch: Batch, parent: Job<BatchJobData>): Promise<void> {
  const batchId = batch.id;
  const { processed = {}, ignored = {} } = await parent.getDependencies();
  const pending = new Set(
    (await prisma.batchItem.findMany({ where: { batchId, status: 'pending' }, select: { segmentId: true } })).map(
      (i) => i.segmentId,
    ),
  );
  for (const [key, value] of Object.entries(processed)) {
    const segmentId = segmentIdOfJobKey(key);
    if (!pending.has(segmentId)) continue;
    const runId = await runOf(prisma, segmentId, batch.pipelineVersion, value);
    await prisma.batchItem.updateMany({
      where: { batchId, segmentId, status: 'pending' },
      data: { status: 'done', runId, error: null },
    });
  }
  for (const [key, reason] of Object.entries(ignored)) {
    const segmentId = segmentIdOfJobKey(key);
    // an outage outlasted the child's retries: the item stays pending for the batch's next flow
    if (!pending.has(segmentId) || failedForInfrastructure(String(reason))) continue;
    await prisma.batchItem.updateMany({
      where: { batchId, segmentId, status: 'pending' },
      data: { status: 'failed', error: String(reason).slice(0, 2000) },
    });
  }
}

/**
 * Copies finished children from the flow in Redis into batch items and counts. Called by the parent's processor
 * and by GET /batches/:id, so Postgres catches up whoever looks first.
 */
export async function syncBatch(deps: BatchDeps, batchId: string): Promise<Batch | null> {
  const { prisma } = deps;
  const batch = await prisma.batch.findUnique({ where: { id: batchId } });
  if (!batch || batch.status !== 'running' || !batch.flowJobId) return batch;
  const parent = await getParentJob(deps.redis, batch.flowJobId);
  if (parent) await copyFinishedChildren(prisma, batch, parent);
  const c = await itemCounts(prisma, batchId);
  return prisma.batch.update({ where: { id: batchId }, data: { done: c.done, failed: c.failed } });
}

/**
 * The parent job's processor: every child has finished, so the batch is complete, unless some failed for
 * infrastructure reasons: those go again in the batch's next flow.
 */
export async function completeBatch(deps: BatchDeps, batchId: string, parentId: string): Promise<void> {
  const batch = await syncBatch(deps, batchId);
  // a cancel removing the last waiting children also hands the parent here: its items are not for a next flow
  if (!batch || batch.status !== 'running' || batch.flowJobId !== parentId) return;
  const left = await deps.prisma.batchItem.count({ where: { batchId, status: 'pending' } });
  if (left > 0) {
    await newFlow(deps, batch, RECONCILER_ACTOR, ['pending']);
    deps.logger.warn({ batchId, items: left }, 'batch items failed for infrastructure reasons: resumed');
    return;
  }
  await deps.prisma.batch.updateMany({
    where: { id: batchId, status: 'running' },
    data: { status: 'completed', finishedAt: new Date() },
  });
  deps.logger.info({ batchId, done: batch.done, failed: batch.failed, total: batch.total }, 'batch completed');
}

export async function getBatch(deps: BatchDeps, batchId: string): Promise<BatchView | null> {
  const batch = await syncBatch(deps, batchId);
  return batch ? view(deps.prisma, batch) : null;
}

/**
 * Removes the children still waiting (running ones finish and are kept), marks their items cancelled and the
 * batch cancelled.
 */
export async function cancelBatch(deps: BatchDeps, batchId: string, actor: string): Promise<BatchView | null> {
  const { prisma } = deps;
  const batch = await prisma.batch.findUnique({ where: { id: batchId } });
  if (!batch) return null;
  if (batch.status !== 'running') throw new BatchStateError(`batch is ${batch.status}, not running`);
  // Cancelled before its children leave Redis: removing the last waiting child hands the parent to the completer,
  // which would otherwise find the batch running with items pending and start them again in a new flow.
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.batch.updateMany({
      where: { id: batchId, status: 'running' },
      data: { status: 'cancelled', finishedAt: new Date() },
    });
    if (count === 0) throw new BatchStateError('batch is no longer running');
    await appendAudit(tx, { actor, action: 'batch.cancel', entityType: 'batch', entityId: batchId, details: {} });
  });
  const parent = batch.flowJobId ? await getParentJob(deps.redis, batch.flowJobId) : undefined;
  if (parent) {
    await parent.removeUnprocessedChildren();
    await copyFinishedChildren(prisma, batch, parent);
  }
  const cancelled = await prisma.$transaction(async (tx) => {
    await tx.batchItem.updateMany({ where: { batchId, status: 'pending' }, data: { status: 'cancelled' } });
    const c = await itemCounts(tx, batchId);
    return tx.batch.update({ where: { id: batchId }, data: { done: c.done, failed: c.failed } });
  });
  // The parent may still wait on a running child; the batch is no longer running, so completion will not touch it.
  await parent?.remove({ removeChildren: false }).catch(() => undefined);
  return view(prisma, cancelled);
}

/**
 * Re-enqueues every item not done (cancelled, failed, or pending in a flow Redis lost) in a new flow. Segments
 * already analysed with this version and config are skipped by the worker, so a resume never duplicates runs.
 */
export async function resumeBatch(deps: BatchDeps, batchId: string, actor: string): Promise<BatchView | null> {
  const { prisma } = deps;
  const batch = await prisma.batch.findUnique({ where: { id: batchId } });
  if (!batch) return null;
  if (batch.status === 'running' && batch.flowJobId && (await getParentJob(deps.redis, batch.flowJobId))) {
    throw new BatchStateError('batch is running; cancel it first or wait');
  }
  return view(prisma, await newFlow(deps, batch, actor, ['pending', 'cancelled', 'failed']));
}

/** Opens the batch's next flow on its items in `redo` (made pending), audited as a resume by `actor`. */
async function newFlow(deps: BatchDeps, batch: Batch, actor: string, redo: BatchItemStatus[]): Promise<Batch> {
  const attempt = batch.flowJobId ? attemptOf(batch.flowJobId) + 1 : 1;
  const resumed = await deps.prisma.$transaction(async (tx) => {
    // only the batch as read: a cancel or another resume meanwhile wins, and this one opens no flow
    const claimed = await tx.batch.updateMany({
      where: { id: batch.id, status: batch.status, flowJobId: batch.flowJobId },
      data: { status: 'running', finishedAt: null, flowJobId: flowJobId(batch.id, attempt) },
    });
    if (claimed.count === 0) throw new BatchStateError('batch changed meanwhile');
    const { count } = await tx.batchItem.updateMany({
      where: { batchId: batch.id, status: { in: redo } },
      data: { status: 'pending', error: null },
    });
    await appendAudit(tx, {
      actor,
      action: 'batch.resume',
      entityType: 'batch',
      entityId: batch.id,
      details: { items: count, attempt },
    });
    return tx.batch.findUniqueOrThrow({ where: { id: batch.id } });
  });
  await startFlow(deps, resumed);
  return resumed;
}

/** Who resumes a batch without a person: the worker process's reconciler. */
export const RECONCILER_ACTOR = 'system:reconciler';

/**
 * The reconciler's part for batches. A running batch whose flow Redis lost (restarted or flushed) goes on with
 * its pending items in a new flow, and one whose closing job failed (Postgres was away longer than its retries)
 * is retried. `graceMs` leaves a batch being created alone: its row is written before its flow.
 */
export async function reviveBatches(deps: BatchDeps, graceMs = 10_000): Promise<{ resumed: number; retried: number }> {
  const running = await deps.prisma.batch.findMany({
    where: { status: 'running', flowJobId: { not: null }, createdAt: { lt: new Date(Date.now() - graceMs) } },
  });
  const did = { resumed: 0, retried: 0 };
  for (const batch of running) {
    const parent = await getParentJob(deps.redis, batch.flowJobId!);
    if (!parent) {
      await newFlow(deps, batch, RECONCILER_ACTOR, ['pending']);
      deps.logger.warn({ batchId: batch.id }, 'batch flow lost in Redis: resumed with its pending items');
      did.resumed++;
    } else if (await parent.isFailed()) {
      await parent.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      did.retried++;
    }
  }
  return did;
}
