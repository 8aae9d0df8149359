import { describe, expect, it } from 'vitest';
import { phaseLabel } from '../../src/cli/progress.js';

describe('phaseLabel', () => {
  it('names the phase, and counts evidence packages while they are written', () => {
    expect(phaseLabel({ phase: 'analyse', framesDone: 3, framesTotal: 50, violationsFound: 1 })).toBe('analyse');
    expect(
      phaseLabel({ phase: 'evidence', framesDone: 50, framesTotal: 50, violationsFound: 4, evidenceDone: 2 }),
    ).toBe('evidence 2/4');
  });
});
