import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  ReviewDecision as DbReviewDecision,
  ViolationStatus as DbViolationStatus,
} from '../../src/generated/prisma/client.js';
import {
  needsSecondReview,
  reviewOutcome,
  type ReviewDecision,
  type ReviewState,
  type ViolationStatus,
} from '../../src/core/review-policy.js';

const THRESHOLD = 0.8;
const state = (over: Partial<ReviewState> = {}): ReviewState => ({
  status: 'pending',
  plateConfidence: 0.95,
  firstReviewerKeyIds: [],
  ...over,
});

describe('core review-policy types', () => {
  it('mirror the database enums exactly, so Prisma rows stay assignable', () => {
    expectTypeOf<DbViolationStatus>().toEqualTypeOf<ViolationStatus>();
    expectTypeOf<DbReviewDecision>().toEqualTypeOf<ReviewDecision>();
  });
});

describe('needsSecondReview', () => {
  it('asks for a second review when the plate was not read at all', () => {
    expect(needsSecondReview(null, THRESHOLD)).toBe(true);
  });

  it('asks for a second review when the reading is below the threshold', () => {
    expect(needsSecondReview(0, THRESHOLD)).toBe(true);
    expect(needsSecondReview(0.79, THRESHOLD)).toBe(true);
  });

  it('trusts a reading at or above the threshold', () => {
    expect(needsSecondReview(0.8, THRESHOLD)).toBe(false);
    expect(needsSecondReview(1, THRESHOLD)).toBe(false);
  });

  it('with a zero threshold only a missing reading needs a second review', () => {
    expect(needsSecondReview(0, 0)).toBe(false);
    expect(needsSecondReview(null, 0)).toBe(true);
  });
});

describe('reviewOutcome: first review of a pending violation', () => {
  it('a reject ends the case whatever the plate confidence', () => {
    for (const plateConfidence of [null, 0.1, 0.95]) {
      expect(reviewOutcome(state({ plateConfidence }), 'reject', 'k1', THRESHOLD)).toEqual({
        ok: true,
        newStatus: 'rejected',
      });
    }
  });

  it.each<ReviewDecision>(['confirm', 'correct_plate'])(
    'a %s with a strong plate reading confirms at once',
    (decision) => {
      expect(reviewOutcome(state({ plateConfidence: 0.95 }), decision, 'k1', THRESHOLD)).toEqual({
        ok: true,
        newStatus: 'confirmed',
      });
      expect(reviewOutcome(state({ plateConfidence: THRESHOLD }), decision, 'k1', THRESHOLD)).toEqual({
        ok: true,
        newStatus: 'confirmed',
      });
    },
  );

  it.each<ReviewDecision>(['confirm', 'correct_plate'])(
    'a %s with a weak plate reading goes to second review',
    (decision) => {
      expect(reviewOutcome(state({ plateConfidence: 0.5 }), decision, 'k1', THRESHOLD)).toEqual({
        ok: true,
        newStatus: 'needs_second_review',
      });
    },
  );

  it.each<ReviewDecision>(['confirm', 'correct_plate'])(
    'a %s with no plate reading goes to second review',
    (decision) => {
      expect(reviewOutcome(state({ plateConfidence: null }), decision, 'k1', THRESHOLD)).toEqual({
        ok: true,
        newStatus: 'needs_second_review',
      });
    },
  );
});

describe('reviewOutcome: second review', () => {
  const waiting = state({ status: 'needs_second_review', plateConfidence: 0.3, firstReviewerKeyIds: ['first'] });

  it.each<ReviewDecision>(['confirm', 'correct_plate', 'reject'])('the first reviewer may not %s it', (decision) => {
    expect(reviewOutcome(waiting, decision, 'first', THRESHOLD)).toEqual({ ok: false, reason: 'same_reviewer' });
  });

  it('any reviewer who sent it to second review is excluded, not only the latest', () => {
    const twice = { ...waiting, firstReviewerKeyIds: ['first', 'other'] };
    expect(reviewOutcome(twice, 'confirm', 'other', THRESHOLD)).toEqual({ ok: false, reason: 'same_reviewer' });
    expect(reviewOutcome(twice, 'confirm', 'first', THRESHOLD)).toEqual({ ok: false, reason: 'same_reviewer' });
  });

  it.each<ReviewDecision>(['confirm', 'correct_plate'])(
    "a different reviewer's %s confirms it even though the plate is still weak",
    (decision) => {
      expect(reviewOutcome(waiting, decision, 'second', THRESHOLD)).toEqual({ ok: true, newStatus: 'confirmed' });
      expect(reviewOutcome({ ...waiting, plateConfidence: null }, decision, 'second', THRESHOLD)).toEqual({
        ok: true,
        newStatus: 'confirmed',
      });
    },
  );

  it("a different reviewer's reject ends it as rejected", () => {
    expect(reviewOutcome(waiting, 'reject', 'second', THRESHOLD)).toEqual({ ok: true, newStatus: 'rejected' });
  });

  it('with no recorded first reviewer, anyone may finish it', () => {
    expect(reviewOutcome({ ...waiting, firstReviewerKeyIds: [] }, 'confirm', 'first', THRESHOLD)).toEqual({
      ok: true,
      newStatus: 'confirmed',
    });
  });
});

describe('reviewOutcome: final states', () => {
  it.each<[ViolationStatus, ReviewDecision]>([
    ['confirmed', 'confirm'],
    ['confirmed', 'reject'],
    ['confirmed', 'correct_plate'],
    ['rejected', 'confirm'],
    ['rejected', 'reject'],
    ['rejected', 'correct_plate'],
  ])('a %s violation refuses a %s', (status, decision) => {
    expect(reviewOutcome(state({ status }), decision, 'k1', THRESHOLD)).toEqual({ ok: false, reason: 'already_final' });
  });

  it('already_final wins over same_reviewer', () => {
    expect(
      reviewOutcome(state({ status: 'confirmed', firstReviewerKeyIds: ['k1'] }), 'confirm', 'k1', THRESHOLD),
    ).toEqual({
      ok: false,
      reason: 'already_final',
    });
  });
});
