import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { redactUrl } from '../../core/redact.js';
import { feedHealth, getCamera } from '../../db/cameras.js';
import { principalOf } from '../plugins/auth.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../problem.js';
import { feedHealthResponse, idParams, secured } from '../schemas.js';

const READERS = { roles: ['ops', 'officer'] } as const;

const feedRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma }) => {
  app.get(
    '/cameras/:id/health',
    {
      config: READERS,
      schema: {
        tags: ['cameras'],
        summary: 'Live feed health: recorder state, last segment, frames per second, reconnects, last error',
        params: idParams,
        security: secured,
        response: { 200: feedHealthResponse },
      },
    },
    async (request) => {
      const camera = await getCamera(prisma, request.params.id);
      if (!camera) throw notFound('camera', request.params.id);
      const feed = await feedHealth(prisma, camera);
      // only ops, who set the source URL, see its password
      const shown =
        principalOf(request).role === 'ops' || feed.sourceUrl === null ? feed.sourceUrl : redactUrl(feed.sourceUrl);
      return { ...feed, sourceUrl: shown };
    },
  );
};

export default feedRoutes;
