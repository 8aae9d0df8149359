import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DEFAULT_SIGN_WARNINGS, SIGN_DEFAULTS, type SignWarning } from '../../core/sign-warning.js';
import { singleLine } from '../../core/text.js';
import { getCamera } from '../../db/cameras.js';
import {
  createSignToken,
  getSignSettings,
  isSignTokenActive,
  listSignTokens,
  putSignSettings,
  revokeSignToken,
} from '../../db/signs.js';
import { ZoneKind } from '../../generated/prisma/enums.js';
import type { RouteDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf, signTokenOf } from '../plugins/auth.js';
import { HttpProblem, notFound } from '../problem.js';
import { runRevocableStream } from '../revocable-stream.js';
import { idParams, secured } from '../schemas.js';

const OPS = { roles: ['ops'] } as const;
const READERS = { roles: ['ops', 'officer'] } as const;
/** How long the sign's page waits before reconnecting a dropped stream (the SSE `retry` field). */
const RECONNECT_MS = 2_000;

const settingsBody = z.strictObject({
  warningText: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .nullable()
    .default(null)
    .describe('shown large under the plate and spoken; null = the default for the zone kind (warningsByZoneKind)'),
  displaySeconds: z.int().min(3).max(120).default(SIGN_DEFAULTS.displaySeconds).describe('how long a warning stays up'),
  speak: z
    .boolean()
    .default(SIGN_DEFAULTS.speak)
    .describe("speak the warning where the sign's browser has a Korean voice"),
});

const settingsResponse = z.object({
  cameraId: z.string(),
  warningText: z.string().nullable(),
  displaySeconds: z.int(),
  speak: z.boolean(),
  updatedAt: z.date().nullable().describe('null while the sign has its defaults'),
  warningsByZoneKind: z.record(z.enum(ZoneKind), z.string()).describe('what the sign says for each zone kind'),
});

const tokenBody = z.strictObject({
  label: singleLine(100).describe('where the sign is, e.g. "LED board, Deoksan-ro north"'),
});

const tokenResponse = z.object({
  id: z.string(),
  cameraId: z.string(),
  prefix: z.string(),
  label: z.string(),
  createdAt: z.date(),
  revokedAt: z.date().nullable(),
});

const createdTokenResponse = tokenResponse.extend({
  token: z.string().describe('shown only in this response'),
  signPath: z.string().describe("the sign page with the token in the URL's fragment: open it on the sign"),
});

const streamParams = z.strictObject({ cameraId: z.uuid() });

function warningEvent(warning: SignWarning): string {
  return `event: warning\ndata: ${JSON.stringify(warning)}\n\n`;
}

/**
 * The warning sign beside a camera: ops set what it says and give each sign a token of its own; the sign's page
 * (/sign/:cameraId, served with the console) reads the camera's warnings with that token and nothing else.
 */
const signRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { prisma } = deps;
  const streams = new Set<() => void>();
  // Open streams never end by themselves; end them first or closing the server would wait for them.
  app.addHook('preClose', async () => {
    for (const end of streams) end();
  });

  const cameraOr404 = async (id: string) => {
    if (!(await getCamera(prisma, id))) throw notFound('camera', id);
  };
  const settingsOf = async (cameraId: string) => {
    const settings = await getSignSettings(prisma, cameraId);
    const warningsByZoneKind = Object.fromEntries(
      Object.entries(DEFAULT_SIGN_WARNINGS).map(([kind, text]) => [kind, settings.warningText ?? text]),
    ) as Record<ZoneKind, string>;
    return { ...settings, warningsByZoneKind };
  };

  app.get(
    '/cameras/:id/sign',
    {
      config: READERS,
      schema: {
        tags: ['signs'],
        summary: "What the camera's warning sign says, and for how long",
        params: idParams,
        security: secured,
        response: { 200: settingsResponse },
      },
    },
    async (request) => {
      await cameraOr404(request.params.id);
      return settingsOf(request.params.id);
    },
  );

  app.put(
    '/cameras/:id/sign',
    {
      config: OPS,
      schema: {
        tags: ['signs'],
        summary: "Set what the camera's warning sign says, and for how long",
        params: idParams,
        body: settingsBody,
        security: secured,
        response: { 200: settingsResponse },
      },
    },
    async (request) => {
      await cameraOr404(request.params.id);
      await putSignSettings(prisma, request.params.id, request.body, actorOf(principalOf(request)));
      return settingsOf(request.params.id);
    },
  );

  app.get(
    '/cameras/:id/sign/tokens',
    {
      config: OPS,
      schema: {
        tags: ['signs'],
        summary: "The camera's sign tokens (never the tokens themselves)",
        params: idParams,
        security: secured,
        response: { 200: z.object({ items: z.array(tokenResponse) }) },
      },
    },
    async (request) => {
      await cameraOr404(request.params.id);
      return { items: await listSignTokens(prisma, request.params.id) };
    },
  );

  app.post(
    '/cameras/:id/sign/tokens',
    {
      config: OPS,
      schema: {
        tags: ['signs'],
        summary: "Create a read-only token for one of the camera's signs; the token is in this response only",
        params: idParams,
        body: tokenBody,
        security: secured,
        response: { 201: createdTokenResponse },
      },
    },
    async (request, reply) => {
      const cameraId = request.params.id;
      await cameraOr404(cameraId);
      const { secret, ...token } = await createSignToken(prisma, {
        cameraId,
        label: request.body.label,
        actor: actorOf(principalOf(request)),
      });
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...token, token: secret, signPath: `/sign/${cameraId}#token=${secret}` });
    },
  );

  app.post(
    '/sign-tokens/:id/revoke',
    {
      config: OPS,
      schema: {
        tags: ['signs'],
        summary: 'Revoke a sign token: its sign stream ends within seconds',
        params: idParams,
        security: secured,
        response: { 200: tokenResponse },
      },
    },
    async (request) => {
      const token = await revokeSignToken(prisma, { id: request.params.id, actor: actorOf(principalOf(request)) });
      if (!token) throw notFound('sign token', request.params.id);
      return token;
    },
  );

  app.get(
    '/sign/:cameraId/stream',
    {
      config: { sign: true },
      schema: {
        tags: ['signs'],
        summary:
          "Server-sent events for the camera's sign, with its sign token: one `warning` event per violation as its rule fires, `end` when the token is revoked",
        params: streamParams,
        security: [{ signToken: [] }],
      },
    },
    async (request, reply) => {
      const alerting = deps.runtime.alerting;
      if (!alerting) throw new HttpProblem(503, '/problems/unavailable', 'the sign stream is not running yet');
      const { id: tokenId, cameraId } = signTokenOf(request);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      res.write(`: connected\nretry: ${RECONNECT_MS}\n\n`);
      const showing = alerting.hub.signShowing(cameraId);
      if (showing) res.write(warningEvent(showing));
      runRevocableStream({
        request,
        res,
        credential: 'sign stream token',
        isActive: () => isSignTokenActive(prisma, tokenId),
        revokedReason: 'token_revoked',
        subscribe: (send) => alerting.hub.subscribeSign(cameraId, (warning) => send(warningEvent(warning))),
        open: streams,
      });
    },
  );
};

export default signRoutes;
