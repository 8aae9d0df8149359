import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { PrismaClient } from '../../db/client.js';
import { findActiveApiKey } from '../../db/api-keys.js';
import { findActiveSignToken, type SignTokenView } from '../../db/signs.js';
import type { ApiPrincipal, ApiRole } from '../deps.js';
import { forbidden, HttpProblem } from '../problem.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route (admin always may). Absent = the route is public. */
    roles?: readonly ApiRole[];
    /**
     * The route is a sign's stream: it takes the sign token of the camera named by its `:cameraId`, and no API
     * key. A sign token opens no other route.
     */
    sign?: true;
  }
  interface FastifyRequest {
    /** Set on every route that declares `config.roles`. */
    principal: ApiPrincipal | null;
    /** Set on every route that declares `config.sign`. */
    signToken: SignTokenView | null;
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
 * `config.roles`; on a sign stream (`config.sign`), against the live sign tokens of its camera instead. A sign
 * token anywhere else is a 403. Runs in onRequest, before the body is read, so a refused caller costs no upload.
 */
async function auth(app: FastifyInstance, opts: { prisma: PrismaClient }): Promise<void> {
  app.decorateRequest('principal', null);
  app.decorateRequest('signToken', null);
  app.addHook('onRequest', async (request, reply) => {
    const { roles, sign } = request.routeOptions.config;
    if (!roles && !sign) return;
    const token = bearerToken(request);
    if (!token) {
      reply.header('www-authenticate', 'Bearer');
      throw unauthorized(
        sign
          ? 'a sign token is required: send "Authorization: Bearer <token>"'
          : 'an API key is required: send "Authorization: Bearer <key>"',
      );
    }
    if (sign || !roles) {
      request.signToken = await signTokenFor(opts.prisma, request, reply, token);
      return;
    }
    const key = await app.apiKeys.find(token);
    if (!key) {
      if (await findActiveSignToken(opts.prisma, token)) throw forbidden(SIGN_TOKEN_ONLY);
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

const SIGN_TOKEN_ONLY = "a sign token reads only its own sign's stream, GET /sign/{cameraId}/stream";

/** The live sign token for the camera in the path, or the refusal: unknown or revoked 401, anything else 403. */
async function signTokenFor(
  prisma: PrismaClient,
  request: FastifyRequest,
  reply: FastifyReply,
  token: string,
): Promise<SignTokenView> {
  const signToken = await findActiveSignToken(prisma, token);
  if (!signToken) {
    if (await findActiveApiKey(prisma, token)) throw forbidden('a sign stream takes a sign token, not an API key');
    reply.header('www-authenticate', 'Bearer error="invalid_token"');
    throw unauthorized('the sign token is unknown or revoked');
  }
  const { cameraId } = request.params as { cameraId?: string };
  if (signToken.cameraId !== cameraId) throw forbidden(SIGN_TOKEN_ONLY);
  return signToken;
}

/** The principal of an authenticated route; routes with `config.roles` always have one. */
export function principalOf(request: FastifyRequest): ApiPrincipal {
  if (!request.principal) throw new Error(`route ${request.routeOptions.url} has no config.roles`);
  return request.principal;
}

/** The sign token of a sign stream route; routes with `config.sign` always have one. */
export function signTokenOf(request: FastifyRequest): SignTokenView {
  if (!request.signToken) throw new Error(`route ${request.routeOptions.url} has no config.sign`);
  return request.signToken;
}

export default fp(auth, { name: 'auth', fastify: '5.x' });
