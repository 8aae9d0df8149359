import { setTimeout as sleep } from 'node:timers/promises';
import type { Worker } from 'bullmq';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import { createRedisConnection } from '../queue/connection.js';
import { createQueue, type AnalyzeSegmentQueue } from '../queue/queues.js';
import { startBatchCompleter } from './batch-completer.js';
import { closeBatchRedis, createBatchRedis } from './batch-flow.js';
import { getBatch, type BatchDeps, type BatchView } from './batch-service.js';

export interface BatchRuntime {
  deps: BatchDeps;
  queue: AnalyzeSegmentQueue;
  completer: Worker;
  close(): Promise<void>;
}

/** Redis clients, the analyze queue and a batch completer for a process outside the API (CLI, bench, tests). */
export function openBatchRuntime(o: {
  prisma: PrismaClient;
  redisUrl: string;
  logger: Logger;
  /** QUEUE_PREFIX, or a test's or bench's own */
  prefix: string;
}): BatchRuntime {
  const connection = createRedisConnection(o.redisUrl, 'worker');
  const queue = createQueue('analyze', { connection, prefix: o.prefix });
  const deps: BatchDeps = { prisma: o.prisma, redis: createBatchRedis(connection, queue), logger: o.logger };
  const completer = startBatchCompleter(deps);
  return {
    deps,
    queue,
    completer,
    async close() {
      await completer.close();
      await closeBatchRedis(deps.redis);
      await queue.close();
      connection.disconnect();
    },
  };
}

/** Analysis workers connected to the queue, as BullMQ sees them (each names its Redis client). */
export async function workersOnline(queue: AnalyzeSegmentQueue): Promise<number> {
  return (await queue.getWorkers()).length;
}

/** Polls until the batch is no longer running; `onProgress` sees every poll. */
export async function waitForBatch(
  deps: BatchDeps,
  batchId: string,
  onProgress: (b: BatchView) => void = () => {},
  intervalMs = 500,
): Promise<BatchView> {
  for (;;) {
    const batch = await getBatch(deps, batchId);
    if (!batch) throw new Error(`batch ${batchId} disappeared`);
    onProgress(batch);
    if (batch.status !== 'running') return batch;
    await sleep(intervalMs);
  }
}
