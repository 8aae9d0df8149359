import { describe, expect, it } from 'vitest';
import type { ScheduleWindow } from '../../src/core/camera-config.js';
import { isScheduleActive, localTime } from '../../src/core/schedule.js';

const weekdays: ScheduleWindow[] = [{ days: [1, 2, 3, 4, 5], start: '07:00', end: '20:00' }];
const night: ScheduleWindow[] = [{ days: [5], start: '22:00', end: '06:00' }]; // Friday night into Saturday

describe('localTime', () => {
  it('reads the weekday and minutes in the given zone', () => {
    // 2026-11-23 is a Monday; 23:30 UTC Monday = 08:30 Tuesday in Seoul
    const instant = new Date('2026-11-23T23:30:00Z');
    expect(localTime(instant, 'UTC')).toEqual({ isoWeekday: 1, minutes: 23 * 60 + 30 });
    expect(localTime(instant, 'Asia/Seoul')).toEqual({ isoWeekday: 2, minutes: 8 * 60 + 30 });
  });

  it('reports Sunday as 7 and midnight as 0', () => {
    expect(localTime(new Date('2026-11-29T00:00:00Z'), 'UTC')).toEqual({ isoWeekday: 7, minutes: 0 });
  });
});

describe('isScheduleActive', () => {
  it('is always active without a schedule', () => {
    const t = new Date('2026-11-29T03:00:00Z');
    expect(isScheduleActive(undefined, t, 'Asia/Seoul')).toBe(true);
    expect(isScheduleActive(null, t, 'Asia/Seoul')).toBe(true);
    expect(isScheduleActive([], t, 'Asia/Seoul')).toBe(true);
  });

  it('judges the same instant by the camera time zone', () => {
    // Monday 23:30 UTC: outside 07-20 in UTC, but Tuesday 08:30 in Seoul
    const t = new Date('2026-11-23T23:30:00Z');
    expect(isScheduleActive(weekdays, t, 'UTC')).toBe(false);
    expect(isScheduleActive(weekdays, t, 'Asia/Seoul')).toBe(true);
  });

  it('treats start as inclusive and end as exclusive', () => {
    // 07:00 and 20:00 Seoul on Monday 2026-11-23 (UTC+9)
    expect(isScheduleActive(weekdays, new Date('2026-11-22T22:00:00Z'), 'Asia/Seoul')).toBe(true);
    expect(isScheduleActive(weekdays, new Date('2026-11-22T21:59:00Z'), 'Asia/Seoul')).toBe(false);
    expect(isScheduleActive(weekdays, new Date('2026-11-23T10:59:00Z'), 'Asia/Seoul')).toBe(true);
    expect(isScheduleActive(weekdays, new Date('2026-11-23T11:00:00Z'), 'Asia/Seoul')).toBe(false);
  });

  it('skips days not listed', () => {
    // Saturday 2026-11-28 12:00 Seoul
    expect(isScheduleActive(weekdays, new Date('2026-11-28T03:00:00Z'), 'Asia/Seoul')).toBe(false);
  });

  it('runs a window that crosses midnight into the next day', () => {
    const seoul = (iso: string) => new Date(`${iso}+09:00`);
    expect(isScheduleActive(night, seoul('2026-11-27T23:00:00'), 'Asia/Seoul')).toBe(true); // Fri 23:00
    expect(isScheduleActive(night, seoul('2026-11-28T05:59:00'), 'Asia/Seoul')).toBe(true); // Sat 05:59
    expect(isScheduleActive(night, seoul('2026-11-28T06:00:00'), 'Asia/Seoul')).toBe(false); // Sat 06:00
    expect(isScheduleActive(night, seoul('2026-11-28T23:00:00'), 'Asia/Seoul')).toBe(false); // Sat 23:00
    expect(isScheduleActive(night, seoul('2026-11-27T05:00:00'), 'Asia/Seoul')).toBe(false); // Fri 05:00 (Thu not listed)
    expect(isScheduleActive(night, seoul('2026-11-27T21:59:00'), 'Asia/Seoul')).toBe(false);
  });

  it('wraps Sunday night into Monday morning', () => {
    const sundayNight: ScheduleWindow[] = [{ days: [7], start: '23:00', end: '01:00' }];
    expect(isScheduleActive(sundayNight, new Date('2026-11-30T00:30:00Z'), 'UTC')).toBe(true); // Mon 00:30
    expect(isScheduleActive(sundayNight, new Date('2026-11-24T00:30:00Z'), 'UTC')).toBe(false); // Tue 00:30
  });

  it('supports an end of 24:00 and several windows', () => {
    const s: ScheduleWindow[] = [
      { days: [6], start: '18:00', end: '24:00' },
      { days: [1], start: '08:00', end: '09:00' },
    ];
    expect(isScheduleActive(s, new Date('2026-11-28T23:59:00Z'), 'UTC')).toBe(true);
    expect(isScheduleActive(s, new Date('2026-11-29T00:00:00Z'), 'UTC')).toBe(false);
    expect(isScheduleActive(s, new Date('2026-11-23T08:30:00Z'), 'UTC')).toBe(true);
  });
});
