import { REGIONS, USE_SYLLABLES, type CharOption, type PlateChar } from './plate-grammar.js';

/**
 * Grammar-constrained CTC decoding: the most probable alignment path whose text is a valid Korean plate. Greedy
 * decoding takes the best class per frame, and when that text is not a plate (`서울33거217`, a digit lost at the
 * crop edge) this finds the best path that is one (`서울33거2172`), with the probability of every character it
 * chose, so an unsure character stays visibly unsure.
 *
 * The grammar is a small automaton over the model's classes that accepts exactly the texts parsePlate calls valid
 * (the test proves it on every format). models/training/decode.py decodes the same way.
 */

/**
 * Greedy CTC decoding that also keeps, for every character, the `k` likeliest classes of its kind (digits for a
 * digit, Hangul for a syllable) at the frame where that character is most probable: its options, best first, the
 * character itself first. A look-alike syllable the model hesitated over (두 read as 루) shows up there with its
 * probability.
 */
export function ctcGreedyOptions(
  probs: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  keys: readonly string[],
  k: number,
): PlateChar[] {
  const chars: PlateChar[] = [];
  const peaks: number[] = [];
  let previous = 0;
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[row + c]! > probs[row + best]!) best = c;
    const p = probs[row + best]!;
    if (best !== 0 && best === previous) {
      const last = chars.length - 1;
      if (p > chars[last]!.confidence) {
        chars[last]!.confidence = p;
        peaks[last] = row;
      }
    } else if (best !== 0) {
      chars.push({ char: keys[best - 1] ?? ' ', confidence: p });
      peaks.push(row);
    }
    previous = best;
  }
  return chars.map((c, i) => ({ ...c, options: topClasses(probs, peaks[i]!, keys, k, isDigit(c.char)) }));
}

const isDigit = (ch: string) => ch >= '0' && ch <= '9';

/** The k likeliest classes of one frame that are digits (or, with `digits` false, that are not), best first. */
function topClasses(
  probs: Float32Array,
  row: number,
  keys: readonly string[],
  k: number,
  digits: boolean,
): CharOption[] {
  const top: CharOption[] = [];
  for (let c = 1; c <= keys.length; c++) {
    if (isDigit(keys[c - 1]!) !== digits) continue;
    const p = probs[row + c]!;
    if (top.length === k && p <= top[k - 1]!.confidence) continue;
    const at = top.findIndex((o) => p > o.confidence);
    top.splice(at < 0 ? top.length : at, 0, { char: keys[c - 1]!, confidence: p });
    if (top.length > k) top.pop();
  }
  return top;
}

export interface PlateAutomaton {
  /** node 0 is the start, node 1 the only accepting node */
  nodes: number;
  edges: Array<{ from: number; to: number; classes: number[] }>;
}

const START = 0;
const ACCEPT = 1;

/** The plate grammars of plate-grammar.ts as an automaton over class indices (class i reads keys[i - 1]). */
export function plateAutomaton(keys: readonly string[]): PlateAutomaton {
  const classOf = new Map(keys.map((k, i) => [k, i + 1]));
  const classes = (chars: Iterable<string>) => [...new Set(chars)].flatMap((c) => classOf.get(c) ?? []);
  const digit = classes('0123456789');
  const use = classes(Object.values(USE_SYLLABLES).flat());
  const motorcycle = classes(USE_SYLLABLES.motorcycle);
  const hangul = classes(keys.filter((k) => /^[가-힣]$/.test(k)));
  const edges: PlateAutomaton['edges'] = [];
  let nodes = 2;
  const node = () => nodes++;
  const edge = (from: number, to: number, set: number[]) => {
    if (set.length > 0) edges.push({ from, to, classes: set });
  };
  /** A run of character sets from `from` into `to`. */
  const chain = (from: number, sets: number[][], to: number) => {
    let at = from;
    sets.forEach((set, i) => {
      const next = i === sets.length - 1 ? to : node();
      edge(at, next, set);
      at = next;
    });
  };
  const serial = [digit, digit, digit, digit];

  // car: 12가3456 and 123가4567
  const twoDigits = node();
  const threeDigits = node();
  const carUse = node();
  chain(START, [digit, digit], twoDigits);
  edge(twoDigits, threeDigits, digit);
  edge(twoDigits, carUse, use);
  edge(threeDigits, carUse, use);
  chain(carUse, serial, ACCEPT);
  // 2026 motorcycle: 1가23456
  chain(START, [digit, use, digit, ...serial], ACCEPT);
  // regional / commercial 서울12가3456 and legacy motorcycle 서울강남가1234 share the region
  const region = node();
  for (const name of REGIONS) {
    if ([...name].every((c) => classOf.has(c)))
      chain(
        START,
        [...name].map((c) => classes(c)),
        region,
      );
  }
  chain(region, [digit, digit, use, ...serial], ACCEPT);
  const district = [node(), node(), node()];
  const motorcycleUse = node();
  edge(region, district[0]!, hangul);
  edge(district[0]!, district[1]!, hangul);
  edge(district[1]!, district[2]!, hangul);
  for (const d of district) edge(d, motorcycleUse, motorcycle);
  chain(motorcycleUse, serial, ACCEPT);
  return { nodes, edges };
}

