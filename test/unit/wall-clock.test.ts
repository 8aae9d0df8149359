import { describe, expect, it } from 'vitest';
import { formatWallClock, startOfLocalDay, wallClock } from '../../src/core/wall-clock.js';

describe('wall clock', () => {
  const instant = new Date('2026-11-23T23:30:05Z');

  it('reads date, time and ISO weekday in the given zone', () => {
    expect(wallClock(instant, 'UTC')).toEqual({
      year: 2026,
      month: 11,
      day: 23,
      hour: 23,
      minute: 30,
      second: 5,
      isoWeekday: 1,
    });
    expect(wallClock(instant, 'Asia/Seoul')).toEqual({
      year: 2026,
      month: 11,
      day: 24,
      hour: 8,
      minute: 30,
      second: 5,
      isoWeekday: 2,
    });
  });

  it('formats as YYYY-MM-DD HH:MM:SS, midnight as 00', () => {
    expect(formatWallClock(instant, 'Asia/Seoul')).toBe('2026-11-24 08:30:05');
    expect(formatWallClock(new Date('2026-01-01T15:00:00Z'), 'Asia/Seoul')).toBe('2026-01-02 00:00:00');
  });

  it('finds the latest local midnight, across a daylight-saving change too', () => {
    expect(startOfLocalDay(instant, 'Asia/Seoul').toISOString()).toBe('2026-11-23T15:00:00.000Z');
    expect(startOfLocalDay(instant, 'UTC').toISOString()).toBe('2026-11-23T00:00:00.000Z');
    // New York leaves DST at 02:00 on 2026-11-01: midnight was still EDT (UTC-4).
    expect(startOfLocalDay(new Date('2026-11-01T18:00:00Z'), 'America/New_York').toISOString()).toBe(
      '2026-11-01T04:00:00.000Z',
    );
  });
});
