import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { firstReviewerKeyIds, recordReview, reviewsOf } from '../../db/reviews.js';
import { DigestCache } from '../../evidence/digest-cache.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { checkEvidence, integrityProblem } from '../evidence-integrity.js';
import { principalOf } from '../plugins/auth.js';
import { HttpProblem, conflict, notFound, unprocessable } from '../problem.js';
import { correctedPlateProblem, reviewOutcome, type ReviewDecision } from '../../core/review-policy.js';
import type { ApiPrincipal } from '../deps.js';
import { bulkReviewBody, bulkReviewResponse, idParams, reviewBody, reviewResponse, secured } from '../schemas.js';
import { withCandidates } from './violations.js';

interface ReviewRequest {
  violationId: string;
  decision: ReviewDecision;
  reasonCode?: string;
  plate?: string;
  expectedVersion: number;
  /** request id of a bulk review, kept in each item's audit row */
  bulkRequestId?: string;
}

const reviewRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  const digests = new DigestCache();

  /**
   * One review under every rule: the version the reviewer saw, the evidence's integrity, the plate format and
   * the review policy. Throws the HttpProblem that refuses it; a bulk review reports it per item instead.
   */
  async function review(principal: ApiPrincipal, r: ReviewRequest, log: FastifyBaseLogger) {
    const violation = await prisma.violation.findUnique({
      where: { id: r.violationId },
      include: { camera: { select: { plateFormat: true } } },
    });
    if (!violation) throw notFound('violation', r.violationId);
    if (violation.version !== r.expectedVersion) {
      throw conflict('stale-version', `the violation changed since you loaded it (now version ${violation.version})`, {
        currentVersion: violation.version,
        currentStatus: violation.status,
      });
    }
    // A violation found live is decided on its evidence, not on the alert that went out as its rule fired.
    if (violation.evidenceState !== 'ready') {
      throw conflict(
        'evidence-not-ready',
        `the violation's evidence is ${violation.evidenceState}: it can be reviewed once its package is written`,
        { evidenceState: violation.evidenceState },
      );
    }
    // Evidence that no longer matches what was recorded cannot support a decision, whoever asks.
    const integrity = await checkEvidence(prisma, config.EVIDENCE_ROOT, violation.id, (f) => digests.digest(f));
    if (!integrity.ok) {
      log.error(
        { violationId: violation.id, mismatches: integrity.mismatches },
        'review refused: evidence failed its check',
      );
      throw integrityProblem(integrity);
    }
    const plateProblem =
      r.plate === undefined ? undefined : correctedPlateProblem(r.plate, violation.camera.plateFormat, r.reasonCode);
    if (plateProblem)
      throw unprocessable('invalid-plate', plateProblem, {
        errors: [{ in: 'body', pointer: '/plate', detail: plateProblem }],
      });
    const outcome = reviewOutcome(
      {
        status: violation.status,
        plateConfidence: violation.plateConfidence,
        firstReviewerKeyIds: firstReviewerKeyIds(await reviewsOf(prisma, violation.id)),
      },
      r.decision,
      principal.id,
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
      violationId: violation.id,
      expectedVersion: r.expectedVersion,
      apiKeyId: principal.kind === 'key' ? principal.id : null,
      userId: principal.kind === 'user' ? principal.id : null,
      reviewer: principal.label,
      actor: actorOf(principal),
      decision: r.decision,
      reasonCode: r.reasonCode ?? null,
      plateCorrection: r.plate ?? null,
      newStatus: outcome.newStatus,
      bulkRequestId: r.bulkRequestId,
    });
    if (!written.ok)
      throw conflict('stale-version', 'the violation was reviewed by someone else a moment ago; reload it');
    return written;
  }

  app.post(
    '/violations/:id/review',
    {
      config: { roles: ['officer'] },
      schema: {
        tags: ['violations'],
        summary:
          'Confirm, reject or correct the plate of a violation (optimistic: send the version you saw); refused with 422 evidence-integrity-failed while its evidence fails its check',
        params: idParams,
        body: reviewBody,
        security: secured,
        response: { 200: reviewResponse },
      },
    },
    async (request) => {
      const { decision, ...body } = request.body;
      const written = await review(
        principalOf(request),
        {
          ...body,
          violationId: request.params.id,
          decision: decision === 'correct-plate' ? 'correct_plate' : decision,
        },
        request.log,
      );
      return { ...withCandidates(written.violation), review: written.action };
    },
  );

  app.post(
    '/reviews/bulk',
    {
      config: { roles: ['officer'] },
      schema: {
        tags: ['violations'],
        summary:
          'Confirm or reject several violations with one reason: each is reviewed on its own (its own review row and audit row, every rule applied) and succeeds or fails on its own',
        body: bulkReviewBody,
        security: secured,
        response: { 200: bulkReviewResponse },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { decision, reasonCode, items } = request.body;
      const results = [];
      // One after another: each item is its own transaction, and its audit row chains onto the previous item's.
      for (const item of items) {
        try {
          const written = await review(
            principal,
            { ...item, violationId: item.id, decision, reasonCode, bulkRequestId: request.id },
            request.log,
          );
          results.push({
            id: item.id,
            ok: true as const,
            status: written.violation.status,
            version: written.violation.version,
          });
        } catch (err) {
          if (!(err instanceof HttpProblem)) throw err;
          results.push({
            id: item.id,
            ok: false as const,
            problem: { type: err.type, status: err.status, detail: err.message },
          });
        }
      }
      const succeeded = results.filter((r) => r.ok).length;
      request.log.info({ decision, succeeded, failed: results.length - succeeded }, 'bulk review');
      return { results, succeeded, failed: results.length - succeeded };
    },
  );
};

export default reviewRoutes;
