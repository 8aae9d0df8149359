import { startAuditCheckpoints } from '../audit/checkpointer.js';
import { buildApp } from './app.js';
import { backgroundFrom } from './runtime.js';
import { startServices } from './services.js';

/**
 * `npm run api`: the HTTP API and the audit checkpoints, with the queue workers API_WORKERS names and no others
 * (`npm run worker` runs them all).
 */
const services = startServices();
// Registered first, so it runs last: the final checkpoint anchors what requests answered during shutdown wrote.
const checkpoints = await startAuditCheckpoints(services.deps);
services.onShutdown(() => checkpoints.close());
const app = await buildApp(services.deps, backgroundFrom(services.deps.config.API_WORKERS));
services.onShutdown(() => app.close());
await app.listen({ port: services.deps.config.PORT, host: services.deps.config.HOST });
