import { startAnalysisWorker } from '../workers/analysis-worker.js';
import { buildApp } from './api/app.js';
import { startServices } from './api/services.js';

/** `npm start`: the API and one analysis worker in one process, for a single machine. */
const services = await startServices();
const { prisma, config, logger } = services.deps;
const worker = startAnalysisWorker({ prisma, config: { ...config, WORKER_CONCURRENCY: 1 }, logger: logger.child({ component: 'analysis-worker' }) });
services.onShutdown(() => worker.close());
const app = await buildApp(services.deps);
services.onShutdown(() => app.close());
await app.listen({ port: config.PORT, host: config.HOST });
logger.info({ pipelineVersion: config.PIPELINE_VERSION }, 'API and analysis worker running');
