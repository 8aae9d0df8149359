import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { singleLine } from '../../core/text.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { notFound } from '../problem.js';
import { apiKeyResponse, createdApiKeyResponse, idParams, meResponse, secured } from '../schemas.js';

const createBody = z.strictObject({
  role: z.enum(['officer', 'ops', 'admin']),
  label: singleLine(100).describe('whose key this is, e.g. "Officer Kim, Mapo station"'),
});

const ADMIN = { roles: ['admin'] } as const;

const keyRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma }) => {
  app.get(
    '/auth/me',
    {
      config: { roles: ['officer', 'ops'] },
      schema: {
        tags: ['keys'],
        summary: "The caller: key or user, id, role and label (and a session's CSRF token)",
        security: secured,
        response: { 200: meResponse },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return p.kind === 'key'
        ? { kind: p.kind, id: p.id, role: p.role, label: p.label, prefix: p.prefix }
        : { kind: p.kind, id: p.id, role: p.role, label: p.label, username: p.username, csrfToken: p.csrfToken };
    },
  );

  app.post(
    '/keys',
    {
      config: ADMIN,
      schema: {
        tags: ['keys'],
        summary: 'Create an API key; the secret is in this response only',
        body: createBody,
        security: secured,
        response: { 201: createdApiKeyResponse },
      },
    },
    async (request, reply) => {
      const { secret, ...key } = await createApiKey(prisma, { ...request.body, actor: actorOf(principalOf(request)) });
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...key, key: secret });
    },
  );

  app.get(
    '/keys',
    {
      config: ADMIN,
      schema: {
        tags: ['keys'],
        summary: 'List API keys (never their secrets)',
        security: secured,
        response: { 200: z.object({ items: z.array(apiKeyResponse) }) },
      },
    },
    async () => ({ items: await listApiKeys(prisma) }),
  );

  app.post(
    '/keys/:id/revoke',
    {
      config: ADMIN,
      schema: {
        tags: ['keys'],
        summary: 'Revoke an API key',
        params: idParams,
        security: secured,
        response: { 200: apiKeyResponse },
      },
    },
    async (request) => {
      const key = await revokeApiKey(prisma, { id: request.params.id, actor: actorOf(principalOf(request)) });
      if (!key) throw notFound('api key', request.params.id);
      // the trigger's NOTIFY reaches this process too, but maybe after the caller's next request
      app.apiKeys.forget();
      return key;
    },
  );
};

export default keyRoutes;
