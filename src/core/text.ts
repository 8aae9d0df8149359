import { z } from 'zod';

/**
 * Control characters: C0 (tab and line breaks included), DEL and C1, and the Unicode line and paragraph
 * separators. None belongs in a name, a label or a URL; in a list or a log they break lines or hide text.
 */
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;

export function hasControlCharacter(text: string): boolean {
  return CONTROL_CHARACTER.test(text);
}

/** Text without control characters, up to `max` characters: a URL, a version tag. */
export function plainText(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !hasControlCharacter(s), 'must not contain control characters (tabs, line breaks, escapes)');
}

/** One line a person typed, a name or a label: trimmed, 1–`max` characters, no control characters. */
export function singleLine(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !hasControlCharacter(s), 'must be one line without control characters (tabs, line breaks, escapes)');
}
