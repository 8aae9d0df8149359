import { loadConfig } from '../src/config.js';
import { createPrisma } from '../src/db/client.js';
import { createLogger } from '../src/logger.js';
import { startAnalysisWorker } from '../src/queue/analysis-worker.js';
import { releaseSessions } from '../src/vision/session-cache.js';

/** `npm run worker`: one analysis worker process (its job handler lives in src/queue/analysis-worker.ts). */
function main(): void {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'analysis-worker');
  const prisma = createPrisma(config.DATABASE_URL);
  const handle = startAnalysisWorker({ prisma, config, logger });
  logger.info(
    { concurrency: config.WORKER_CONCURRENCY, pipelineVersion: config.PIPELINE_VERSION },
    'analysis worker started',
  );
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'finishing the current jobs, then stopping');
    handle
      .close()
      // No job runs any more: the ONNX sessions can go.
      .then(() => releaseSessions())
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
