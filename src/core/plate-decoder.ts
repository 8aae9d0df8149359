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

export interface DecodedPath {
  chars: PlateChar[];
  /** natural log of the path's probability */
  logProb: number;
}

const ln = (p: number) => Math.log(Math.max(p, 1e-30));

/**
 * The automaton as flat arrays for the Viterbi: one state per node after a blank (state n) and one per (node, class
 * that can be emitted into it). Typed arrays instead of per-frame objects: the decoder runs on every crop whose
 * greedy reading is no plate, and allocating cells per frame made it cost fifteen times the model itself.
 */
interface Lattice {
  nodes: number;
  states: number;
  /** per state: its last class (-1 for the blank states 0 .. nodes - 1) */
  classOf: Int32Array;
  /** states of node n: stateStart[n] .. stateStart[n + 1] - 1 (the blank state n not included) */
  stateStart: Int32Array;
  /** every (edge, class) by the node it leaves: node n's are moveStart[n] .. moveStart[n + 1] - 1 */
  moveStart: Int32Array;
  moveClass: Int32Array;
  moveTo: Int32Array;
}

const lattices = new WeakMap<PlateAutomaton, Lattice>();

function latticeOf(automaton: PlateAutomaton): Lattice {
  const known = lattices.get(automaton);
  if (known) return known;
  const entering: Array<Map<number, number>> = Array.from({ length: automaton.nodes }, () => new Map<number, number>());
  for (const { to, classes } of automaton.edges) for (const cls of classes) entering[to]!.set(cls, -1);
  const classOf: number[] = Array.from({ length: automaton.nodes }, () => -1);
  const stateStart = new Int32Array(automaton.nodes + 1);
  for (let n = 0; n < automaton.nodes; n++) {
    stateStart[n] = classOf.length;
    for (const cls of [...entering[n]!.keys()].sort((a, b) => a - b)) {
      entering[n]!.set(cls, classOf.length);
      classOf.push(cls);
    }
  }
  stateStart[automaton.nodes] = classOf.length;
  const moves = automaton.edges
    .flatMap(({ from, to, classes }) => classes.map((cls) => [from, cls, entering[to]!.get(cls)!] as const))
    .sort((a, b) => a[0] - b[0]);
  const moveStart = new Int32Array(automaton.nodes + 1);
  for (let n = 0, m = 0; n <= automaton.nodes; n++) {
    while (m < moves.length && moves[m]![0] < n) m++;
    moveStart[n] = m;
  }
  const lattice: Lattice = {
    nodes: automaton.nodes,
    states: classOf.length,
    classOf: Int32Array.from(classOf),
    stateStart,
    moveStart,
    moveClass: Int32Array.from(moves, (m) => m[1]),
    moveTo: Int32Array.from(moves, (m) => m[2]),
  };
  lattices.set(automaton, lattice);
  return lattice;
}

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
 * frames is one character, and the same character twice needs a blank between. Null when no path fits, or none
 * reaches `minLogProb`: a state that could not reach it even taking every later frame's likeliest class is dropped,
 * which leaves the result unchanged and most states dead after a few confident frames.
 */
export function bestPlatePath(
  probs: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  keys: readonly string[],
  automaton: PlateAutomaton,
  minLogProb = -Infinity,
): DecodedPath | null {
  const { nodes, states, classOf, stateStart, moveStart, moveClass, moveTo } = latticeOf(automaton);
  const logP = new Float64Array(steps * classes);
  /** the most the frames from t on can add: the sum of their likeliest classes */
  const reach = new Float64Array(steps + 1);
  for (let t = 0; t < steps; t++) {
    let top = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = ln(probs[offset + t * classes + c]!);
      logP[t * classes + c] = v;
      if (v > top) top = v;
    }
    reach[t] = top;
  }
  for (let t = steps - 1; t >= 0; t--) reach[t]! += reach[t + 1]!;
  let score = new Float64Array(states).fill(-Infinity);
  let next = new Float64Array(states);
  score[START] = 0;
  /** the state each state came from at each frame (itself: the same character or blank went on) */
  const from = new Int32Array(steps * states);
  const best = new Int32Array(nodes);
  const second = new Int32Array(nodes);
  for (let t = 0; t < steps; t++) {
    const row = t * classes;
    const back = t * states;
    const floor = minLogProb - reach[t + 1]!;
    // Each node's two best states: a new character enters from the best one unless that one ends in the same class.
    for (let n = 0; n < nodes; n++) {
      let b = score[n]! > -Infinity ? n : -1;
      let s = -1;
      for (let i = stateStart[n]!; i < stateStart[n + 1]!; i++) {
        if (score[i]! === -Infinity) continue;
        if (b < 0) b = i;
        else if (score[i]! > score[b]!) {
          s = b;
          b = i;
        } else if (s < 0 || score[i]! > score[s]!) s = i;
      }
      best[n] = b;
      second[n] = s;
      next[n] = b < 0 ? -Infinity : score[b]! + logP[row]!;
      from[back + n] = b;
    }
    for (let i = nodes; i < states; i++) {
      next[i] = score[i]! + logP[row + classOf[i]!]!;
      from[back + i] = i;
    }
    for (let n = 0; n < nodes; n++) {
      const b = best[n]!;
      if (b < 0) continue;
      for (let m = moveStart[n]!; m < moveStart[n + 1]!; m++) {
        const cls = moveClass[m]!;
        const source = classOf[b] === cls ? second[n]! : b;
        if (source < 0) continue;
        const value = score[source]! + logP[row + cls]!;
        const to = moveTo[m]!;
        if (value > next[to]!) {
          next[to] = value;
          from[back + to] = source;
        }
      }
    }
    for (let i = 0; i < states; i++) if (next[i]! < floor) next[i] = -Infinity;
    const done = score;
    score = next;
    next = done;
  }
  let end = ACCEPT;
  for (let i = stateStart[ACCEPT]!; i < stateStart[ACCEPT + 1]!; i++) if (score[i]! > score[end]!) end = i;
  if (score[end]! === -Infinity) return null;
  const chars: Array<PlateChar & { runOpen: boolean }> = [];
  for (let t = steps - 1, state = end; t >= 0; t--) {
    const previous = from[t * states + state]!;
    const cls = classOf[state]!;
    if (cls >= 0) {
      const p = probs[offset + t * classes + cls]!;
      // Walking back, a character's run is met last frame first; its confidence is the run's best frame.
      const last = chars[chars.length - 1];
      if (last?.runOpen) last.confidence = Math.max(last.confidence, p);
      else chars.push({ char: keys[cls - 1]!, confidence: p, runOpen: true });
      if (previous !== state) chars[chars.length - 1]!.runOpen = false;
    }
    state = previous;
  }
  return { chars: chars.reverse().map(({ char, confidence }) => ({ char, confidence })), logProb: score[end]! };
}
