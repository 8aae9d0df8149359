import type { ScheduleWindow } from './camera-config.js';
import { wallClock } from './wall-clock.js';

export interface LocalTime {
  /** ISO weekday, Monday = 1 … Sunday = 7 */
  isoWeekday: number;
  /** minutes since local midnight */
  minutes: number;
}

/** Wall-clock weekday and time of `instant` in `timeZone` (IANA name). */
export function localTime(instant: Date, timeZone: string): LocalTime {
  const w = wallClock(instant, timeZone);
  return { isoWeekday: w.isoWeekday, minutes: w.hour * 60 + w.minute };
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/**
 * Whether a window covers a local time. A window whose end is before its start runs past midnight:
 * `days` names the day it starts on, and the early-morning part belongs to the following day.
 */
export function windowCovers(w: ScheduleWindow, t: LocalTime): boolean {
  const start = toMinutes(w.start);
  const end = toMinutes(w.end);
  if (start < end) return w.days.includes(t.isoWeekday) && t.minutes >= start && t.minutes < end;
  const previousDay = t.isoWeekday === 1 ? 7 : t.isoWeekday - 1;
  return (w.days.includes(t.isoWeekday) && t.minutes >= start) || (w.days.includes(previousDay) && t.minutes < end);
}

/** No schedule (absent, null or empty) means the zone is always enforced. */
export function isScheduleActive(
  schedule: readonly ScheduleWindow[] | null | undefined,
  instant: Date,
  timeZone: string,
): boolean {
  if (!schedule || schedule.length === 0) return true;
  const t = localTime(instant, timeZone);
  return schedule.some((w) => windowCovers(w, t));
}
