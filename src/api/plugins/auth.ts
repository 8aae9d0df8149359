import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { PrismaClient } from '../../db/client.js';
import { findActiveApiKey } from '../../db/api-keys.js';
import type { ApiPrincipal, ApiRole } from '../deps.js';
import { HttpProblem } from '../problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route (admin always may). Absent = the route is public. */
    roles?: readonly ApiRole[];
  }
  interface FastifyRequest {
    /** Set on every route that declares `config.roles`. */
    principal: ApiPrincipal | null;
  }
}

const unauthorized = (detail: string) => new HttpProblem(401, '/problems/unauthorized', detail);

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * `Authorization: Bearer <key>` checked against the sha256 stored for live keys, then the route's
 * `config.roles`. Runs in onRequest, before the body is read, so a refused caller costs no upload.
 */
async function auth(app: FastifyInstance, opts: { prisma: PrismaClient }): Promise<void> {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request, reply) => {
    const roles = request.routeOptions.config.roles;
    if (!roles) return;
    const token = bearerToken(request);
    if (!token) {
      reply.header('www-authenticate', 'Bearer');
      throw unauthorized('an API key is required: send "Authorization: Bearer <key>"');
    }
    const key = await findActiveApiKey(opts.prisma, token);
    if (!key) {
      reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw unauthorized('the API key is unknown or revoked');
    }
    request.principal = { keyId: key.id, role: key.role, label: key.label, prefix: key.prefix };
    if (key.role !== 'admin' && !roles.includes(key.role)) {
      throw new HttpProblem(403, '/problems/forbidden', `role ${key.role} may not call this route`, {
        allowedRoles: [...roles, 'admin'],
      });
    }
  });
}

/** The principal of an authenticated route; routes with `config.roles` always have one. */
export function principalOf(request: FastifyRequest): ApiPrincipal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} has no config.roles`);
  return request.principal;
}

export default fp(auth, { name: 'auth', fastify: '5.x' });
