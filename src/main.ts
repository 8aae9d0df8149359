import { startAuditCheckpoints } from './audit/checkpointer.js';
import { startAnalysisWorker } from './queue/analysis-worker.js';
import { buildApp } from './api/app.js';
import { ALL_BACKGROUND } from './api/runtime.js';
import { startServices } from './api/services.js';
import { releaseSessions } from './vision/session-cache.js';

/** `npm start`: the API, the audit checkpoints and one analysis worker in one process, for a single machine. */
const services = startServices();
const { prisma, config, logger } = services.deps;
// Registered first, so it runs last: the final checkpoint anchors what the worker and the API wrote until then.
const checkpoints = await startAuditCheckpoints(services.deps);
services.onShutdown(() => checkpoints.close());
// Shutdown steps run last registered first: the ONNX sessions go after the worker has finished its jobs.
services.onShutdown(releaseSessions);
const worker = startAnalysisWorker({
  prisma,
  config: { ...config, WORKER_CONCURRENCY: 1 },
  logger: logger.child({ component: 'analysis-worker' }),
});
services.onShutdown(() => worker.close());
const app = await buildApp(services.deps, ALL_BACKGROUND);
services.onShutdown(() => app.close());
await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ pipelineVersion: config.PIPELINE_VERSION }, 'API and analysis worker running');
