import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getCamera } from '../../db/cameras.js';
import { getCameraHealth } from '../../live/camera-health.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../problem.js';
import { idParams, secured } from '../schemas.js';

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
      },
    },
    async (request) => {
      const camera = await getCamera(prisma, request.params.id);
      if (!camera) throw notFound('camera', request.params.id);
      const health = await getCameraHealth(prisma, camera.id);
      return {
        cameraId: camera.id,
        sourceUrl: camera.sourceUrl,
        recorded: health !== null,
        status: health?.status ?? 'stopped',
        lastSegmentAt: health?.lastSegmentAt ?? null,
        fps: health?.fps ?? null,
        segmentsRecorded: health?.segmentsRecorded ?? 0,
        reconnects: health?.reconnects ?? 0,
        lastError: health?.lastError ?? null,
        lastErrorAt: health?.lastErrorAt ?? null,
        updatedAt: health?.updatedAt ?? null,
      };
    },
  );
};

export default feedRoutes;
