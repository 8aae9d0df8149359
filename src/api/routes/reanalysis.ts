import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { appendAudit } from '../../db/audit.js';
import { getCamera } from '../../db/cameras.js';
import type { Segment } from '../../generated/prisma/client.js';
import { requeueSegment } from '../../queue/producer.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { notFound, unprocessable } from '../problem.js';
import { idParams, reanalyseBody, reanalyseResponse, secured } from '../schemas.js';
import { REDIS_TIMEOUT_MS, withTimeout } from '../timeout.js';

const OPS = { roles: ['ops'] } as const;
/** More than this is an archive: `POST /batches` reprocesses it with progress, cancel and resume. */
const MAX_REANALYSE_SEGMENTS = 500;

/**
 * Re-analysis from the console after a zone change: a segment, or a camera's segments (optionally those
 * starting in [from, to)), are queued again and answered 202 with what was queued. Each request is audited.
 */
const reanalysisRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { prisma, config } = deps;

  const requeue = async (
    cameraId: string,
    segments: Pick<Segment, 'id' | 'sha256'>[],
    actor: string,
    entity: { entityType: string; entityId: string },
  ) => {
    const queued: string[] = [];
    const skipped: { segmentId: string; reason: 'already_queued' | 'running' }[] = [];
    for (const s of segments) {
      const outcome = await withTimeout(
        requeueSegment(deps.queue, prisma, s, config.PIPELINE_VERSION),
        REDIS_TIMEOUT_MS,
        're-analysis enqueue',
      );
      if (outcome === 'queued') queued.push(s.id);
      else skipped.push({ segmentId: s.id, reason: outcome });
    }
    const zoneCount = await prisma.zone.count({ where: { cameraId } });
    await prisma.$transaction((tx) =>
      appendAudit(tx, {
        actor,
        action: 'segment.reanalyse',
        ...entity,
        details: { cameraId, pipelineVersion: config.PIPELINE_VERSION, queued, skipped, zoneCount },
      }),
    );
    return { pipelineVersion: config.PIPELINE_VERSION, queued, skipped, zoneCount };
  };

  app.post(
    '/segments/:id/reanalyse',
    {
      config: OPS,
      schema: {
        tags: ['segments'],
        summary: 'Analyse a segment again with its camera’s zones as they are now (a new run when they changed)',
        params: idParams,
        security: secured,
        response: { 202: reanalyseResponse },
      },
    },
    async (request, reply) => {
      const segment = await prisma.segment.findUnique({ where: { id: request.params.id } });
      if (!segment) throw notFound('segment', request.params.id);
      const body = await requeue(segment.cameraId, [segment], actorOf(principalOf(request)), {
        entityType: 'segment',
        entityId: segment.id,
      });
      return reply.code(202).send(body);
    },
  );

  app.post(
    '/cameras/:id/reanalyse',
    {
      config: OPS,
      schema: {
        tags: ['cameras'],
        summary: `Analyse a camera’s segments again (at most ${MAX_REANALYSE_SEGMENTS}; more: POST /batches)`,
        params: idParams,
        body: reanalyseBody,
        security: secured,
        response: { 202: reanalyseResponse },
      },
    },
    async (request, reply) => {
      const cameraId = request.params.id;
      if (!(await getCamera(prisma, cameraId))) throw notFound('camera', cameraId);
      const { from, to } = request.body;
      const segments = await prisma.segment.findMany({
        where: { cameraId, ...(from && to ? { startTime: { gte: new Date(from), lt: new Date(to) } } : {}) },
        orderBy: { startTime: 'asc' },
        select: { id: true, sha256: true },
        take: MAX_REANALYSE_SEGMENTS + 1,
      });
      if (segments.length > MAX_REANALYSE_SEGMENTS)
        throw unprocessable(
          'too-many-segments',
          `more than ${MAX_REANALYSE_SEGMENTS} segments: narrow from/to, or reprocess them as a batch (POST /batches)`,
          { limit: MAX_REANALYSE_SEGMENTS },
        );
      const body = await requeue(cameraId, segments, actorOf(principalOf(request)), {
        entityType: 'camera',
        entityId: cameraId,
      });
      return reply.code(202).send(body);
    },
  );
};

export default reanalysisRoutes;
