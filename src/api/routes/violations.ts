import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import type { EvidenceFile, Prisma } from '../../generated/prisma/client.js';
import { firstReviewerKeyIds } from '../../db/reviews.js';
import {
  cachedViolationCounts,
  getViolationDetail,
  listViolations,
  placeOf,
  plateReadability,
  recordViolationView,
  LIVE_TIME_SOURCE,
  timeProvenance,
  vehicleHistory,
} from '../../db/violations.js';
import { DigestCache } from '../../evidence/digest-cache.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { fastSerializerCompiler } from '../fast-serializer.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { checkEvidence } from '../evidence-integrity.js';
import { principalOf } from '../plugins/auth.js';
import { notFound } from '../problem.js';
import { needsSecondReview, reviewOutcome } from '../../core/review-policy.js';
import {
  historyQuery,
  idParams,
  secured,
  vehicleHistoryResponse,
  violationDetailResponse,
  violationListQuery,
  violationPageResponse,
} from '../schemas.js';

type Detail = z.output<typeof violationDetailResponse>;

export function evidenceView(e: EvidenceFile) {
  return { ...e, sizeBytes: Number(e.sizeBytes), url: `/evidence/${e.id}` };
}

/** The plate-candidates column holds the plate vote's `{ text, confidence }` list; the response schema checks it. */
export function withCandidates<V extends { plateCandidates: Prisma.JsonValue }>(
  v: V,
): Omit<V, 'plateCandidates'> & Pick<Detail, 'plateCandidates'> {
  return v as Omit<V, 'plateCandidates'> & Pick<Detail, 'plateCandidates'>;
}

const READERS = { roles: ['officer', 'ops'] } as const;

const violationRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  const digests = new DigestCache();
  app.get(
    '/violations',
    {
      config: READERS,
      schema: {
        tags: ['violations'],
        summary: 'Violations, newest first, with per-status counts',
        querystring: violationListQuery,
        security: secured,
        response: { 200: violationPageResponse },
      },
      serializerCompiler: fastSerializerCompiler,
    },
    async (request, reply) => {
      const body = await app.violationPages.get(JSON.stringify(request.query), async () => {
        const { cursor, limit, from, to, ...rest } = request.query;
        const filter = { ...rest, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined };
        const [page, counts] = await Promise.all([
          listViolations(prisma, filter, { cursor: cursor ? decodeCursor(cursor) : undefined, limit }),
          cachedViolationCounts(prisma, filter),
        ]);
        const shown = {
          items: page.items.map(withCandidates),
          nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
          counts,
        };
        return Buffer.from(reply.serialize(shown) as string);
      });
      // serialized above by this route's own serializer, so that a page from memory costs no serializing
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );

  app.get(
    '/violations/:id',
    {
      config: READERS,
      schema: {
        tags: ['violations'],
        summary:
          'A violation with its evidence files, review history and evidence check (a failed check blocks review); each view is audited',
        params: idParams,
        security: secured,
        response: { 200: violationDetailResponse },
      },
    },
    async (request) => {
      const v = await getViolationDetail(prisma, request.params.id);
      if (!v) throw notFound('violation', request.params.id);
      const principal = principalOf(request);
      const integrity = await checkEvidence(prisma, config.EVIDENCE_ROOT, v.id, (file) => digests.digest(file));
      if (!integrity.ok) request.log.error({ violationId: v.id, integrity }, 'violation evidence failed its check');
      await recordViolationView(prisma, { actor: actorOf(principal), violationId: v.id, requestId: request.id });
      const firstReviewers = firstReviewerKeyIds(v.reviews);
      const canReview =
        principal.role !== 'ops' &&
        v.evidenceState === 'ready' &&
        integrity.ok &&
        reviewOutcome(
          { status: v.status, plateConfidence: v.plateConfidence, firstReviewerKeyIds: firstReviewers },
          'confirm',
          principal.id,
          config.SECOND_REVIEW_THRESHOLD,
        ).ok;
      return {
        ...withCandidates(v),
        ...timeProvenance(v.run?.segment.startTimeSource ?? LIVE_TIME_SOURCE),
        place: placeOf(v),
        ...plateReadability(
          v,
          v.reviews.some((r) => r.plateCorrection !== null),
        ),
        zone: v.zone && { ...v.zone, polygon: v.zone.polygon as NonNullable<Detail['zone']>['polygon'] },
        run: v.run && {
          ...v.run,
          modelFingerprints: v.run.modelFingerprints as NonNullable<Detail['run']>['modelFingerprints'],
        },
        evidence: v.evidence.map(evidenceView),
        secondReview: {
          threshold: config.SECOND_REVIEW_THRESHOLD,
          requiredOnConfirm: needsSecondReview(v.plateConfidence, config.SECOND_REVIEW_THRESHOLD),
          firstReviewerKeyIds: firstReviewers,
        },
        canReview,
        integrity,
      };
    },
  );

  app.get(
    '/violations/:id/history',
    {
      config: READERS,
      schema: {
        tags: ['violations'],
        summary: "The vehicle's other violations: the same plate of record on any camera and day, newest first",
        params: idParams,
        querystring: historyQuery,
        security: secured,
        response: { 200: vehicleHistoryResponse },
      },
    },
    async (request) => {
      const v = await prisma.violation.findUnique({ where: { id: request.params.id }, select: { plateText: true } });
      if (!v) throw notFound('violation', request.params.id);
      if (v.plateText === null) return { plate: null, items: [] };
      const items = await vehicleHistory(prisma, request.params.id, v.plateText, request.query.limit);
      return { plate: v.plateText, items: items.map(withCandidates) };
    },
  );
};

export default violationRoutes;
