import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { loginName, newPassword } from '../../auth/account-input.js';
import { singleLine } from '../../core/text.js';
import { createUser, findUser, listUsers, setPassword, unlockUser, updateUser } from '../../db/users.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { conflict, notFound } from '../problem.js';
import { idParams, secured, userResponse } from '../schemas.js';

const ROLE = z.enum(['officer', 'ops', 'admin']);

const createBody = z.strictObject({
  username: loginName,
  displayName: singleLine(100).describe('shown in the console and on reviews, e.g. "Officer Kim, Mapo station"'),
  password: newPassword,
  role: ROLE,
});

const patchBody = z
  .strictObject({ role: ROLE.optional(), disabled: z.boolean().optional() })
  .refine((b) => b.role !== undefined || b.disabled !== undefined, 'change role or disabled');

const ADMIN = { roles: ['admin'] } as const;

/** Console accounts, managed by admins: create, role change, disable/enable, unlock, password reset. */
const userRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma }) => {
  app.get(
    '/users',
    {
      config: ADMIN,
      schema: {
        tags: ['users'],
        summary: 'List console users (never their passwords)',
        security: secured,
        response: { 200: z.object({ items: z.array(userResponse) }) },
      },
    },
    async () => ({ items: await listUsers(prisma) }),
  );

  app.post(
    '/users',
    {
      config: ADMIN,
      schema: {
        tags: ['users'],
        summary: 'Create a console user',
        body: createBody,
        security: secured,
        response: { 201: userResponse },
      },
    },
    async (request, reply) => {
      const user = await createUser(prisma, { ...request.body, actor: actorOf(principalOf(request)) });
      return reply.code(201).send(user);
    },
  );

  app.patch(
    '/users/:id',
    {
      config: ADMIN,
      schema: {
        tags: ['users'],
        summary: "Change a user's role, or disable or enable them; their sessions end",
        params: idParams,
        body: patchBody,
        security: secured,
        response: { 200: userResponse },
      },
    },
    async (request) => {
      const p = principalOf(request);
      // an admin who demoted or disabled themselves could leave nobody to manage accounts
      if (p.kind === 'user' && p.id === request.params.id)
        throw conflict('own-account', 'an admin may not change their own role or disable themselves');
      const user = await updateUser(prisma, { id: request.params.id, ...request.body, actor: actorOf(p) });
      if (!user) throw notFound('user', request.params.id);
      return user;
    },
  );

  app.post(
    '/users/:id/unlock',
    {
      config: ADMIN,
      schema: {
        tags: ['users'],
        summary: 'Lift a lock-out after repeated wrong passwords',
        params: idParams,
        security: secured,
        response: { 200: userResponse },
      },
    },
    async (request) => {
      const user = await unlockUser(prisma, { id: request.params.id, actor: actorOf(principalOf(request)) });
      if (!user) throw notFound('user', request.params.id);
      return user;
    },
  );

  app.post(
    '/users/:id/password',
    {
      config: ADMIN,
      schema: {
        tags: ['users'],
        summary: "Set a user's password (they forgot it); their sessions end",
        params: idParams,
        body: z.strictObject({ password: newPassword }),
        security: secured,
      },
    },
    async (request, reply) => {
      if (!(await findUser(prisma, request.params.id))) throw notFound('user', request.params.id);
      await setPassword(prisma, {
        id: request.params.id,
        password: request.body.password,
        actor: actorOf(principalOf(request)),
      });
      return reply.code(204).send();
    },
  );
};

export default userRoutes;
