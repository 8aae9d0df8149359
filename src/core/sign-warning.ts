import type { ZoneKind } from './types.js';

/**
 * What a camera's warning sign says under the plate: the camera's own text when ops set one, else the
 * warning for the kind of zone the rider is in.
 */
export const DEFAULT_SIGN_WARNINGS: Readonly<Record<ZoneKind, string>> = {
  sidewalk: '보도 위 이륜차 통행 금지',
  crosswalk: '횡단보도 이륜차 통행 금지',
  park: '공원 내 이륜차 통행 금지',
  restricted_road: '이륜차 통행 금지 구역',
  other: '이륜차 통행 금지',
};

/** A camera's sign settings until ops set their own (the one place these defaults are written). */
export const SIGN_DEFAULTS = { displaySeconds: 10, speak: true } as const;

export function signWarning(warningText: string | null, zoneKind: ZoneKind): string {
  return warningText ?? DEFAULT_SIGN_WARNINGS[zoneKind];
}

/** What a sign stream sends its page for one violation: only what the sign shows and says. */
export interface SignWarning {
  /** the plate of record; null = none was read surely, and the sign shows the warning alone */
  plate: string | null;
  zoneKind: ZoneKind;
  /** capture time of the violation (ISO 8601), shown in the camera's time zone */
  time: string;
  timezone: string;
  /** the camera's warning text, or the default for the zone kind */
  warning: string;
  displaySeconds: number;
  speak: boolean;
}
