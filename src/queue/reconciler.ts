import type { Logger } from 'pino';
import type { PrismaClient } from '../db/client.js';
import { analyzeJobId, enqueueSegment } from './producer.js';
import type { AnalyzeSegmentQueue } from './queues.js';

export interface ReconcileResult {
  /** segments pending, queued or processing in Postgres that were looked up in Redis */
  checked: number;
  /** ids of the segments whose job was missing and has been added */
  enqueued: string[];
}

/**
 * Postgres is the source of truth and Redis keeps nothing on disk: after a Redis restart (or an enqueue that
 * failed after the row was written) segments wait in Postgres with no job. This adds the missing jobs; a
 * `processing` segment without a job lost it mid-analysis (storing a run twice is harmless: it is idempotent).
 */
export async function reconcile(
  prisma: PrismaClient,
  queue: AnalyzeSegmentQueue,
  options: { pipelineVersion: string; batchSize?: number },
): Promise<ReconcileResult> {
  const batchSize = options.batchSize ?? 500;
  const result: ReconcileResult = { checked: 0, enqueued: [] };
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
      if (existing) continue;
      await enqueueSegment(queue, segment, options.pipelineVersion, { prisma });
      result.enqueued.push(segment.id);
    }
    if (segments.length < batchSize) return result;
    cursor = segments[segments.length - 1]!.id;
  }
}

/** Runs `reconcile` now and then every `intervalMs`; returns a function that stops it. */
export function startReconciler(
  prisma: PrismaClient,
  queue: AnalyzeSegmentQueue,
  options: { pipelineVersion: string; intervalMs: number; logger: Logger },
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return; // a slow pass is still going; the next interval picks up the rest
    running = reconcile(prisma, queue, options)
      .then(
        (r) => {
          if (r.enqueued.length)
            options.logger.info({ enqueued: r.enqueued.length, checked: r.checked }, 'reconciler re-enqueued segments');
        },
        (err: unknown) => options.logger.warn({ err }, 'reconcile failed; will retry'),
      )
      .finally(() => {
        running = null;
      });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    if (running) await running;
  };
}
