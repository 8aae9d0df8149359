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
  correctedPlateProblem,
  PLATE_FORMAT_OVERRIDES,
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

  it('a confirm with a strong plate reading confirms at once', () => {
    expect(reviewOutcome(state({ plateConfidence: 0.95 }), 'confirm', 'k1', THRESHOLD)).toEqual({
      ok: true,
      newStatus: 'confirmed',
    });
    expect(reviewOutcome(state({ plateConfidence: THRESHOLD }), 'confirm', 'k1', THRESHOLD)).toEqual({
      ok: true,
      newStatus: 'confirmed',
    });
  });

  it('a plate correction goes to second review however strong the machine reading was', () => {
    expect(reviewOutcome(state({ plateConfidence: 0.99 }), 'correct_plate', 'k1', THRESHOLD)).toEqual({
      ok: true,
      newStatus: 'needs_second_review',
    });
  });

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

  it("a different reviewer's confirm confirms it even though the plate is still weak", () => {
    expect(reviewOutcome(waiting, 'confirm', 'second', THRESHOLD)).toEqual({ ok: true, newStatus: 'confirmed' });
    expect(reviewOutcome({ ...waiting, plateConfidence: null }, 'confirm', 'second', THRESHOLD)).toEqual({
      ok: true,
      newStatus: 'confirmed',
    });
  });

  it("a different reviewer's own correction waits for a third: nobody's plate is final on their word alone", () => {
    expect(reviewOutcome(waiting, 'correct_plate', 'second', THRESHOLD)).toEqual({
      ok: true,
      newStatus: 'needs_second_review',
    });
  });

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

describe('correctedPlateProblem', () => {
  it('accepts complete Korean plates on a Korean camera', () => {
    for (const plate of ['12가3456', '123가4567', '서울12가3456'])
      expect(correctedPlateProblem(plate, 'kr', 'plate_misread')).toBeUndefined();
  });

  it('refuses text that is no plate at all, whatever the camera or reason', () => {
    for (const plate of ['hello!!', 'A', '12가 3456 ', '<script>', '12가34567890123456'])
      for (const format of ['kr', 'none'] as const)
        expect(correctedPlateProblem(plate, format, 'foreign_plate')).toMatch(/2–16 letters/);
  });

  it('refuses a plate that is not Korean on a Korean camera unless the reason says it is foreign or special', () => {
    expect(correctedPlateProblem('30E58670', 'kr', 'plate_misread')).toMatch(/not a Korean plate.*foreign_plate/);
    expect(correctedPlateProblem('12가345', 'kr', undefined)).toMatch(/not a Korean plate/);
    for (const reason of PLATE_FORMAT_OVERRIDES)
      expect(correctedPlateProblem('30E58670', 'kr', reason)).toBeUndefined();
    expect(correctedPlateProblem('30E58670', 'none', 'plate_misread')).toBeUndefined();
  });
});
