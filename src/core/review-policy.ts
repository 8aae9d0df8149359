/**
 * Who may decide what on a violation. Pure: the plain unions below mirror the database enums, so
 * rows read through Prisma stay assignable to them structurally.
 */

/** Where a violation stands in review (mirrors the `ViolationStatus` enum). */
export type ViolationStatus = 'pending' | 'confirmed' | 'rejected' | 'needs_second_review';

/** What one reviewer decided (mirrors the `ReviewDecision` enum). */
export type ReviewDecision = 'confirm' | 'reject' | 'correct_plate';

export interface ReviewState {
  status: ViolationStatus;
  plateConfidence: number | null;
  /** api keys whose confirm/correct sent the violation to second review */
  firstReviewerKeyIds: readonly string[];
}

export type ReviewOutcome =
  { ok: true; newStatus: ViolationStatus } | { ok: false; reason: 'already_final' | 'same_reviewer' };

/** A machine plate reading under the threshold (or none at all) is not trusted on one officer's word. */
export function needsSecondReview(plateConfidence: number | null, threshold: number): boolean {
  return plateConfidence === null || plateConfidence < threshold;
}

/**
 * The status a review leads to. A reject always ends the case. A confirm or plate correction ends it
 * too, unless the plate reading is weak: then it waits for a second, different reviewer.
 */
export function reviewOutcome(
  state: ReviewState,
  decision: ReviewDecision,
  reviewerKeyId: string,
  threshold: number,
): ReviewOutcome {
  if (state.status === 'confirmed' || state.status === 'rejected') return { ok: false, reason: 'already_final' };
  if (state.status === 'needs_second_review') {
    if (state.firstReviewerKeyIds.includes(reviewerKeyId)) return { ok: false, reason: 'same_reviewer' };
    return { ok: true, newStatus: decision === 'reject' ? 'rejected' : 'confirmed' };
  }
  if (decision === 'reject') return { ok: true, newStatus: 'rejected' };
  return {
    ok: true,
    newStatus: needsSecondReview(state.plateConfidence, threshold) ? 'needs_second_review' : 'confirmed',
  };
}
