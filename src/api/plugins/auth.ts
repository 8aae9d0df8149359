import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { PrismaClient } from '../../db/client.js';
import { findActiveApiKey, isApiKeyActive } from '../../db/api-keys.js';
import { findSession, isSessionActive, type SessionPolicy } from '../../db/sessions.js';
import { findActiveSignToken, type SignTokenView } from '../../db/signs.js';
import type { ApiPrincipal, ApiRole } from '../deps.js';
import { forbidden, HttpProblem } from '../problem.js';
import { sessionToken } from '../session-cookie.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed to call the route (admin always may). Absent = the route is public. */
    roles?: readonly ApiRole[];
    /**
     * The route is a sign's stream: it takes the sign token of the camera named by its `:cameraId`, and no API
     * key. A sign token opens no other route.
     */
    sign?: true;
    /**
     * A page the server does not write (the queue dashboard) cannot send the session's CSRF token: a signed-in
     * change is accepted when the browser says it comes from this origin (`Sec-Fetch-Site: same-origin`, a header
     * no page can set), which is how the page's own requests arrive and a cross-site form's never do.
     */
    sameOriginCsrf?: true;
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

/** Requests that change nothing; every other method needs the session's CSRF token when a cookie signs it in. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/** Compares hashes so neither the length nor the content of the expected token leaks through timing. */
function sameToken(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * `Authorization: Bearer <key>` checked against the sha256 stored for live keys, else the console's session
 * cookie (a state-changing request also needs the session's token in `x-csrf-token`), then the route's
 * `config.roles`; on a sign stream (`config.sign`), the live sign tokens of its camera instead. A sign token
 * anywhere else is a 403. Runs in onRequest, before the body is read, so a refused caller costs no upload.
 */
async function auth(app: FastifyInstance, opts: { prisma: PrismaClient; sessions: SessionPolicy }): Promise<void> {
  app.decorateRequest('principal', null);
  app.decorateRequest('signToken', null);
  app.addHook('onRequest', async (request, reply) => {
    const { roles, sign } = request.routeOptions.config;
    if (!roles && !sign) return;
    const token = bearerToken(request);
    const cookie = sign ? null : sessionToken(request);
    if (!token && !cookie) {
      reply.header('www-authenticate', 'Bearer');
      throw unauthorized(
        sign
          ? 'a sign token is required: send "Authorization: Bearer <token>"'
          : 'sign in, or send an API key: "Authorization: Bearer <key>"',
      );
    }
    if (sign || !roles) {
      request.signToken = await signTokenFor(opts.prisma, request, reply, token!);
      return;
    }
    request.principal = token
      ? await keyPrincipal(app, opts.prisma, reply, token)
      : await sessionPrincipal(opts.prisma, request, cookie!, opts.sessions);
    const { role } = request.principal;
    if (role !== 'admin' && !roles.includes(role)) {
      throw new HttpProblem(403, '/problems/forbidden', `role ${role} may not call this route`, {
        allowedRoles: [...roles, 'admin'],
      });
    }
  });
}

async function keyPrincipal(
  app: FastifyInstance,
  prisma: PrismaClient,
  reply: FastifyReply,
  token: string,
): Promise<ApiPrincipal> {
  const key = await app.apiKeys.find(token);
  if (!key) {
    if (await findActiveSignToken(prisma, token)) throw forbidden(SIGN_TOKEN_ONLY);
    reply.header('www-authenticate', 'Bearer error="invalid_token"');
    throw unauthorized('the API key is unknown or revoked');
  }
  return { kind: 'key', id: key.id, role: key.role, label: key.label, prefix: key.prefix };
}

async function sessionPrincipal(
  prisma: PrismaClient,
  request: FastifyRequest,
  cookie: string,
  policy: SessionPolicy,
): Promise<ApiPrincipal> {
  const session = await findSession(prisma, cookie, policy);
  if (!session) throw new HttpProblem(401, '/problems/session-ended', 'the session has ended; sign in again');
  const sameOrigin =
    request.routeOptions.config.sameOriginCsrf === true && request.headers['sec-fetch-site'] === 'same-origin';
  if (!SAFE_METHODS.has(request.method) && !sameOrigin) {
    const given = request.headers[CSRF_HEADER];
    if (typeof given !== 'string' || !sameToken(given, session.csrfToken))
      throw new HttpProblem(403, '/problems/csrf', `a signed-in request that changes anything needs ${CSRF_HEADER}`);
  }
  const { user } = session;
  return {
    kind: 'user',
    id: user.id,
    role: user.role,
    label: user.displayName,
    username: user.username,
    sessionId: session.id,
    csrfToken: session.csrfToken,
  };
}

/**
 * Whether the credential a principal signed in with still holds (the key is not revoked, the session has not
 * ended): long-lived streams check this as they go. The reason names what ended.
 */
export function credentialCheck(
  prisma: PrismaClient,
  policy: SessionPolicy,
  p: ApiPrincipal,
): { isActive: () => Promise<boolean>; revokedReason: string } {
  return p.kind === 'key'
    ? { isActive: () => isApiKeyActive(prisma, p.id), revokedReason: 'key_revoked' }
    : { isActive: () => isSessionActive(prisma, p.sessionId, policy), revokedReason: 'session_ended' };
}

/** The session policy from the configuration, for the auth plugin and the session routes. */
export function sessionPolicy(config: { SESSION_IDLE_MINUTES: number; SESSION_MAX_HOURS: number }): SessionPolicy {
  return { idleMs: config.SESSION_IDLE_MINUTES * 60_000, maxMs: config.SESSION_MAX_HOURS * 3_600_000 };
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
