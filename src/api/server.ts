import { buildApp } from './app.js';
import { startServices } from './services.js';

/** `npm run api`: the HTTP API alone (run workers with `npm run worker`). */
const services = startServices();
const app = await buildApp(services.deps);
services.onShutdown(() => app.close());
await app.listen({ port: services.deps.config.PORT, host: services.deps.config.HOST });
