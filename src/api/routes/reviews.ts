import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { firstReviewerKeyIds, recordReview, reviewsOf } from '../../db/reviews.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { HttpProblem, conflict, notFound, unprocessable } from '../problem.js';
import { correctedPlateProblem, reviewOutcome } from '../../core/review-policy.js';
import { idParams, reviewBody, reviewResponse, secured } from '../schemas.js';
import { withCandidates } from './violations.js';

const reviewRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  app.post(
    '/violations/:id/review',
    {
      config: { roles: ['officer'] },
      schema: {
        tags: ['violations'],
        summary: 'Confirm, reject or correct the plate of a violation (optimistic: send the version you saw)',
        params: idParams,
        body: reviewBody,
        security: secured,
        response: { 200: reviewResponse },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const body = request.body;
      const violation = await prisma.violation.findUnique({
        where: { id },
        include: { camera: { select: { plateFormat: true } } },
      });
      if (!violation) throw notFound('violation', id);
      if (violation.version !== body.expectedVersion) {
        throw conflict(
          'stale-version',
          `the violation changed since you loaded it (now version ${violation.version})`,
          {
            currentVersion: violation.version,
            currentStatus: violation.status,
          },
        );
      }
      const decision = body.decision === 'correct-plate' ? 'correct_plate' : body.decision;
      const plateProblem =
        body.plate === undefined
          ? undefined
          : correctedPlateProblem(body.plate, violation.camera.plateFormat, body.reasonCode);
      if (plateProblem)
        throw unprocessable('invalid-plate', plateProblem, {
          errors: [{ in: 'body', pointer: '/plate', detail: plateProblem }],
        });
      const outcome = reviewOutcome(
        {
          status: violation.status,
          plateConfidence: violation.plateConfidence,
          firstReviewerKeyIds: firstReviewerKeyIds(await reviewsOf(prisma, id)),
        },
        decision,
        principal.keyId,
        config.SECOND_REVIEW_THRESHOLD,
      );
      if (!outcome.ok && outcome.reason === 'already_final') {
        throw conflict('already-reviewed', `the violation is already ${violation.status}`, {
          currentStatus: violation.status,
        });
      }
      if (!outcome.ok) {
        throw new HttpProblem(
          403,
          '/problems/second-reviewer-required',
          'a different reviewer must complete the second review',
        );
      }
      const written = await recordReview(prisma, {
        violationId: id,
        expectedVersion: body.expectedVersion,
        apiKeyId: principal.keyId,
        reviewer: principal.label,
        actor: actorOf(principal),
        decision,
        reasonCode: body.reasonCode ?? null,
        plateCorrection: body.plate ?? null,
        newStatus: outcome.newStatus,
      });
      if (!written.ok)
        throw conflict('stale-version', 'the violation was reviewed by someone else a moment ago; reload it');
      return { ...withCandidates(written.violation), review: written.action };
    },
  );
};

export default reviewRoutes;
