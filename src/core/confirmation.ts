/**
 * Frigate-style false-positive filter: an object is real once the median of its recent scores,
 * padded with zeros to at least three entries, reaches the threshold. Once reached it stays confirmed.
 */

export const DEFAULT_SCORE_WINDOW = 10;

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median of the last `window` scores, padded with zeros to three entries. */
export function computedScore(scores: readonly number[], window = DEFAULT_SCORE_WINDOW): number {
  const recent = scores.slice(-window);
  while (recent.length < 3) recent.push(0);
  return median(recent);
}

/** The best computed score the history ever reached, replaying it one score at a time. */
export function topComputedScore(scores: readonly number[], window = DEFAULT_SCORE_WINDOW): number {
  let top = 0;
  for (let n = 1; n <= scores.length; n++) top = Math.max(top, computedScore(scores.slice(0, n), window));
  return top;
}

export function isConfirmed(scores: readonly number[], threshold: number, window = DEFAULT_SCORE_WINDOW): boolean {
  return topComputedScore(scores, window) >= threshold;
}
