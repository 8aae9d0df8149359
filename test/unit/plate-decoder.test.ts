import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bestPathLogProb, bestPlatePath, ctcGreedyOptions, plateAutomaton } from '../../src/core/plate-decoder.js';
import { parsePlate, REGIONS, USE_SYLLABLES } from '../../src/core/plate-grammar.js';

/** The committed recogniser's classes: class i reads keys[i - 1], class 0 is the CTC blank. */
const keys = [
  ...(JSON.parse(readFileSync(path.resolve('models', 'korean-plate-rec.json'), 'utf8')) as { charset: string }).charset,
];
const classes = keys.length + 1;
const automaton = plateAutomaton(keys);
const STEPS = 40;

/** Frames as [class index, probability] lists; the rest of each frame's mass goes to the blank. */
function probsOf(frames: Array<Array<[string, number]>>): Float32Array {
  const probs = new Float32Array(frames.length * classes);
  frames.forEach((frame, t) => {
    let rest = 1;
    for (const [char, p] of frame) {
      probs[t * classes + keys.indexOf(char) + 1] = p;
      rest -= p;
    }
    probs[t * classes] = rest;
  });
  return probs;
}

/** A sure reading of `text`: each character on one frame, a blank after it, padded with blanks to STEPS. */
function certain(text: string): Float32Array {
  const frames: Array<Array<[string, number]>> = [...text].flatMap(
    (c) => [[[c, 1]], []] as Array<Array<[string, number]>>,
  );
  while (frames.length < STEPS) frames.push([]);
  return probsOf(frames);
}

const decode = (probs: Float32Array, steps = probs.length / classes) =>
  bestPlatePath(probs, 0, steps, classes, keys, automaton);

describe('ctcGreedyOptions', () => {
  it("reads greedily and keeps the likeliest classes at each character's peak frame", () => {
    const probs = probsOf([
      [['1', 0.9]],
      [],
      [['2', 0.8]],
      [],
      [
        ['루', 0.4],
        ['두', 0.3],
        ['무', 0.1],
        ['부', 0.05],
      ],
      [
        ['루', 0.6],
        ['두', 0.25],
        ['무', 0.02],
      ],
      [],
      [['3', 0.7]],
    ]);
    const chars = ctcGreedyOptions(probs, 0, 8, classes, keys, 3);
    expect(chars.map((c) => c.char).join('')).toBe('12루3');
    const syllable = chars[2]!;
    expect(syllable.confidence).toBeCloseTo(0.6, 6);
    // Options come from the frame where 루 peaks (0.6), not the first frame of its run.
    expect(syllable.options!.map((o) => o.char)).toEqual(['루', '두', '무']);
    expect(syllable.options![1]!.confidence).toBeCloseTo(0.25, 6);
    expect(chars[0]!.options).toEqual([
      { char: '1', confidence: expect.closeTo(0.9, 6) },
      ...chars[0]!.options!.slice(1),
    ]);
    expect(chars[0]!.options).toHaveLength(3);
  });

  it("offers options of the character's kind only", () => {
    const probs = probsOf([
      [
        ['가', 0.5],
        ['7', 0.4],
        ['나', 0.05],
      ],
    ]);
    const [syllable] = ctcGreedyOptions(probs, 0, 1, classes, keys, 3);
    expect(syllable!.options!.map((o) => o.char).slice(0, 2)).toEqual(['가', '나']);
    expect(syllable!.options!.every((o) => !/\d/.test(o.char))).toBe(true);
    const [digit] = ctcGreedyOptions(
      probsOf([
        [
          ['7', 0.5],
          ['가', 0.4],
          ['1', 0.05],
        ],
      ]),
      0,
      1,
      classes,
      keys,
      3,
    );
    expect(digit!.options!.map((o) => o.char).slice(0, 2)).toEqual(['7', '1']);
  });

  it('reads nothing from blank frames', () => {
    expect(ctcGreedyOptions(probsOf([[], []]), 0, 2, classes, keys, 3)).toEqual([]);
  });
});

