/**
 * Korean licence-plate grammars. Text is normalised first: spaces and separators go, and any
 * character that is not a digit or a Hangul syllable becomes `?` — the recogniser could not read
 * it, so it is marked unknown rather than guessed. `?` may stand wherever a Hangul syllable stands.
 */

export const UNKNOWN = '?';

/** Official two-syllable region names on legacy regional and commercial plates. */
export const REGIONS = [
  '서울',
  '부산',
  '대구',
  '인천',
  '광주',
  '대전',
  '울산',
  '세종',
  '경기',
  '강원',
  '충북',
  '충남',
  '전북',
  '전남',
  '경북',
  '경남',
  '제주',
] as const;

/** Use syllables (용도기호) by meaning. */
export const USE_SYLLABLES = {
  /** private, non-commercial (비사업용) */
  private: [
    '가',
    '나',
    '다',
    '라',
    '마',
    '거',
    '너',
    '더',
    '러',
    '머',
    '버',
    '서',
    '어',
    '저',
    '고',
    '노',
    '도',
    '로',
    '모',
    '보',
    '소',
    '오',
    '조',
    '구',
    '누',
    '두',
    '루',
    '무',
    '부',
    '수',
    '우',
    '주',
  ],
  /** commercial transport (사업용: taxis, buses, trucks; yellow plates) */
  commercial: ['바', '사', '아', '자'],
  /** parcel delivery (택배) */
  delivery: ['배'],
  /** rental (대여) */
  rental: ['하', '허', '호'],
  /** military */
  military: ['육', '해', '공', '국', '합'],
  /** legacy motorcycle plates run through the consonant order */
  motorcycle: ['가', '나', '다', '라', '마', '바', '사', '아', '자', '차', '카', '타', '파', '하'],
} as const;

export type PlateUse = keyof typeof USE_SYLLABLES;

const ALL_USE = new Set<string>(Object.values(USE_SYLLABLES).flat());

export type PlateFormat =
  /** `12가3456` (two-digit class) or `123가4567` (three-digit class, since 2019) */
  | 'car'
  /** legacy regional two-row `서울12가3456` */
  | 'regional'
  /** commercial yellow `서울70바1234` (region, class, commercial use syllable) */
  | 'commercial'
  /** legacy motorcycle `서울강남가1234`: region, district, use syllable, serial */
  | 'motorcycle_legacy'
  /** 2026 national motorcycle `1가23456`: type digit, use syllable, digit, four-digit serial */
  | 'motorcycle_2026'
  | 'unknown';

export interface ParsedPlate {
  format: PlateFormat;
  /** the normalised text, `?` for unreadable characters */
  normalized: string;
  /** the text has the shape of a known format and every readable Hangul fits it */
  valid: boolean;
  /** every character was read (no `?`) */
  complete: boolean;
  /** named groups of the matched format; empty when unknown */
  parts: Record<string, string>;
  /** use of the vehicle when the use syllable was read */
  use?: PlateUse;
}

const H = '[가-힣?]';

interface Grammar {
  format: Exclude<PlateFormat, 'unknown'>;
  pattern: RegExp;
  names: string[];
}

/** Order matters only where shapes could overlap: none of these can match the same text. */
const GRAMMARS: Grammar[] = [
  { format: 'car', pattern: new RegExp(`^(\\d{2,3})(${H})(\\d{4})$`), names: ['class', 'use', 'serial'] },
  {
    format: 'motorcycle_2026',
    pattern: new RegExp(`^(\\d)(${H})(\\d)(\\d{4})$`),
    names: ['type', 'use', 'digit', 'serial'],
  },
  {
    format: 'regional',
    pattern: new RegExp(`^(${H}{2})(\\d{2})(${H})(\\d{4})$`),
    names: ['region', 'class', 'use', 'serial'],
  },
  {
    format: 'motorcycle_legacy',
    pattern: new RegExp(`^(${H}{2})(${H}{1,3})(${H})(\\d{4})$`),
    names: ['region', 'district', 'use', 'serial'],
  },
];

function matchesRegion(token: string): boolean {
  return REGIONS.some((r) => [...token].every((c, i) => c === UNKNOWN || c === r[i]));
}

function useOf(syllable: string): PlateUse | undefined {
  if (syllable === UNKNOWN) return undefined;
  for (const [use, set] of Object.entries(USE_SYLLABLES) as Array<[PlateUse, readonly string[]]>) {
    if (use !== 'motorcycle' && set.includes(syllable)) return use;
  }
  return USE_SYLLABLES.motorcycle.includes(syllable as never) ? 'motorcycle' : undefined;
}

