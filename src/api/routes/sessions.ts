import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { newPassword } from '../../auth/account-input.js';
import { plainText } from '../../core/text.js';
import { endSession, endSessionByToken, openSession } from '../../db/sessions.js';
import { attemptLogin, checkUserPassword, setPassword } from '../../db/users.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf, sessionPolicy } from '../plugins/auth.js';
import { forbidden, HttpProblem, unprocessable } from '../problem.js';
import { clearSessionCookie, sessionToken, setSessionCookie } from '../session-cookie.js';
import { secured } from '../schemas.js';

const loginBody = z.strictObject({
  username: plainText(128),
  password: z.string().min(1).max(256),
});

const loginResponse = z.object({
  user: z.object({ id: z.string(), username: z.string(), displayName: z.string(), role: z.string() }),
  csrfToken: z.string().describe('send it in x-csrf-token with every request that changes anything'),
});

const passwordBody = z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword });

const SIGNED_IN = { roles: ['officer', 'ops'] } as const;

/**
 * POST /auth/login, public: registered outside the API scope, whose every route needs a credential. A sign-in
 * ends any session the browser still presents and opens a new one, so a session id planted before sign-in
 * (session fixation) is never the one that gets signed in.
 */
export const loginRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  const policy = sessionPolicy(config);
  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Sign in with a login name and password; sets the httpOnly session cookie',
        body: loginBody,
        response: { 200: loginResponse },
      },
    },
    async (request, reply) => {
      const planted = sessionToken(request);
      if (planted) await endSessionByToken(prisma, planted);
      const result = await attemptLogin(
        prisma,
        { ...request.body, ip: request.ip },
        { maxFailures: config.LOGIN_MAX_FAILURES, lockMs: config.LOGIN_LOCK_MINUTES * 60_000 },
      );
      reply.header('cache-control', 'no-store');
      if (!result.ok && result.reason === 'locked') {
        reply.header('retry-after', Math.max(1, Math.ceil((result.lockedUntil.getTime() - Date.now()) / 1000)));
        throw new HttpProblem(423, '/problems/account-locked', 'too many wrong passwords; the account is locked', {
          lockedUntil: result.lockedUntil.toISOString(),
        });
      }
      if (!result.ok) {
        if (planted) clearSessionCookie(request, reply, config);
        throw new HttpProblem(401, '/problems/invalid-credentials', 'the login name or password is wrong');
      }
      const { token, session } = await openSession(prisma, result.user.id, policy);
      setSessionCookie(request, reply, token, config);
      const { id, username, displayName, role } = result.user;
      return { user: { id, username, displayName, role }, csrfToken: session.csrfToken };
    },
  );
};

/** Sign-out and password change: a signed-in user's own session (an API key has neither). */
const sessionRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  app.post(
    '/auth/logout',
    {
      config: SIGNED_IN,
      schema: { tags: ['sessions'], summary: 'End this session (and its open streams)', security: secured },
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (p.kind !== 'user') throw forbidden('an API key has no session to end; revoke the key instead');
      await endSession(prisma, { id: p.sessionId, userId: p.id });
      clearSessionCookie(request, reply, config);
      return reply.code(204).send();
    },
  );

  app.post(
    '/auth/password',
    {
      config: SIGNED_IN,
      schema: {
        tags: ['sessions'],
        summary: "Change the signed-in user's password; their other sessions end",
        body: passwordBody,
        security: secured,
      },
    },
    async (request, reply) => {
      const p = principalOf(request);
      if (p.kind !== 'user') throw forbidden('only a signed-in user has a password');
      if (!(await checkUserPassword(prisma, p.id, request.body.currentPassword))) {
        throw unprocessable('wrong-password', 'the current password is wrong', {
          errors: [{ in: 'body', pointer: '/currentPassword', detail: 'the current password is wrong' }],
        });
      }
      await setPassword(prisma, {
        id: p.id,
        password: request.body.newPassword,
        actor: actorOf(p),
        keepSessionId: p.sessionId,
      });
      return reply.code(204).send();
    },
  );
};

export default sessionRoutes;
