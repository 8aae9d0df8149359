import { createWorker, type JobWorker } from '../queue/queues.js';
import { completeBatch, type BatchDeps } from './batch-service.js';

/**
 * Processes batch parents. BullMQ hands a parent to a worker only once all its children have completed or
 * failed, so running it means the batch is finished. Cheap: one worker is plenty.
 */
export function startBatchCompleter(deps: BatchDeps): JobWorker<'batchComplete'> {
  const worker = createWorker('batchComplete', async (job) => completeBatch(deps, job.data.batchId, job.id!), {
    connection: deps.redis.connection,
    prefix: deps.redis.prefix,
  });
  worker.on('error', (err) => deps.logger.error({ err }, 'batch completer error'));
  return worker;
}
