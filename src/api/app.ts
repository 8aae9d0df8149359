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
 * The web console (src/web/serve.ts) and POST /auth/login are registered outside that scope and are public; the
 * console talks to the API with the session cookie its sign-in set (or, for compatibility, an API key).
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import webConsole from '../web/serve.js';
import type { ApiDeps, RouteDeps } from './deps.js';
import keyCache from './key-cache.js';
import violationPageCache from './violation-page-cache.js';
import auth, { sessionPolicy } from './plugins/auth.js';
import bodyDeadline from './plugins/body-deadline.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import problemDetails, { sendProblem } from './plugins/problem-details.js';
import queueDashboard from './plugins/queue-dashboard.js';
import { badRequest } from './problem.js';
import alertRoutes from './routes/alerts.js';
import batchRoutes from './routes/batches.js';
import cameraRoutes from './routes/cameras.js';
import caseFileRoutes, { caseFilePublicKeyRoutes } from './routes/case-files.js';
import defaultsRoutes from './routes/defaults.js';
import detectorViewRoutes from './routes/detector-view.js';
import evidenceRoutes from './routes/evidence.js';
import feedRoutes from './routes/feeds.js';
import healthRoutes from './routes/health.js';
import keyRoutes from './routes/keys.js';
import reanalysisRoutes from './routes/reanalysis.js';
import reviewRoutes from './routes/reviews.js';
import segmentUploadRoutes from './routes/segment-upload.js';
import segmentRoutes from './routes/segments.js';
import sessionRoutes, { loginRoutes } from './routes/sessions.js';
import signRoutes from './routes/signs.js';
import statsRoutes from './routes/stats.js';
import userRoutes from './routes/users.js';
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
    reanalysisRoutes,
    violationRoutes,
    reviewRoutes,
    caseFileRoutes,
    evidenceRoutes,
    verifyRoutes,
    keyRoutes,
    batchRoutes,
    alertRoutes,
    feedRoutes,
    signRoutes,
    defaultsRoutes,
    detectorViewRoutes,
    sessionRoutes,
    userRoutes,
    statsRoutes,
  ];
  for (const routes of modules) await app.register(routes, deps);
}

/**
 * Control characters no input of any route has a use for: C0 but tab and line breaks, DEL, C1. Postgres
 * keeps no NUL in text at all (a 500 there); the rest would be stored and shown. Fields that must be one
 * line refuse tabs and line breaks too (core/text.ts).
 */
const STRAY_CONTROL = /(?![\t\n\r])\p{Cc}/u;
/** Deeper than any input of ours (a zone's schedule is 4 levels), shallow enough to walk and validate safely. */
const MAX_DEPTH = 32;

/** What is wrong with a string holding a stray control character, if it holds one. */
function controlProblem(text: string): string | undefined {
  const found = STRAY_CONTROL.exec(text)?.[0];
  if (found === undefined) return undefined;
  if (found === '\u0000') return 'contains a NUL character';
  return `contains the control character U+${found.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** JSON Pointer to the first string (or key) holding a stray control character or nested too deep, and why. */
function strayInput(value: unknown, pointer = '', depth = 0): { pointer: string; detail: string } | undefined {
  if (typeof value === 'string') {
    const detail = controlProblem(value);
    return detail === undefined ? undefined : { pointer, detail };
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth === MAX_DEPTH) return { pointer, detail: `nested deeper than ${MAX_DEPTH} levels` };
  for (const [key, child] of Object.entries(value)) {
    const at = `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const keyDetail = controlProblem(key);
    if (keyDetail !== undefined) return { pointer: at, detail: keyDetail };
    const found = strayInput(child, at, depth + 1);
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
    // a path that is not valid percent-encoding, or a parameter too long to route: the client's, as problem+json
    frameworkErrors: (error, request, reply) => {
      const status = error.statusCode ?? 400;
      void sendProblem(reply, {
        type: '/problems/bad-request',
        title: STATUS_CODES[status] ?? 'Bad Request',
        status,
        detail: error.message,
        instance: request.url.split('?')[0] ?? request.url,
        requestId: request.id,
      });
    },
  });
  // The API speaks JSON (and multipart for uploads); a text/plain body is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // A stray control character or a JSON bomb of nesting in any input is the client's mistake (400), not a 500
  // or a stored escape sequence.
  app.addHook('preValidation', (request, _reply, done) => {
    const parts = { body: request.body, querystring: request.query, params: request.params };
    for (const [part, value] of Object.entries(parts)) {
      const found = strayInput(value);
      if (found !== undefined) {
        done(badRequest(`${part}${found.pointer}: ${found.detail}`, { errors: [{ in: part, ...found }] }));
        return;
      }
    }
    done();
  });

  await app.register(problemDetails);
  // before auth, so that a refused request's body is bounded too
  await app.register(bodyDeadline, { bodyTimeoutMs: deps.config.BODY_TIMEOUT_MS });
  await app.register(keyCache, { prisma: deps.prisma, databaseUrl: deps.config.DATABASE_URL, logger: deps.logger });
  await app.register(violationPageCache, {
    prisma: deps.prisma,
    databaseUrl: deps.config.DATABASE_URL,
    logger: deps.logger,
  });
  await app.register(auth, { prisma: deps.prisma, sessions: sessionPolicy(deps.config) });
  await app.register(openapi);
  await app.register(metrics, { queue: deps.queue });
  await app.register(queueDashboard, deps);
  await app.register(healthRoutes, deps);
  await app.register(caseFilePublicKeyRoutes, deps);
  await app.register(loginRoutes, deps);
  await app.register(apiRoutes, { ...deps, runtime: attachRuntime(app, deps, background) });
  await app.register(webConsole);
  return app;
}