function parseNormalized(normalized: string): ParsedPlate | undefined {
  const complete = !normalized.includes(UNKNOWN);
  for (const g of GRAMMARS) {
    const m = g.pattern.exec(normalized);
    if (!m) continue;
    const parts: Record<string, string> = {};
    g.names.forEach((name, i) => (parts[name] = m[i + 1]!));
    const use = parts.use!;
    let valid = use === UNKNOWN || ALL_USE.has(use);
    if (parts.region !== undefined) valid &&= matchesRegion(parts.region);
    if (g.format === 'motorcycle_legacy') {
      valid &&= use === UNKNOWN || (USE_SYLLABLES.motorcycle as readonly string[]).includes(use);
    }
    let format: PlateFormat = g.format;
    if (format === 'regional' && (USE_SYLLABLES.commercial as readonly string[]).includes(use)) format = 'commercial';
    return { format, normalized, valid, complete, parts, use: useOf(use) };
  }
  return undefined;
}

export interface PlateChar {
  char: string;
  /** 0..1; 0 for an unknown `?` */
  confidence: number;
  /**
   * The recogniser's likeliest characters at this position with their probabilities, best first (the read character
   * among them), when it gives them: a plate vote adds up these probabilities rather than the top character alone.
   */
  options?: CharOption[];
}

export interface CharOption {
  char: string;
  confidence: number;
}

const SEPARATOR = /[\s\-_.·,:]/u;
const isDigit = (c: PlateChar | undefined) => c !== undefined && /\d/.test(c.char);

/** One entry per character: separators dropped except whitespace (kept as ' '), unreadable ones `?`. */
function tokenize(chars: readonly PlateChar[]): PlateChar[] {
  const out: PlateChar[] = [];
  for (const c of chars) {
    for (const ch of c.char.normalize('NFC')) {
      if (/\s/u.test(ch)) out.push({ char: ' ', confidence: 0 });
      else if (SEPARATOR.test(ch)) continue;
      else if (/[0-9가-힣]/u.test(ch)) {
        // Options belong to a single-character read; a multi-character token cannot share them.
        out.push(
          c.options && c.char.length === 1
            ? { char: ch, confidence: c.confidence, options: c.options }
            : { char: ch, confidence: c.confidence },
        );
      } else out.push({ char: UNKNOWN, confidence: 0 });
    }
  }
  return out;
}

/** Replace each maximal run of `match` characters lying between two digits by one unknown. */
function collapseBetweenDigits(chars: PlateChar[], match: (c: PlateChar) => boolean): PlateChar[] {
  const out: PlateChar[] = [];
  for (let i = 0; i < chars.length;) {
    if (!match(chars[i]!)) {
      out.push(chars[i++]!);
      continue;
    }
    let j = i;
    while (j < chars.length && match(chars[j]!)) j++;
    if (isDigit(out[out.length - 1]) && isDigit(chars[j])) out.push({ char: UNKNOWN, confidence: 0 });
    else out.push(...chars.slice(i, j));
    i = j;
  }
  return out;
}

const text = (chars: readonly PlateChar[]) => chars.map((c) => c.char).join('');

/**
 * Normalise per-character reads and parse them. A recogniser without Hangul leaves a gap (a space)
 * or junk where the syllable was; when the reads do not parse as they are, a space between digits
 * and then a run of unreadable characters between digits are each taken as one unknown syllable.
 * Confidences stay with their characters; every unknown has confidence 0.
 */
export function normalizePlateChars(chars: readonly PlateChar[]): { chars: PlateChar[]; parsed: ParsedPlate } {
  const tokens = tokenize(chars);
  const plain = tokens.filter((c) => c.char !== ' ');
  const attempts = [
    plain,
    collapseBetweenDigits(tokens, (c) => c.char === ' ').filter((c) => c.char !== ' '),
    collapseBetweenDigits(plain, (c) => c.char === UNKNOWN),
  ];
  for (const attempt of attempts) {
    const parsed = parseNormalized(text(attempt));
    if (parsed) return { chars: attempt, parsed };
  }
  const normalized = text(plain);
  return {
    chars: plain,
    parsed: { format: 'unknown', normalized, valid: false, complete: !normalized.includes(UNKNOWN), parts: {} },
  };
}

/** Parse OCR text against the grammars (see normalizePlateChars for how gaps are read). */
export function parsePlate(input: string): ParsedPlate {
  return normalizePlateChars([...input].map((char) => ({ char, confidence: 1 }))).parsed;
}
