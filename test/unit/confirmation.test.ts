import { describe, expect, it } from 'vitest';
import { computedScore, isConfirmed, topComputedScore } from '../../src/core/confirmation.js';

describe('computedScore', () => {
  it('pads short histories with zeros to three entries', () => {
    expect(computedScore([0.9])).toBe(0); // median of 0.9, 0, 0
    expect(computedScore([0.9, 0.8])).toBe(0.8); // median of 0.9, 0.8, 0
    expect(computedScore([0.9, 0.8, 0.7])).toBe(0.8);
  });

  it('takes the median of an even count as the mean of the middle two', () => {
    expect(computedScore([0.2, 0.4, 0.6, 0.8])).toBeCloseTo(0.5, 12);
  });

  it('looks only at the most recent window', () => {
    const history = [0.9, 0.9, 0.9, 0.1, 0.1, 0.1];
    expect(computedScore(history, 3)).toBeCloseTo(0.1, 12);
    expect(computedScore(history, 6)).toBeCloseTo(0.5, 12);
  });

  it('is 0 for an empty history', () => {
    expect(computedScore([])).toBe(0);
  });
});

describe('isConfirmed', () => {
  it('rejects a single confident flash', () => {
    expect(isConfirmed([0.95], 0.6)).toBe(false);
    expect(isConfirmed([0.95, 0.2, 0.1, 0.15], 0.6)).toBe(false);
  });

  it('confirms a steady object after two frames over the threshold', () => {
    expect(isConfirmed([0.7, 0.65], 0.6)).toBe(true);
  });

  it('stays confirmed once the median has reached the threshold', () => {
    const history = [0.8, 0.8, 0.8, 0.2, 0.2, 0.2, 0.2, 0.2];
    expect(computedScore(history)).toBeLessThan(0.6);
    expect(topComputedScore(history)).toBeCloseTo(0.8, 12);
    expect(isConfirmed(history, 0.6)).toBe(true);
  });
});
