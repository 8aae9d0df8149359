import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { singleLine } from '../../core/text.js';
import {
  createSubscription,
  listDeliveries,
  listSubscriptions,
  revokeSubscription,
} from '../../alerts/subscriptions.js';
import type { ViolationAlert } from '../../alerts/violation-alert.js';
import { allowedHosts, webhookTargetProblem } from '../../alerts/webhook-target.js';
import { getCamera } from '../../db/cameras.js';
import type { RouteDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { credentialCheck, principalOf, sessionPolicy } from '../plugins/auth.js';
import { HttpProblem, notFound, unprocessable } from '../problem.js';
import { runRevocableStream } from '../revocable-stream.js';
import { idParams, secured } from '../schemas.js';

const subscriptionBody = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2000)
    .describe(
      'receives POSTs signed with x-motoguard-signature: v1=HMAC-SHA256(secret, `${x-motoguard-timestamp}.${body}`)',
    ),
  label: singleLine(100),
  cameraId: z.uuid().nullable().optional().describe('only this camera; absent = every camera'),
});

const streamQuery = z.strictObject({ cameraId: z.uuid().optional() });
const deliveriesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) });

const OPS = { roles: ['ops'] } as const;
/** Sign controllers hold an officer or ops key. */
const LISTENERS = { roles: ['officer', 'ops'] } as const;

function sseEvent(alert: ViolationAlert): string {
  return `id: ${alert.violation.id}\nevent: violation\ndata: ${JSON.stringify(alert)}\n\n`;
}

const alertRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { prisma } = deps;
  const streams = new Set<() => void>();
  // Open streams never end by themselves; end them first or closing the server would wait for them.
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  app.post(
    '/alerts/webhooks',
    {
      config: OPS,
      schema: {
        tags: ['alerts'],
        summary: 'Subscribe a URL to violation alerts; the signing secret is shown once',
        body: subscriptionBody,
        security: secured,
      },
    },
    async (request, reply) => {
      const { cameraId } = request.body;
      if (cameraId && !(await getCamera(prisma, cameraId))) throw notFound('camera', cameraId);
      const refused = await webhookTargetProblem(request.body.url, allowedHosts(deps.config.WEBHOOK_ALLOWED_HOSTS));
      if (refused)
        throw unprocessable('webhook-target-refused', refused, {
          errors: [{ in: 'body', pointer: '/url', detail: refused }],
        });
      const row = await createSubscription(prisma, request.body, actorOf(principalOf(request)));
      return reply.code(201).header('location', `/alerts/webhooks/${row.id}`).send(row);
    },
  );

  app.get(
    '/alerts/webhooks',
    {
      config: OPS,
      schema: { tags: ['alerts'], summary: 'Webhook subscriptions (without secrets)', security: secured },
    },
    async () => ({ items: await listSubscriptions(prisma) }),
  );

  app.delete(
    '/alerts/webhooks/:id',
    {
      config: OPS,
      schema: { tags: ['alerts'], summary: 'Revoke a webhook subscription', params: idParams, security: secured },
    },
    async (request, reply) => {
      if (!(await revokeSubscription(prisma, request.params.id, actorOf(principalOf(request))))) {
        throw notFound('webhook subscription', request.params.id);
      }
      return reply.code(204).send();
    },
  );

  app.get(
    '/alerts/webhooks/:id/deliveries',
    {
      config: OPS,
      schema: {
        tags: ['alerts'],
        summary: 'Delivery log: attempts, last response, outcome',
        params: idParams,
        querystring: deliveriesQuery,
        security: secured,
      },
    },
    async (request) => {
      const sub = await prisma.webhookSubscription.findUnique({
        where: { id: request.params.id },
        select: { id: true },
      });
      if (!sub) throw notFound('webhook subscription', request.params.id);
      return { items: await listDeliveries(prisma, sub.id, request.query.limit) };
    },
  );

  app.get(
    '/alerts/stream',
    {
      config: LISTENERS,
      schema: {
        tags: ['alerts'],
        summary: 'Server-sent events: one `violation` event per violation as it is recorded',
        querystring: streamQuery,
        security: secured,
      },
    },
    async (request, reply) => {
      const alerting = deps.runtime.alerting;
      if (!alerting) throw new HttpProblem(503, '/problems/unavailable', 'the alert stream is not running yet');
      const { cameraId } = request.query;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      res.write(': connected\n\n');
      runRevocableStream({
        request,
        res,
        credential: 'alert stream credential',
        ...credentialCheck(prisma, sessionPolicy(deps.config), principalOf(request)),
        subscribe: (send) =>
          alerting.hub.subscribe((alert) => {
            if (!cameraId || alert.violation.cameraId === cameraId) send(sseEvent(alert));
          }),
        open: streams,
      });
    },
  );
};

export default alertRoutes;
