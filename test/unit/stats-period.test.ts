import { describe, expect, it } from 'vitest';
import { periodCells } from '../../src/db/stats.js';
import { statsPeriod } from '../../src/api/schemas.js';

describe('a statistics period as rollup rows', () => {
  it('reads whole months from month rows and the days around them from day rows', () => {
    expect(periodCells('2026-01-15', '2026-03-31')).toEqual({
      months: ['2026-02-01', '2026-04-01'],
      days: [
        ['2026-01-15', '2026-02-01'],
        ['2026-04-01', '2026-04-01'],
      ],
    });
    expect(periodCells('2026-11-01', '2026-12-03')).toEqual({
      months: ['2026-11-01', '2026-12-01'],
      days: [
        ['2026-11-01', '2026-11-01'],
        ['2026-12-01', '2026-12-04'],
      ],
    });
  });

  it('reads days only when the period holds no whole month, across a year end too', () => {
    expect(periodCells('2026-11-24', '2026-11-24')).toEqual({ months: null, days: [['2026-11-24', '2026-11-25']] });
    expect(periodCells('2026-12-20', '2027-01-10')).toEqual({ months: null, days: [['2026-12-20', '2027-01-11']] });
    expect(periodCells('2026-12-01', '2026-12-31').months).toEqual(['2026-12-01', '2027-01-01']);
  });

  it('defaults to the 30 days up to today and counts the days of a period, both ends included', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    expect(statsPeriod({}, now)).toEqual({ from: '2026-11-04', to: '2026-12-03', days: 30 });
    expect(statsPeriod({ to: '2026-03-01' }, now)).toEqual({ from: '2026-01-31', to: '2026-03-01', days: 30 });
    expect(statsPeriod({ from: '2024-01-01', to: '2024-12-31' }, now).days).toBe(366);
  });
});
