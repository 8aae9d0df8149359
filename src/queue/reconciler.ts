import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PrismaClient } from '../db/client.js';
import { failedForInfrastructure } from './failure-kind.js';
import { analyzeJobId, enqueueSegment } from './producer.js';
import type { AnalyzeSegmentQueue } from './queues.js';

export interface ReconcileResult {
  /** segments pending, queued or processing in Postgres that were looked up in Redis */
  checked: number;
  /** ids of the segments whose job was missing and has been added */
  enqueued: string[];
  /** ids of the segments whose job had failed for infrastructure reasons and has been retried */
  requeued: string[];
}

/**
 * Postgres is the source of truth and Redis keeps nothing on disk: after a Redis restart (or an enqueue that
 * failed after the row was written) segments wait in Postgres with no job. This adds the missing jobs; a
 * `processing` segment without a job lost it mid-analysis (storing a run twice is harmless: it is idempotent).
 * A job that spent all its attempts on an outage (Postgres or Redis unreachable) is retried afresh; one that
 * failed on bad media or on its own bug is not, and its segment is `failed` in Postgres anyway.
 */
export async function reconcile(
  prisma: PrismaClient,
  queue: AnalyzeSegmentQueue,
  options: { pipelineVersion: string; batchSize?: number },
): Promise<ReconcileResult> {
  const batchSize = options.batchSize ?? 500;
  const result: ReconcileResult = { checked: 0, enqueued: [], requeued: [] };
  let cursor: string | undefined;
  for (;;) {
    const segments = await prisma.segment.findMany({
      // A segment in a running batch has its own child job (src/batch/batch-flow.ts); a second job would
      // analyse it twice at once.
      where: { status: { in: ['pending', 'queued', 'processing'] }, batchItems: { none: { status: 'pending' } } },
      select: { id: true, sha256: true },
      orderBy: { id: 'asc' },
      take: batchSize,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
    });
    for (const segment of segments) {
      result.checked++;
      const existing = await queue.getJob(analyzeJobId(segment.sha256, options.pipelineVersion));
      if (!existing) {
        await enqueueSegment(queue, segment, options.pipelineVersion, { prisma });
        result.enqueued.push(segment.id);
      } else if (failedForInfrastructure(existing.failedReason) && (await existing.isFailed())) {
        await existing.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        result.requeued.push(segment.id);
      }
    }
    if (segments.length < batchSize) return result;
    cursor = segments[segments.length - 1]!.id;
  }
}

/** One piece of the reconciler's work; it returns counts of what it did, for the log. */
export interface ReconcilePass {
  name: string;
  run(): Promise<Record<string, number>>;
}

export function segmentsPass(
  prisma: PrismaClient,
  queue: AnalyzeSegmentQueue,
  options: { pipelineVersion: string },
): ReconcilePass {
  return {
    name: 'segments',
    async run() {
      const r = await reconcile(prisma, queue, options);
      return { enqueued: r.enqueued.length, requeued: r.requeued.length };
    },
  };
}

/** How often Redis is asked whether it lost its data (one SET NX). */
const WIPE_CHECK_MS = 1_000;

/**
 * Runs the passes now, every `intervalMs`, and at once when Redis comes back empty (restarted without a disk, or
 * flushed): a marker key the reconciler keeps is gone then, so a wipe costs a second of idling, not a whole
 * interval. Returns a function that stops it.
 */
export function startReconciler(
  queue: AnalyzeSegmentQueue,
  passes: ReconcilePass[],
  options: { intervalMs: number; logger: Logger; redis: Redis },
): () => Promise<void> {
  const { redis } = options;
  const marker = `${queue.opts.prefix ?? 'bull'}:${queue.name}:reconciler-marker`;
  let running: Promise<void> | null = null;
  let again = false;
  const pass = async () => {
    for (const p of passes) {
      try {
        const did = await p.run();
        if (Object.values(did).some((n) => n > 0))
          options.logger.info({ pass: p.name, ...did }, 'reconciler put work back');
      } catch (err) {
        options.logger.warn({ err, pass: p.name }, 'reconcile pass failed; will retry');
      }
    }
  };
  const tick = () => {
    if (running) {
      // a pass is going: run once more after it, so a wipe seen meanwhile is not left to the next interval
      again = true;
      return;
    }
    running = pass().finally(() => {
      running = null;
      if (again) {
        again = false;
        tick();
      }
    });
  };
  let checking = false;
  const checkWipe = async () => {
    // while Redis is down the command waits for it: one at a time, not one a second
    if (checking) return;
    checking = true;
    try {
      if ((await redis.set(marker, '1', 'NX')) === 'OK') tick();
    } finally {
      checking = false;
    }
  };
  // set before the first pass reads anything, so a wipe during it shows
  redis.set(marker, '1').catch((err: unknown) => options.logger.debug({ err }, 'Redis wipe marker not set'));
  tick();
  const timer = setInterval(tick, options.intervalMs);
  const wipeTimer = setInterval(() => {
    checkWipe().catch((err: unknown) => options.logger.debug({ err }, 'Redis wipe check failed'));
  }, WIPE_CHECK_MS);
  timer.unref();
  wipeTimer.unref();
  return async () => {
    clearInterval(timer);
    clearInterval(wipeTimer);
    again = false;
    if (running) await running;
  };
}
