import type { Translate } from './i18n.js';
import type { StringKey } from './strings.js';

/** Reason codes offered per decision; the API stores the code, the console shows its label. */
export const REJECT_REASONS = [
  'not_motorcycle',
  'outside_zone',
  'permitted',
  'plate_unreadable',
  'duplicate',
  'other',
] as const;
export const CONFIRM_REASON = 'verified';
export const CORRECT_REASON = 'plate_misread';
/** a corrected plate that does not follow the camera's plate format (the API accepts it only with this reason) */
export const FOREIGN_PLATE_REASON = 'foreign_plate';

const KNOWN = new Set<string>([...REJECT_REASONS, CONFIRM_REASON, CORRECT_REASON, FOREIGN_PLATE_REASON]);

export function reasonLabel(t: Translate, code: string): string {
  return KNOWN.has(code) ? t(`reason_${code}` as StringKey) : code;
}
