import type { ReviewAction, ReviewDecision, Violation, ViolationStatus } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';
import { forgetViolationCounts } from './violations.js';

export interface ReviewWrite {
  violationId: string;
  expectedVersion: number;
  /** the reviewer's key, or else their user account */
  apiKeyId: string | null;
  userId: string | null;
  reviewer: string;
  actor: string;
  decision: ReviewDecision;
  reasonCode: string | null;
  plateCorrection: string | null;
  newStatus: ViolationStatus;
  /** the request that reviewed several violations at once, this one among them */
  bulkRequestId?: string;
}

export type ReviewWriteResult =
  { ok: true; violation: Violation; action: ReviewAction } | { ok: false; reason: 'stale' };

/** Keys or users (ids) whose confirm/correct moved the violation into second review: they may not finish it. */
export function firstReviewerKeyIds(reviews: Pick<ReviewAction, 'apiKeyId' | 'userId' | 'newStatus'>[]): string[] {
  return reviews.filter((r) => r.newStatus === 'needs_second_review').map((r) => (r.apiKeyId ?? r.userId)!);
}

export function reviewsOf(prisma: PrismaClient, violationId: string): Promise<ReviewAction[]> {
  return prisma.reviewAction.findMany({ where: { violationId }, orderBy: { createdAt: 'asc' } });
}

/**
 * Status change, review row and audit row in one transaction. The update only matches the row
 * version the reviewer saw, so a concurrent review makes this one stale instead of overwriting it.
 */
export async function recordReview(prisma: PrismaClient, w: ReviewWrite): Promise<ReviewWriteResult> {
  const result = await prisma.$transaction(async (tx): Promise<ReviewWriteResult> => {
    const before = await tx.violation.findUnique({ where: { id: w.violationId } });
    if (!before || before.version !== w.expectedVersion) return { ok: false, reason: 'stale' } as const;
    const updated = await tx.violation.updateMany({
      where: { id: w.violationId, version: w.expectedVersion },
      data: {
        status: w.newStatus,
        version: { increment: 1 },
        ...(w.plateCorrection !== null ? { plateText: w.plateCorrection } : {}),
      },
    });
    if (updated.count !== 1) return { ok: false, reason: 'stale' } as const;
    const action = await tx.reviewAction.create({
      data: {
        violationId: w.violationId,
        apiKeyId: w.apiKeyId,
        userId: w.userId,
        reviewer: w.reviewer,
        decision: w.decision,
        reasonCode: w.reasonCode,
        plateCorrection: w.plateCorrection,
        previousStatus: before.status,
        newStatus: w.newStatus,
        previousPlate: before.plateText,
        previousVersion: before.version,
      },
    });
    await appendAudit(tx, {
      actor: w.actor,
      action: `violation.review.${w.decision}`,
      entityType: 'violation',
      entityId: w.violationId,
      details: {
        reviewActionId: action.id,
        reasonCode: w.reasonCode,
        previousStatus: before.status,
        newStatus: w.newStatus,
        previousPlate: before.plateText,
        plateCorrection: w.plateCorrection,
        previousVersion: before.version,
        bulkRequestId: w.bulkRequestId,
      },
    });
    const violation = await tx.violation.findUniqueOrThrow({ where: { id: w.violationId } });
    return { ok: true, violation, action } as const;
  });
  // once committed, so that the next count sees the new status (and a corrected plate)
  if (result.ok) forgetViolationCounts(prisma);
  return result;
}
