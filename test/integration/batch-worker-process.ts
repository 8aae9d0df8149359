/**
 * An analysis worker in a process of its own, for tests that kill one midway (tsx this file). Env: DATABASE_URL,
 * REDIS_URL, EVIDENCE_ROOT, QUEUE_PREFIX. The reconciler is off: batch children are the only jobs wanted here.
 */
import { startAnalysisWorker } from '../../src/queue/analysis-worker.js';
import { loadConfig } from '../../src/config.js';
import { createPrisma } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';

const config = loadConfig();
const prisma = createPrisma(config.DATABASE_URL);
const handle = startAnalysisWorker({
  prisma,
  config,
  logger: createLogger(config.LOG_LEVEL, 'test-worker'),
  prefix: process.env.QUEUE_PREFIX,
  reconcileIntervalMs: 0,
});
await handle.worker.waitUntilReady();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void handle.close().then(() => process.exit(0));
});
