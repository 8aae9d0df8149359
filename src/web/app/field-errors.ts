import type { Problem } from './api-types.js';
import { ApiError } from './api.js';
import type { Translate } from './i18n.js';
import type { StringKey } from './strings.js';

export type FieldError = NonNullable<Problem['errors']>[number];

/**
 * Rules the API words in English that the console's fields can break, by the field's name: checks of their own
 * (code custom, or a pattern) that the issue code alone does not explain.
 */
const FIELD_RULES: Record<string, Partial<Record<string, StringKey>>> = {
  timezone: { custom: 'fe_timezone' },
  polygon: { custom: 'fe_polygon' },
  days: { custom: 'fe_days_repeat' },
  start: { invalid_format: 'fe_time_start' },
  end: { invalid_format: 'fe_time_end', custom: 'fe_time_same' },
  name: { custom: 'fe_single_line' },
  sourceUrl: { custom: 'fe_control_characters' },
};

const TYPE_KEYS: Partial<Record<string, StringKey>> = {
  number: 'fe_type_number',
  int: 'fe_type_number',
  boolean: 'fe_type_boolean',
  array: 'fe_type_array',
  string: 'fe_required',
};

const FORMAT_KEYS: Partial<Record<string, StringKey>> = {
  url: 'fe_format_url',
  uuid: 'fe_format_uuid',
  datetime: 'fe_format_datetime',
};

function keyOf(e: FieldError): { key: StringKey; vars?: Record<string, string | number> } {
  const field = e.pointer.split('/').findLast((part) => part !== '' && !/^\d+$/.test(part)) ?? '';
  const own = e.code ? FIELD_RULES[field]?.[e.code] : undefined;
  if (own) return { key: own };
  const p = e.params ?? {};
  const counted = p.origin === 'array' || p.origin === 'set' ? 'array' : p.origin === 'string' ? 'string' : 'number';
  switch (e.code) {
    case 'too_small':
      if (counted === 'string')
        return p.minimum === 1 ? { key: 'fe_required' } : { key: 'fe_string_min', vars: { n: p.minimum ?? 0 } };
      if (counted === 'array') return { key: 'fe_array_min', vars: { n: p.minimum ?? 0 } };
      return { key: p.inclusive === false ? 'fe_number_gt' : 'fe_number_min', vars: { n: p.minimum ?? 0 } };
    case 'too_big':
      if (counted === 'string') return { key: 'fe_string_max', vars: { n: p.maximum ?? 0 } };
      if (counted === 'array') return { key: 'fe_array_max', vars: { n: p.maximum ?? 0 } };
      return { key: p.inclusive === false ? 'fe_number_lt' : 'fe_number_max', vars: { n: p.maximum ?? 0 } };
    case 'invalid_type':
      return { key: TYPE_KEYS[p.expected ?? ''] ?? 'fe_invalid' };
    case 'invalid_format':
      return { key: FORMAT_KEYS[p.format ?? ''] ?? 'fe_format' };
    case 'invalid_value':
      return { key: 'fe_value', vars: { values: (p.values ?? []).map(String).join(', ') } };
    case 'unrecognized_keys':
      return { key: 'fe_unknown_field' };
    default:
      return { key: 'fe_invalid' };
  }
}

/** A field's problem in the reader's language, from the API's issue code and limits rather than its English text. */
export function fieldErrorText(e: FieldError, t: Translate): string {
  const { key, vars } = keyOf(e);
  return t(key, vars);
}

/** A refused form's message per field, in the console's language (none when the failure was not the input's). */
export function formFieldErrors(err: unknown, t: Translate): Record<string, string> {
  return err instanceof ApiError ? err.fieldErrors((e) => fieldErrorText(e, t)) : {};
}
