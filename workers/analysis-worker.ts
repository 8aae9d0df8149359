import { startWebhookWorker } from '../src/alerts/webhook-deliveries.js';
import { allowedHosts } from '../src/alerts/webhook-target.js';
import { startBatchCompleter } from '../src/batch/batch-completer.js';
import { closeBatchRedis, createBatchRedis } from '../src/batch/batch-flow.js';
import { reviveBatches } from '../src/batch/batch-service.js';
import { loadConfig } from '../src/config.js';
import { createPrisma } from '../src/db/client.js';
import { createLogger } from '../src/logger.js';
import { startAnalysisWorker } from '../src/queue/analysis-worker.js';
import { createRedisConnection } from '../src/queue/connection.js';
import { createQueue, startQueueWorkers } from '../src/queue/queues.js';
import { releaseSessions } from '../src/vision/session-cache.js';

/**
 * `npm run worker`: the queue workers of one process. The analysis worker (its job handler lives in
 * src/queue/analysis-worker.ts), the batch completer (closes a batch once its segments are analysed)
 * and the webhook deliveries, so that `npm run api` need run no worker of its own.
 */
function main(): void {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'analysis-worker');
  const prisma = createPrisma(config.DATABASE_URL);
  const connection = createRedisConnection(config.REDIS_URL, 'worker');
  const batchRedis = createBatchRedis(connection, createQueue('analyze', { connection, prefix: config.QUEUE_PREFIX }));
  const batchDeps = { prisma, redis: batchRedis, logger: logger.child({ component: 'batches' }) };
  // one worker per queue of the registry; a queue added without one here stops the process from starting
  const workers = startQueueWorkers<{ close(): Promise<void> }>({
    analyze: () =>
      startAnalysisWorker({
        prisma,
        config,
        logger,
        reconcileIntervalMs: config.RECONCILE_INTERVAL_MS,
        reconcilePasses: [{ name: 'batches', run: () => reviveBatches(batchDeps) }],
      }),
    batchComplete: () => startBatchCompleter(batchDeps),
    webhookDelivery: () =>
      startWebhookWorker(
        prisma,
        connection,
        logger.child({ component: 'webhooks' }),
        allowedHosts(config.WEBHOOK_ALLOWED_HOSTS),
        config.QUEUE_PREFIX,
      ),
  });
  logger.info(
    { concurrency: config.WORKER_CONCURRENCY, pipelineVersion: config.PIPELINE_VERSION },
    'analysis worker, batch completer and webhook deliveries started',
  );
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'finishing the current jobs, then stopping');
    Promise.all(workers.map((w) => w.close()))
      // No job runs any more: the ONNX sessions can go.
      .then(() => releaseSessions())
      .then(() => Promise.all([closeBatchRedis(batchRedis), batchRedis.analyzeQueue.close()]))
      .then(() => connection.disconnect())
      .then(() => prisma.$disconnect())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'unclean shutdown');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main();
