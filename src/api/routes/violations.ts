import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EvidenceFile } from '../../generated/prisma/client.js';
import { firstReviewerKeyIds } from '../../db/reviews.js';
import { countViolations, getViolationDetail, listViolations, timeProvenance } from '../../db/violations.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { ApiDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { notFound } from '../problem.js';
import { needsSecondReview, reviewOutcome } from '../../core/review-policy.js';
import { idParams, secured, isoTime } from '../schemas.js';

const listQuery = z
  .strictObject({
    cameraId: z.uuid().optional(),
    zoneId: z.uuid().optional(),
    status: z.enum(['pending', 'confirmed', 'rejected', 'needs_second_review']).optional(),
    from: isoTime.optional().describe('start time ≥ from'),
    to: isoTime.optional().describe('start time < to'),
    cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => !q.from || !q.to || new Date(q.from) < new Date(q.to), {
    message: 'from must be before to',
    path: ['to'],
  });

export function evidenceView(e: EvidenceFile) {
  return { ...e, sizeBytes: Number(e.sizeBytes), url: `/evidence/${e.id}` };
}

const READERS = { roles: ['officer', 'ops'] } as const;

const violationRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  app.get(
    '/violations',
    {
      config: READERS,
      schema: {
        tags: ['violations'],
        summary: 'Violations, newest first, with per-status counts',
        querystring: listQuery,
        security: secured,
      },
    },
    async (request) => {
      const { cursor, limit, from, to, ...rest } = request.query;
      const filter = { ...rest, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined };
      const [page, counts] = await Promise.all([
        listViolations(prisma, filter, { cursor: cursor ? decodeCursor(cursor) : undefined, limit }),
        countViolations(prisma, filter),
      ]);
      return { items: page.items, nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null, counts };
    },
  );

  app.get(
    '/violations/:id',
    {
      config: READERS,
      schema: {
        tags: ['violations'],
        summary: 'A violation with its evidence files and review history',
        params: idParams,
        security: secured,
      },
    },
    async (request) => {
      const v = await getViolationDetail(prisma, request.params.id);
      if (!v) throw notFound('violation', request.params.id);
      const principal = principalOf(request);
      const firstReviewers = firstReviewerKeyIds(v.reviews);
      const canReview =
        principal.role !== 'ops' &&
        reviewOutcome(
          { status: v.status, plateConfidence: v.plateConfidence, firstReviewerKeyIds: firstReviewers },
          'confirm',
          principal.keyId,
          config.SECOND_REVIEW_THRESHOLD,
        ).ok;
      return {
        ...v,
        ...timeProvenance(v.run.segment.startTimeSource),
        evidence: v.evidence.map(evidenceView),
        secondReview: {
          threshold: config.SECOND_REVIEW_THRESHOLD,
          requiredOnConfirm: needsSecondReview(v.plateConfidence, config.SECOND_REVIEW_THRESHOLD),
          firstReviewerKeyIds: firstReviewers,
        },
        canReview,
      };
    },
  );
};

export default violationRoutes;