describe('plateAutomaton', () => {
  const valid = [
    '12가3456',
    '123가4567',
    '1가23456',
    '서울12가3456',
    '경기70바1234',
    '제주79바4470',
    '서울강남가1234',
    '부산해운대다1234',
    '인천서구차0001',
  ];
  const invalid = [
    '12가345',
    '1234567',
    '12가34567',
    '서울12가345',
    '울서12가3456',
    '서울강남거1234',
    '12울3456',
    '가1234',
    '서울1가3456',
    '',
  ];

  it('keeps a sure reading exactly when it is a valid plate', () => {
    for (const text of valid) {
      expect(parsePlate(text).valid).toBe(true);
      const read = decode(certain(text))!;
      expect(read.chars.map((c) => c.char).join('')).toBe(text);
      expect(read.logProb).toBeCloseTo(0, 6);
    }
  });

  it('never returns an invalid plate, even for a sure reading of one', () => {
    for (const text of invalid) {
      expect(parsePlate(text).valid).toBe(false);
      const read = decode(certain(text))!;
      const decoded = read.chars.map((c) => c.char).join('');
      expect(decoded).not.toBe(text);
      expect(parsePlate(decoded).valid).toBe(true);
      expect(read.logProb).toBeLessThan(-10);
    }
  });

  it('accepts what parsePlate calls valid, over every region and use syllable, and nothing else', () => {
    const uses = [...new Set(Object.values(USE_SYLLABLES).flat())];
    const texts = [
      ...REGIONS.map((r, i) => `${r}${String(10 + i)}${uses[i % uses.length]}${String(1000 + i)}`),
      ...uses.map((u, i) => `${String(10 + i)}${u}${String(2000 + i)}`),
      ...uses.map((u) => `서울마포${u}1234`),
      ...uses.map((u) => `3${u}41234`),
    ];
    for (const text of texts) {
      const decoded = decode(certain(text))!
        .chars.map((c) => c.char)
        .join('');
      expect(decoded === text, text).toBe(parsePlate(text).valid);
    }
  });
});

describe('bestPlatePath', () => {
  /** `서울33거217` read sure, then a last `2` at 0.3 (blank 0.7): a plate only if the faint frame is taken. */
  const faintLastDigit = () => {
    const frames: Array<Array<[string, number]>> = [...'서울33거217'].flatMap(
      (c) => [[[c, 0.97]], []] as Array<Array<[string, number]>>,
    );
    frames.push([['2', 0.3]]);
    while (frames.length < STEPS) frames.push([]);
    return probsOf(frames);
  };

  it('follows CTC: repeated frames are one character, a doubled character needs a blank between', () => {
    const frames: Array<Array<[string, number]>> = [
      [['1', 0.9]],
      [['1', 0.95]],
      [],
      [['1', 0.8]],
      [['가', 0.99]],
      [['3', 0.9]],
      [],
      [['3', 0.9]],
      [['0', 0.9]],
      [],
      [['0', 0.9]],
    ];
    while (frames.length < STEPS) frames.push([]);
    const read = decode(probsOf(frames))!;
    expect(read.chars.map((c) => c.char).join('')).toBe('11가3300');
    // a character's confidence is its best frame, as in greedy decoding
    expect(read.chars[0]!.confidence).toBeCloseTo(0.95, 6);
  });

  it('recovers a faint last digit and keeps it visibly unsure', () => {
    const probs = faintLastDigit();
    const read = decode(probs)!;
    expect(read.chars.map((c) => c.char).join('')).toBe('서울33거2172');
    expect(read.chars.at(-1)!.confidence).toBeCloseTo(0.3, 6);
    // the constrained path is the greedy one with the faint frame taken as '2' instead of blank
    expect(bestPathLogProb(probs, 0, STEPS, classes) - read.logProb).toBeCloseTo(Math.log(0.7 / 0.3), 5);
  });

  it('chooses the likeliest syllable among those the grammar allows', () => {
    const frames: Array<Array<[string, number]>> = [
      [['1', 0.99]],
      [],
      [['2', 0.99]],
      [
        ['구', 0.3],
        ['가', 0.25],
      ],
      [['3', 0.99]],
      [['4', 0.99]],
      [['5', 0.99]],
      [['6', 0.99]],
    ];
    while (frames.length < STEPS) frames.push([]);
    expect(
      decode(probsOf(frames))!
        .chars.map((c) => c.char)
        .join(''),
    ).toBe('12구3456');
    // 울 is no use syllable (only part of region names): the reading takes the next likeliest
    frames[3] = [
      ['울', 0.5],
      ['가', 0.2],
    ];
    expect(
      decode(probsOf(frames))!
        .chars.map((c) => c.char)
        .join(''),
    ).toBe('12가3456');
  });

  it('drops only paths that cannot reach minLogProb: the result is the same above it, none below', () => {
    const probs = faintLastDigit();
    const free = decode(probs)!;
    const justReached = bestPlatePath(probs, 0, STEPS, classes, keys, automaton, free.logProb - 1e-9)!;
    expect(justReached).toEqual(free);
    expect(bestPlatePath(probs, 0, STEPS, classes, keys, automaton, free.logProb + 1e-6)).toBeNull();
  });

  it('finds nothing when the line has too few frames for any plate', () => {
    expect(decode(certain('12가3456'), 6)).toBeNull();
  });

  it('reads a plate at an offset inside a batch', () => {
    const batch = new Float32Array(2 * STEPS * classes);
    batch.set(certain('서울12가3456'), 0);
    batch.set(certain('1가23456'), STEPS * classes);
    const second = bestPlatePath(batch, STEPS * classes, STEPS, classes, keys, automaton)!;
    expect(second.chars.map((c) => c.char).join('')).toBe('1가23456');
  });
});
