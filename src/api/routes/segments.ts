import path from 'node:path';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isEstimated } from '../../core/capture-time.js';
import { deleteSegment, getSegment, listSegments } from '../../db/segments.js';
import type { Segment } from '../../generated/prisma/client.js';
import { analyzeJobId } from '../../queue/producer.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { HttpProblem, badRequest, conflict, notFound, unprocessable } from '../problem.js';
import { resolveInsideRoot } from '../safe-path.js';
import {
  analysisProgress,
  idParams,
  itemsOf,
  secured,
  segmentDetailResponse,
  segmentIntakeResponse,
  segmentListQuery,
  segmentRegisterBody,
  segmentResponse,
} from '../schemas.js';
import { requireEnabledCamera, takeInSegment, type IntakeResult } from '../segment-intake.js';
import { REDIS_TIMEOUT_MS, withTimeout } from '../timeout.js';

const OPS = { roles: ['ops'] } as const;
const READERS = { roles: ['ops', 'officer'] } as const;

/** A segment as the API shows it: its start time says whether it is an estimate (추정). */
function withEstimate<S extends Pick<Segment, 'startTimeSource'>>(segment: S): S & { startTimeEstimated: boolean } {
  return { ...segment, startTimeEstimated: isEstimated(segment.startTimeSource) };
}

/** Shared by path registration and upload: the intake outcome as a response or a problem. */
export function intakeResponse(result: IntakeResult, notVideoStatus: 415 | 422) {
  if (result.outcome === 'duplicate') {
    throw conflict('duplicate-segment', `this camera already has segment ${result.existing.id} with the same sha256`, {
      existingId: result.existing.id,
    });
  }
  if (result.outcome === 'not_video') {
    throw new HttpProblem(
      notVideoStatus,
      '/problems/not-a-video',
      `the file is not a usable video: ${result.problem}`,
      {
        reason: result.code,
      },
    );
  }
  return { ...withEstimate(result.segment), enqueued: result.enqueued, video: result.video };
}

/** Live progress from the queue; null once BullMQ has let the job go (Postgres keeps the outcome). */
async function jobStatus(deps: ApiDeps, sha256: string) {
  try {
    const job = await withTimeout(
      deps.queue.getJob(analyzeJobId(sha256, deps.config.PIPELINE_VERSION)),
      REDIS_TIMEOUT_MS,
      'job lookup',
    );
    if (!job) return null;
    const state = await withTimeout(job.getState(), REDIS_TIMEOUT_MS, 'job state');
    return {
      id: job.id,
      state,
      // BullMQ starts every job at 0; the worker then reports an AnalysisProgress
      progress: analysisProgress.safeParse(job.progress).data ?? null,
      attemptsMade: job.attemptsMade,
      failedReason: job.failedReason ?? null,
    };
  } catch (err) {
    deps.logger.warn({ err }, 'queue unavailable for job status');
    return null;
  }
}

const segmentRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { prisma, config } = deps;

  app.post(
    '/segments',
    {
      config: OPS,
      schema: {
        tags: ['segments'],
        summary: 'Register a video file under FOOTAGE_ROOT and queue it for analysis',
        body: segmentRegisterBody,
        security: secured,
        response: { 201: segmentIntakeResponse },
      },
    },
    async (request, reply) => {
      const { cameraId, startTime } = request.body;
      await requireEnabledCamera(prisma, cameraId);
      const found = await resolveInsideRoot(config.FOOTAGE_ROOT, request.body.path);
      if (!found.ok) {
        if (found.reason === 'outside_root')
          throw badRequest('path must stay inside the footage root', { pointer: '/path' });
        throw unprocessable('file-not-found', `no regular file at ${request.body.path} under the footage root`);
      }
      const result = await takeInSegment(deps, {
        cameraId,
        file: found.file,
        ...(startTime ? { startTime: new Date(startTime) } : {}),
        actor: actorOf(principalOf(request)),
      });
      const body = intakeResponse(result, 422);
      return reply.code(201).header('location', `/segments/${body.id}`).send(body);
    },
  );

  app.get(
    '/segments',
    {
      config: READERS,
      schema: {
        tags: ['segments'],
        summary: 'Recent segments, newest first',
        querystring: segmentListQuery,
        security: secured,
        response: { 200: itemsOf(segmentResponse) },
      },
    },
    async (request) => ({
      items: (await listSegments(prisma, request.query)).map(withEstimate),
    }),
  );

  app.get(
    '/segments/:id',
    {
      config: READERS,
      schema: {
        tags: ['segments'],
        summary: 'Segment status with its analysis runs',
        params: idParams,
        security: secured,
        response: { 200: segmentDetailResponse },
      },
    },
    async (request) => {
      const segment = await getSegment(prisma, request.params.id);
      if (!segment) throw notFound('segment', request.params.id);
      const violationCount = segment.runs.reduce((n, r) => n + r._count.violations, 0);
      return {
        job: await jobStatus(deps, segment.sha256),
        ...withEstimate(segment),
        fileName: path.basename(new URL(segment.fileUri).pathname),
        runs: segment.runs.map(({ _count, timings, ...run }) => ({
          ...run,
          // written from AnalysisTimings (milliseconds by phase); the response schema checks it
          timings: timings as Record<string, number>,
          violationCount: _count.violations,
        })),
        violationCount,
      };
    },
  );

  app.delete(
    '/segments/:id',
    {
      config: OPS,
      schema: {
        tags: ['segments'],
        summary: 'Forget a segment that no analysis has used (the file stays)',
        params: idParams,
        security: secured,
      },
    },
    async (request, reply) => {
      const result = await deleteSegment(prisma, request.params.id, actorOf(principalOf(request)));
      if (result.result === 'not_found') throw notFound('segment', request.params.id);
      if (result.result === 'analysed')
        throw conflict('segment-analysed', 'the segment has been analysed and backs evidence; it cannot be deleted');
      return reply.code(204).send();
    },
  );
};

export default segmentRoutes;
