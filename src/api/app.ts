/*
 * Route plugin contract (for every src/api/routes/*.ts):
 *   const routes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => { ... }; export default routes;
 *   `deps` is RouteDeps from ./deps.ts: { prisma, queue (analyze-segment BullMQ Queue), config, logger,
 *   runtime (batch producer and alert hub, opened when the server starts) }. Route modules register routes
 *   only: what runs in the background is decided by the process's entry point (buildApp's `background`).
 *   Every route inside the API scope must declare `config: { roles: [...] }` (officer | ops | admin;
 *   admin always passes); then `principalOf(request)` from ./plugins/auth.ts gives the caller. A sign's
 *   stream declares `config: { sign: true }` instead and takes only that camera's sign token (signTokenOf).
 *   Throw HttpProblem (./problem.ts) for 4xx; any other error becomes a logged 500 problem.
 * The web console (src/web/serve.ts) is registered outside that scope and is public; it talks to the
 * API with the user's key.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import webConsole from '../web/serve.js';
import type { ApiDeps, RouteDeps } from './deps.js';
import auth from './plugins/auth.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import problemDetails from './plugins/problem-details.js';
import { badRequest } from './problem.js';
import alertRoutes from './routes/alerts.js';
import batchRoutes from './routes/batches.js';
import cameraRoutes from './routes/cameras.js';
import evidenceRoutes from './routes/evidence.js';
import feedRoutes from './routes/feeds.js';
import healthRoutes from './routes/health.js';
import keyRoutes from './routes/keys.js';
import reviewRoutes from './routes/reviews.js';
import segmentUploadRoutes from './routes/segment-upload.js';
import segmentRoutes from './routes/segments.js';
import signRoutes from './routes/signs.js';
import verifyRoutes from './routes/verify.js';
import violationRoutes from './routes/violations.js';
import zoneRoutes from './routes/zones.js';
import { attachRuntime, NO_BACKGROUND, type ApiBackground } from './runtime.js';

export const JSON_BODY_LIMIT = 1024 * 1024;

async function apiRoutes(app: FastifyInstance, deps: RouteDeps): Promise<void> {
  // Default-deny: a route that forgets to name its roles would be public, so refuse to start instead.
  app.addHook('onRoute', (route) => {
    if (!route.config?.roles?.length && !route.config?.sign)
      throw new Error(`API route ${String(route.method)} ${route.url} declares no config.roles`);
  });
  const modules = [
    cameraRoutes,
    zoneRoutes,
    segmentRoutes,
    segmentUploadRoutes,
    violationRoutes,
    reviewRoutes,
    evidenceRoutes,
    verifyRoutes,
    keyRoutes,
    batchRoutes,
    alertRoutes,
    feedRoutes,
    signRoutes,
  ];
  for (const routes of modules) await app.register(routes, deps);
}

/** JSON Pointer to the first string holding a NUL character, if any. */
function nulPointer(value: unknown, pointer = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? pointer : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    if (key.includes('\u0000')) return `${pointer}/${key}`;
    const found = nulPointer(child, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The whole HTTP surface; call `ready()` or `listen()` on the result. `background` says which queue
 * workers the process runs beside the routes (none unless its entry point asks).
 */
export async function buildApp(deps: ApiDeps, background: ApiBackground = NO_BACKGROUND): Promise<FastifyInstance> {
  // Typed as Fastify's base logger so the instance is the plain FastifyInstance the routes take.
  const logger: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: JSON_BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  });
  // The API speaks JSON (and multipart for uploads); a text/plain body is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Postgres keeps no NUL character in text: one in any input is the client's mistake (400), not a 500.
  app.addHook('preValidation', (request, _reply, done) => {
    const parts = { body: request.body, querystring: request.query, params: request.params };
    for (const [part, value] of Object.entries(parts)) {
      const pointer = nulPointer(value);
      if (pointer !== undefined) {
        done(
          badRequest('text may not contain the NUL character (\\u0000)', {
            errors: [{ in: part, pointer, detail: 'contains a NUL character' }],
          }),
        );
        return;
      }
    }
    done();
  });

  await app.register(problemDetails);
  await app.register(auth, { prisma: deps.prisma });
  await app.register(openapi);
  await app.register(metrics, { queue: deps.queue });
  await app.register(healthRoutes, deps);
  await app.register(apiRoutes, { ...deps, runtime: attachRuntime(app, deps, background) });
  await app.register(webConsole);
  return app;
}
