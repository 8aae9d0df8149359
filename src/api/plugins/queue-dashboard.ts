import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { createQueue, QUEUES, type QueueKey } from '../../queue/queues.js';
import { actorOf, type ApiDeps } from '../deps.js';
import { principalOf } from './auth.js';
import { problemErrorHandler } from './problem-details.js';

/** Where the dashboard is served. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** The dashboard's page loads only its own scripts and styles (its inline styles included); no web fonts from afar. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * bull-board over every queue of this installation (QUEUE_PREFIX), for admins only: each of its routes, page,
 * assets and API alike, takes the admin role through the auth plugin, and its errors (a 401 or 403 first of all)
 * are problem+json like the rest of the API. Changes made through it (retry, remove, pause) are logged with the
 * admin who made them.
 */
export default async function queueDashboard(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const prefix = deps.queue.opts.prefix ?? deps.config.QUEUE_PREFIX;
  const others = (Object.keys(QUEUES) as QueueKey[])
    .filter((k) => k !== 'analyze')
    .map((k) => createQueue(k, { connection: deps.queue.opts.connection, prefix }));
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: [deps.queue, ...others].map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'motoguard queues' } },
  });

  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, roles: ['admin'], sameOriginCsrf: true };
      route.errorHandler = (error, request, reply) => {
        void problemErrorHandler(error, request, reply);
      };
    });
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    });
    scope.addHook('onResponse', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD' || !request.principal) return;
      const principal = principalOf(request);
      request.log.warn(
        {
          actor: actorOf(principal),
          label: principal.label,
          method: request.method,
          url: request.url,
          status: reply.statusCode,
        },
        'queue dashboard: change by an admin',
      );
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
  app.addHook('onClose', async () => {
    await Promise.all(others.map((q) => q.close()));
  });
}
