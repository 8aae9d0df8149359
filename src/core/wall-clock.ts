/** Wall-clock reading of an instant in an IANA time zone: the one place that asks Intl for it. */
export interface WallClock {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday, Monday = 1 … Sunday = 7 */
  isoWeekday: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function wallClock(instant: Date, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const isoWeekday = WEEKDAYS[get('weekday')];
  if (isoWeekday === undefined) throw new RangeError(`cannot read the weekday of ${instant.toISOString()}`);
  return {
    year: Number(get('year')),
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    isoWeekday,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` of `instant` in `timeZone`. */
export function formatWallClock(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
}

/** Offset of `timeZone` from UTC at `instant`, ms (whole seconds). */
function offsetMs(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant of the most recent local midnight in `timeZone`. Midnight's own offset is used, not the current
 * one: on a daylight-saving change day they differ by an hour.
 */
export function startOfLocalDay(instant: Date, timeZone: string): Date {
  const w = wallClock(instant, timeZone);
  const midnightAsUtc = Date.UTC(w.year, w.month - 1, w.day);
  const guess = new Date(midnightAsUtc - offsetMs(instant, timeZone));
  return new Date(midnightAsUtc - offsetMs(guess, timeZone));
}
