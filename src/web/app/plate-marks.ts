import type { PlateCandidate } from './api.js';

/** The use syllable is a plate's last Hangul character in every format (`서울12가3456`, `1가23456`). */
export function withSyllable(text: string, syllable: string): string {
  const chars = [...text];
  for (let i = chars.length - 1; i >= 0; i--) {
    if (/[가-힣]/u.test(chars[i]!)) {
      chars[i] = syllable;
      return chars.join('');
    }
  }
  return text;
}

/** What the recogniser writes for a position it could not read. */
const UNREAD = '?';
/** Below this a character counts as uncertain when per-character confidence is known. */
const CHAR_CONFIDENCE_FLOOR = 0.6;
/** Candidates this close to the best one count as real alternatives. */
const RIVAL_RATIO = 0.25;

/**
 * Which characters of `text` are uncertain: unread ones, low per-character confidence when known
 * (the evidence manifest's plate reading), and positions where a close rival candidate of the same
 * length reads a different character.
 */
export function uncertainPositions(
  text: string,
  candidates: PlateCandidate[],
  charConfidences?: number[],
): Set<number> {
  const chars = [...text];
  const marks = new Set<number>();
  chars.forEach((ch, i) => ch === UNREAD && marks.add(i));
  if (charConfidences && charConfidences.length === chars.length) {
    charConfidences.forEach((p, i) => p < CHAR_CONFIDENCE_FLOOR && marks.add(i));
  }
  const top = (candidates.find((c) => c.text === text) ?? candidates[0])?.confidence ?? 0;
  for (const rival of candidates) {
    if (rival.text === text || rival.confidence < top * RIVAL_RATIO) continue;
    const other = [...rival.text];
    if (other.length !== chars.length) continue;
    chars.forEach((ch, i) => ch !== other[i] && marks.add(i));
  }
  return marks;
}
