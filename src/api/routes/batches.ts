import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  BatchStateError,
  cancelBatch,
  createBatch,
  getBatch,
  resumeBatch,
  type BatchDeps,
} from '../../batch/batch-service.js';
import { RunNotFoundError, RunsNotComparableError, diffRuns } from '../../batch/run-diff.js';
import { plainText } from '../../core/text.js';
import { getCamera } from '../../db/cameras.js';
import { requireEnabledCamera } from '../segment-intake.js';
import type { RouteDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { HttpProblem, badRequest, conflict, notFound, unprocessable } from '../problem.js';
import { resolveFolderInsideRoot } from '../safe-path.js';
import { idParams, secured, isoTime } from '../schemas.js';

const createBody = z
  .strictObject({
    cameraId: z.uuid(),
    folder: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe('folder relative to FOOTAGE_ROOT; its video files become segments'),
    from: isoTime.optional().describe('with `to`: the camera’s stored segments starting in [from, to)'),
    to: isoTime.optional(),
    pipelineVersion: plainText(100)
      .optional()
      .describe('default: the configured PIPELINE_VERSION; only workers running this version take the jobs'),
  })
  .refine((b) => (b.folder !== undefined) !== (b.from !== undefined || b.to !== undefined), {
    message: 'give either folder, or from and to',
  })
  .refine((b) => b.folder !== undefined || (b.from !== undefined && b.to !== undefined && b.from < b.to), {
    message: 'from and to must both be given, from before to',
    path: ['to'],
  });

const diffParams = z.strictObject({ a: z.uuid(), b: z.uuid() });

const OPS = { roles: ['ops'] } as const;

/** A directory inside the footage root (the root itself included), checked lexically and after resolving symlinks. */
async function folderInsideRoot(root: string, requested: string): Promise<string> {
  const found = await resolveFolderInsideRoot(root, requested);
  if (found.ok) return found.folder;
  if (found.reason === 'outside_root')
    throw badRequest('folder must stay inside the footage root', { pointer: '/folder' });
  throw unprocessable('folder-not-found', `no folder at ${requested} under the footage root`);
}

const batchRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { prisma, config } = deps;
  const ready = (): BatchDeps => {
    if (!deps.runtime.batches) throw new HttpProblem(503, '/problems/unavailable', 'batches are not ready yet');
    return deps.runtime.batches;
  };

  app.post(
    '/batches',
    {
      config: OPS,
      schema: {
        tags: ['batches'],
        summary: 'Reprocess a folder of files or a camera’s stored segments in a time range',
        body: createBody,
        security: secured,
      },
    },
    async (request, reply) => {
      const { cameraId, folder, from, to } = request.body;
      // a folder brings new footage, which a disabled camera does not take; its stored segments may be reprocessed
      if (folder !== undefined) await requireEnabledCamera(prisma, cameraId);
      else if (!(await getCamera(prisma, cameraId))) throw notFound('camera', cameraId);
      const scope =
        folder !== undefined
          ? { kind: 'folder' as const, folder: await folderInsideRoot(config.FOOTAGE_ROOT, folder) }
          : { kind: 'range' as const, from: new Date(from!), to: new Date(to!) };
      const batch = await createBatch(ready(), {
        cameraId,
        scope,
        pipelineVersion: request.body.pipelineVersion ?? config.PIPELINE_VERSION,
        actor: actorOf(principalOf(request)),
      });
      return reply.code(201).header('location', `/batches/${batch.id}`).send(batch);
    },
  );

  app.get(
    '/batches/:id',
    {
      config: OPS,
      schema: {
        tags: ['batches'],
        summary: 'Batch progress (done / failed / total) with its items',
        params: idParams,
        security: secured,
      },
    },
    async (request) => {
      const batch = await getBatch(ready(), request.params.id);
      if (!batch) throw notFound('batch', request.params.id);
      const items = await prisma.batchItem.findMany({
        where: { batchId: batch.id },
        select: { segmentId: true, status: true, runId: true, error: true },
        orderBy: { segment: { startTime: 'asc' } },
      });
      return { ...batch, items };
    },
  );

  for (const [action, run] of [
    ['cancel', cancelBatch],
    ['resume', resumeBatch],
  ] as const) {
    app.post(
      `/batches/:id/${action}`,
      {
        config: OPS,
        schema: {
          tags: ['batches'],
          summary:
            action === 'cancel'
              ? 'Cancel: waiting jobs are removed, running ones finish'
              : 'Re-enqueue every item not done',
          params: idParams,
          security: secured,
        },
      },
      async (request) => {
        try {
          const batch = await run(ready(), request.params.id, actorOf(principalOf(request)));
          if (!batch) throw notFound('batch', request.params.id);
          return batch;
        } catch (err) {
          if (err instanceof BatchStateError) throw conflict('batch-state', err.message);
          throw err;
        }
      },
    );
  }

  app.get(
    '/runs/:a/diff/:b',
    {
      config: OPS,
      schema: {
        tags: ['batches'],
        summary: 'Violations new in run b, vanished from run a, and changed (plate or times)',
        params: diffParams,
        security: secured,
      },
    },
    async (request) => {
      try {
        return await diffRuns(prisma, request.params.a, request.params.b);
      } catch (err) {
        if (err instanceof RunNotFoundError) throw notFound('analysis run', err.runId);
        if (err instanceof RunsNotComparableError) throw unprocessable('runs-not-comparable', err.message);
        throw err;
      }
    },
  );
};

export default batchRoutes;
