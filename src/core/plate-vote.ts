import { normalizePlateChars, parsePlate, UNKNOWN, type CharOption, type PlateFormat } from './plate-grammar.js';

/**
 * Combine a track's plate reads into one answer. Reads are grouped by grammar format and length
 * (a `12가3456` read and a `123가4567` read do not line up position by position); the heaviest group
 * wins, preferring reads that fit a grammar. Inside it every position is voted on, each read
 * counting weight × character confidence. An unread syllable (`?`) abstains: it never outvotes a
 * syllable that some read did see, and a position nobody read stays `?`. A read that gives each character's
 * likeliest options (the recogniser's probabilities) lends its support to all of them, so two frames that each
 * hesitated between 두 and 루 add up their doubt instead of each casting a full vote for its top syllable.
 */

export interface CharRead {
  char: string;
  confidence: number;
  /** likeliest characters at this position with their probabilities, best first (the read character among them) */
  options?: CharOption[];
}

/** How many options of the use syllable a vote offers the officer. */
export const SYLLABLE_OPTIONS = 3;

export interface PlateRead {
  chars: CharRead[];
  /** e.g. the frame's quality; default 1 */
  weight?: number;
}

export interface PlateCandidate {
  text: string;
  confidence: number;
}

export interface PlateVote {
  /** best text; empty when there was nothing to vote on */
  text: string;
  /** product of the known positions' support times the winning group's share of all reads */
  confidence: number;
  chars: CharRead[];
  /** best first, at most topK, the first being `text` */
  candidates: PlateCandidate[];
  format: PlateFormat;
  /** every position was read */
  complete: boolean;
  /** the use syllable's likeliest readings with their support, best first (at most SYLLABLE_OPTIONS); empty without one */
  syllableOptions: CharOption[];
}

interface Group {
  key: string;
  format: PlateFormat;
  valid: boolean;
  reads: Array<{ chars: CharRead[]; weight: number }>;
  weight: number;
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}

function clampRead(c: CharRead): CharRead {
  const confidence = clamp01(c.confidence);
  if (!c.options?.length) return { char: c.char, confidence };
  return {
    char: c.char,
    confidence,
    options: c.options.map((o) => ({ char: o.char, confidence: clamp01(o.confidence) })),
  };
}

const isHangul = (ch: string) => /^[가-힣]$/u.test(ch);

/** The use syllable is the plate's last Hangul character in every format (`서울12가3456`, `1가23456`). */
function syllableIndex(chars: readonly CharRead[]): number {
  for (let i = chars.length - 1; i >= 0; i--) if (isHangul(chars[i]!.char)) return i;
  return -1;
}

export function votePlate(reads: readonly PlateRead[], opts: { topK: number } = { topK: 5 }): PlateVote {
  const groups = new Map<string, Group>();
  let totalWeight = 0;
  for (const read of reads) {
    const { chars, parsed } = normalizePlateChars(read.chars.map(clampRead));
    const weight = Math.max(0, read.weight ?? 1);
    if (chars.length === 0 || weight === 0) continue;
    const key = `${parsed.format}:${chars.length}`;
    const group = groups.get(key) ?? { key, format: parsed.format, valid: false, reads: [], weight: 0 };
    group.valid ||= parsed.valid;
    // A read weighs its frame weight times how sure the recogniser was overall.
    const mean = chars.reduce((s, c) => s + c.confidence, 0) / chars.length;
    group.reads.push({ chars, weight });
    group.weight += weight * mean;
    totalWeight += weight * mean;
    groups.set(key, group);
  }

  const ranked = [...groups.values()].sort(
    (a, b) =>
      Number(b.valid) - Number(a.valid) ||
      Number(b.format !== 'unknown') - Number(a.format !== 'unknown') ||
      b.weight - a.weight,
  );
  const best = ranked[0];
  if (!best) {
    return {
      text: '',
      confidence: 0,
      chars: [],
      candidates: [],
      format: 'unknown',
      complete: false,
      syllableOptions: [],
    };
  }

  const options = tally(best);
  const chars: CharRead[] = options.map((o) => o[0] ?? { char: UNKNOWN, confidence: 0 });
  const share = (g: Group) => (totalWeight > 0 ? g.weight / totalWeight : 0);

  const candidates = topCandidates(options, opts.topK).map((c) => ({
    text: c.text,
    confidence: c.confidence * share(best),
  }));
  // Other groups (another length or format) add their best reading after the winner's.
  const others = ranked
    .slice(1)
    .map((g) => {
      const top = topCandidates(tally(g), 1)[0]!;
      return { text: top.text, confidence: top.confidence * share(g) };
    })
    .sort((a, b) => b.confidence - a.confidence);
  const text = chars.map((c) => c.char).join('');
  const syllable = syllableIndex(chars);
  return {
    text,
    confidence: candidates[0]?.confidence ?? 0,
    chars,
    candidates: [...candidates, ...others].slice(0, Math.max(1, opts.topK)),
    format: parsePlate(text).format,
    complete: !text.includes(UNKNOWN),
    syllableOptions: syllable < 0 ? [] : options[syllable]!.slice(0, SYLLABLE_OPTIONS),
  };
}