/** A decoded character, linked to the one before it (paths share their prefixes). */
interface Link {
  char: string;
  confidence: number;
  previous: Link | null;
}

interface Cell {
  score: number;
  path: Link | null;
}

/** The best cells of a node before a frame: the two best distinct last classes (-1 = blank). */
interface Top {
  best: Cell & { cls: number };
  second: Cell | null;
}

export interface DecodedPath {
  chars: PlateChar[];
  /** natural log of the path's probability */
  logProb: number;
}

function unlink(path: Link | null): PlateChar[] {
  const out: PlateChar[] = [];
  for (let l = path; l; l = l.previous) out.push({ char: l.char, confidence: l.confidence });
  return out.reverse();
}

const ln = (p: number) => Math.log(Math.max(p, 1e-30));

/** Log probability of the greedy (best unconstrained) path: every frame's most probable class. */
export function bestPathLogProb(probs: Float32Array, offset: number, steps: number, classes: number): number {
  let sum = 0;
  for (let t = 0; t < steps; t++) {
    let p = 0;
    for (let k = 0, row = offset + t * classes; k < classes; k++) p = Math.max(p, probs[row + k]!);
    sum += ln(p);
  }
  return sum;
}

/**
 * Viterbi over (automaton node, last class) with CTC's rules: blank is class 0, a class repeated on consecutive
 * frames is one character, and the same character twice needs a blank between. Null when no path fits.
 */
export function bestPlatePath(
  probs: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  keys: readonly string[],
  automaton: PlateAutomaton,
): DecodedPath | null {
  let blank: Cell[] = Array.from({ length: automaton.nodes }, (_, n) => ({
    score: n === START ? 0 : -Infinity,
    path: null,
  }));
  let emitted: Array<Map<number, Cell>> = Array.from({ length: automaton.nodes }, () => new Map<number, Cell>());
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    const tops: Array<Top | null> = blank.map((b, n) => {
      let top: Top | null = b.score > -Infinity ? { best: { ...b, cls: -1 }, second: null } : null;
      for (const [cls, cell] of emitted[n]!) {
        if (!top) top = { best: { ...cell, cls }, second: null };
        else if (cell.score > top.best.score) top = { best: { ...cell, cls }, second: top.best };
        else if (!top.second || cell.score > top.second.score) top.second = cell;
      }
      return top;
    });
    const nextBlank: Cell[] = tops.map((top) =>
      top ? { score: top.best.score + ln(probs[row]!), path: top.best.path } : { score: -Infinity, path: null },
    );
    const nextEmitted: Array<Map<number, Cell>> = emitted.map((cells) => {
      const out = new Map<number, Cell>();
      for (const [cls, cell] of cells) {
        const p = probs[row + cls]!;
        const last = cell.path!;
        out.set(cls, { score: cell.score + ln(p), path: { ...last, confidence: Math.max(last.confidence, p) } });
      }
      return out;
    });
    for (const { from, to, classes: set } of automaton.edges) {
      const top = tops[from];
      if (!top) continue;
      for (const cls of set) {
        const source = top.best.cls === cls ? top.second : top.best;
        if (!source) continue;
        const p = probs[row + cls]!;
        const score = source.score + ln(p);
        const known = nextEmitted[to]!.get(cls);
        if (!known || score > known.score) {
          nextEmitted[to]!.set(cls, { score, path: { char: keys[cls - 1]!, confidence: p, previous: source.path } });
        }
      }
    }
    blank = nextBlank;
    emitted = nextEmitted;
  }
  let end: Cell = blank[ACCEPT]!;
  for (const cell of emitted[ACCEPT]!.values()) if (cell.score > end.score) end = cell;
  return end.score > -Infinity ? { chars: unlink(end.path), logProb: end.score } : null;
}
