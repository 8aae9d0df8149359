import type { PlateFormatSetting } from './camera-config.js';
import { parsePlate } from './plate-grammar.js';

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
 * The status a review leads to. A reject always ends the case. A confirm ends it too, unless the
 * plate reading is weak: then it waits for a second, different reviewer. A plate correction always
 * waits for one: a plate typed by one person is seen by another before it is final, so a second
 * reviewer's own correction waits for a third.
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
    if (decision === 'correct_plate') return { ok: true, newStatus: 'needs_second_review' };
    return { ok: true, newStatus: decision === 'reject' ? 'rejected' : 'confirmed' };
  }
  if (decision === 'reject') return { ok: true, newStatus: 'rejected' };
  const second = decision === 'correct_plate' || needsSecondReview(state.plateConfidence, threshold);
  return { ok: true, newStatus: second ? 'needs_second_review' : 'confirmed' };
}

/**
 * reasonCodes with which an officer types a plate that does not follow the camera's plate format
 * (a foreign or special plate); any other correction must follow it.
 */
export const PLATE_FORMAT_OVERRIDES = ['foreign_plate', 'special_plate'] as const;

/** Letters, digits and Hangul syllables, spaces and hyphens inside: what any plate is written with. */
const PLATE_TEXT = /^[0-9A-Za-z가-힣](?:[0-9A-Za-z가-힣 -]{0,14}[0-9A-Za-z가-힣])?$/;

/**
 * Why a plate an officer typed cannot be the plate of record, or undefined when it can: it must be
 * plate text at all, and on a camera of Korean plates (`kr`) a complete Korean plate unless the
 * reasonCode says it is a foreign or special one.
 */
export function correctedPlateProblem(
  plate: string,
  cameraFormat: PlateFormatSetting,
  reasonCode: string | undefined,
): string | undefined {
  if (!PLATE_TEXT.test(plate) || plate.length < 2)
    return 'a plate is 2–16 letters, digits or Hangul syllables (spaces and hyphens only between them)';
  if (cameraFormat !== 'kr' || (PLATE_FORMAT_OVERRIDES as readonly string[]).includes(reasonCode ?? '')) return;
  const parsed = parsePlate(plate);
  if (parsed.valid && parsed.complete) return;
  return `${plate} is not a Korean plate (e.g. 12가3456, 123가4567, 서울12가3456); for a foreign or special plate send reasonCode ${PLATE_FORMAT_OVERRIDES.join(' or ')}`;
}