/**
 * What a read says for one position: its options of the read character's kind (a digit's options are digits, a
 * syllable's syllables: a position's kind is fixed by the group's format), or the character alone.
 */
function support(c: CharRead): CharOption[] {
  if (c.char === UNKNOWN) return [];
  if (!c.options?.length) return [{ char: c.char, confidence: c.confidence }];
  const hangul = isHangul(c.char);
  const same = c.options.filter(
    (o) => o.char !== UNKNOWN && isHangul(o.char) === hangul && /^[0-9가-힣]$/u.test(o.char),
  );
  // The read character itself counts at its own confidence even when the options leave it out.
  return same.some((o) => o.char === c.char) ? same : [{ char: c.char, confidence: c.confidence }, ...same];
}

/** Per position, the characters read there with their support (0..1), best first. */
function tally(group: Group): Array<Array<{ char: string; confidence: number }>> {
  const length = group.reads[0]!.chars.length;
  const readWeight = group.reads.reduce((s, r) => s + r.weight, 0);
  const tallies = Array.from({ length }, () => new Map<string, number>());
  for (const r of group.reads) {
    r.chars.forEach((c, i) => {
      for (const o of support(c)) tallies[i]!.set(o.char, (tallies[i]!.get(o.char) ?? 0) + r.weight * o.confidence);
    });
  }
  return tallies.map((t) =>
    [...t.entries()]
      .map(([char, score]) => ({ char, confidence: score / readWeight }))
      .sort((a, b) => b.confidence - a.confidence),
  );
}

/**
 * The k most likely texts, scoring a text by the product of its known positions' support.
 * Beam search over positions: exact for the top k because scores only multiply.
 */
function topCandidates(options: Array<Array<{ char: string; confidence: number }>>, k: number): PlateCandidate[] {
  let beam: PlateCandidate[] = [{ text: '', confidence: 1 }];
  for (const opts of options) {
    const choices = opts.length ? opts : [{ char: UNKNOWN, confidence: 1 }];
    beam = beam
      .flatMap((b) => choices.map((c) => ({ text: b.text + c.char, confidence: b.confidence * c.confidence })))
      .sort((a, b) => b.confidence - a.confidence)
      .slice(0, Math.max(1, k));
  }
  return beam;
}

/**
 * Below this vote confidence a reading is no plate of record. The confidence is a product over the
 * positions (about seven), so a reading whose every character is 80% sure scores 0.21; a read of a
 * foreign plate forced into Korean characters scores around 0.01.
 */
export const PLATE_CONFIDENCE_FLOOR = 0.2;

/**
 * The text a vote may state as the plate: complete, fitting the plate grammar and sure enough;
 * otherwise null (shown as 판독 불가), the candidates staying for the officer to pick from.
 */
export function plateOfRecord(
  vote: Pick<PlateVote, 'text' | 'confidence' | 'format' | 'complete'>,
  floor = PLATE_CONFIDENCE_FLOOR,
): string | null {
  if (!vote.text || !vote.complete || vote.format === 'unknown' || vote.confidence < floor) return null;
  return vote.text;
}
