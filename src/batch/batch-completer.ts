import { Worker } from 'bullmq';
import { BATCH_QUEUE, type BatchJobData } from './batch-flow.js';
import { completeBatch, type BatchDeps } from './batch-service.js';

/**
 * Processes batch parents. BullMQ hands a parent to a worker only once all its children have completed or
 * failed, so running it means the batch is finished. Cheap: one per process that may create batches is plenty.
 */
export function startBatchCompleter(deps: BatchDeps): Worker<BatchJobData> {
  const worker = new Worker<BatchJobData>(BATCH_QUEUE, async (job) => completeBatch(deps, job.data.batchId, job.id!), {
    connection: deps.redis.connection,
    prefix: deps.redis.prefix,
    concurrency: 4,
  });
  worker.on('error', (err) => deps.logger.error({ err }, 'batch completer error'));
  return worker;
}
