import { describe, expect, it } from 'vitest';
import { PLATE_CONFIDENCE_FLOOR, plateOfRecord, votePlate, type PlateRead } from '../../src/core/plate-vote.js';

/** A read with one confidence per character, or given per character. */
const read = (text: string, conf: number | number[] = 0.9, weight?: number): PlateRead => ({
  chars: [...text].map((char, i) => ({ char, confidence: Array.isArray(conf) ? conf[i]! : conf })),
  weight,
});

describe('votePlate', () => {
  it('returns nothing for no reads', () => {
    expect(votePlate([], { topK: 3 })).toEqual({
      text: '',
      confidence: 0,
      chars: [],
      candidates: [],
      format: 'unknown',
      complete: false,
      syllableOptions: [],
    });
  });

  it('passes a single read through with its confidence', () => {
    const v = votePlate([read('12가3456', 0.9)], { topK: 3 });
    expect(v.text).toBe('12가3456');
    expect(v.format).toBe('car');
    expect(v.complete).toBe(true);
    expect(v.chars.every((c) => Math.abs(c.confidence - 0.9) < 1e-9)).toBe(true);
    expect(v.confidence).toBeCloseTo(0.9 ** 7, 9);
  });

  it('fixes a character one read got wrong by the others', () => {
    const v = votePlate([read('12가3456'), read('12가3458'), read('12가3456')], { topK: 3 });
    expect(v.text).toBe('12가3456');
    expect(v.chars[6]).toEqual({ char: '6', confidence: expect.closeTo(0.6, 9) });
    expect(v.candidates.map((c) => c.text)).toEqual(['12가3456', '12가3458']);
    expect(v.candidates[0]!.confidence).toBeGreaterThan(v.candidates[1]!.confidence);
  });

  it('lets a confident read outvote two unsure ones at a position', () => {
    const v = votePlate(
      [
        read('12가3456', [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.95]),
        read('12가3455', [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.3]),
        read('12가3455', [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.3]),
      ],
      { topK: 2 },
    );
    expect(v.text).toBe('12가3456');
  });

  it('weights reads by their frame weight', () => {
    const v = votePlate([read('12가3456', 0.9, 3), read('12가3450', 0.9, 1), read('12가3450', 0.9, 1)], { topK: 2 });
    expect(v.text).toBe('12가3456');
  });

  it('keeps an unread syllable as ? and lets any read that saw it fill it', () => {
    const unread = votePlate([read('12?3456'), read('12?3456')], { topK: 2 });
    expect(unread.text).toBe('12?3456');
    expect(unread.complete).toBe(false);
    expect(unread.format).toBe('car');
    expect(unread.chars[2]).toEqual({ char: '?', confidence: 0 });
    const seenOnce = votePlate([read('12?3456'), read('12?3456'), read('12가3456', 0.5)], { topK: 2 });
    expect(seenOnce.text).toBe('12가3456');
    expect(seenOnce.chars[2]!.confidence).toBeCloseTo(0.5 / 3, 9);
  });

  it('lines up reads whose missing syllable shows as a space or as junk', () => {
    const v = votePlate([read('12 3456', 0.9), read('12京京3456', 0.8), read('12가3456', 0.7)], { topK: 3 });
    expect(v.text).toBe('12가3456');
    expect(v.format).toBe('car');
    expect(v.chars[0]!.confidence).toBeCloseTo((0.9 + 0.8 + 0.7) / 3, 9);
    expect(v.candidates).toHaveLength(1);
  });

  it('groups reads by format and length instead of aligning different shapes', () => {
    const v = votePlate([read('123가4567'), read('123가4567'), read('23가4567', 0.95)], { topK: 3 });
    expect(v.text).toBe('123가4567');
    expect(v.candidates.map((c) => c.text)).toContain('23가4567');
    expect(v.confidence).toBeLessThan(0.9 ** 8); // a third of the evidence disagreed on the shape
  });

  it('prefers reads that fit a grammar over a heavier group that does not', () => {
    const v = votePlate([read('1234', 0.99), read('1234', 0.99), read('12가3456', 0.6)], { topK: 3 });
    expect(v.text).toBe('12가3456');
    expect(v.format).toBe('car');
  });

  it('votes two-row legacy motorcycle reads with unknown Hangul', () => {
    const v = votePlate(
      [read('?????1234'), read('?????1284', [0, 0, 0, 0, 0, 0.9, 0.9, 0.4, 0.9]), read('?????1234')],
      { topK: 3 },
    );
    expect(v.text).toBe('?????1234');
    expect(v.format).toBe('motorcycle_legacy');
  });

  it('returns at most topK candidates, best first', () => {
    const reads = ['12가3456', '13가3456', '12가3457', '17가3459'].map((t) => read(t));
    const v = votePlate(reads, { topK: 3 });
    expect(v.candidates).toHaveLength(3);
    const confs = v.candidates.map((c) => c.confidence);
    expect([...confs].sort((a, b) => b - a)).toEqual(confs);
    expect(v.candidates[0]!.text).toBe(v.text);
  });

  it('ignores empty reads and zero weights and clamps bad confidences', () => {
    const v = votePlate(
      [{ chars: [] }, read('99가9999', 0.9, 0), read('12가3456', Number.NaN), read('12가3456', 1.7)],
      { topK: 1 },
    );
    expect(v.text).toBe('12가3456');
    expect(v.chars[0]!.confidence).toBeCloseTo(0.5, 9);
  });
});

describe('votePlate with per-character probabilities', () => {
  /** A read of `text` whose syllable (index 2) hesitated between `syllable` options. */
  const hesitant = (text: string, syllable: Array<[string, number]>): PlateRead => ({
    chars: [...text].map((char, i) =>
      i === 2
        ? {
            char,
            confidence: syllable[0]![1],
            options: syllable.map(([c, p]) => ({ char: c, confidence: p })),
          }
        : { char, confidence: 0.95, options: [{ char, confidence: 0.95 }] },
    ),
  });

  it("adds up each read's doubt: a syllable second everywhere but strong overall wins", () => {
    const reads = [
      hesitant('12루3456', [
        ['루', 0.5],
        ['두', 0.45],
      ]),
      hesitant('12루3456', [
        ['루', 0.5],
        ['두', 0.45],
      ]),
      hesitant('12두3456', [
        ['두', 0.9],
        ['루', 0.05],
      ]),
    ];
    expect(votePlate(reads).text).toBe('12두3456');
    // Top characters alone: two reads of 루 outvote one of 두.
    const topOnly = reads.map((r) => ({ chars: r.chars.map(({ char, confidence }) => ({ char, confidence })) }));
    expect(votePlate(topOnly).text).toBe('12루3456');
  });

  it("offers the syllable's options with their support, best first", () => {
    const v = votePlate([
      hesitant('12루3456', [
        ['루', 0.6],
        ['두', 0.3],
        ['무', 0.05],
      ]),
    ]);
    expect(v.text).toBe('12루3456');
    expect(v.syllableOptions.map((o) => o.char)).toEqual(['루', '두', '무']);
    expect(v.syllableOptions[1]!.confidence).toBeCloseTo(0.3, 9);
    // The vote's own confidence is unchanged by the options: a single read keeps its product.
    expect(v.confidence).toBeCloseTo(0.95 ** 6 * 0.6, 9);
  });

  it('takes the syllable of every format from its last Hangul position', () => {
    const region = votePlate([read('서울12가3456')]);
    expect(region.syllableOptions).toEqual([{ char: '가', confidence: expect.closeTo(0.9, 9) }]);
    expect(votePlate([read('1가23456')]).syllableOptions.map((o) => o.char)).toEqual(['가']);
  });

  it('ignores options of another kind than the read character', () => {
    const v = votePlate([
      hesitant('12가3456', [
        ['가', 0.4],
        ['7', 0.35],
        ['?', 0.2],
      ]),
      hesitant('12가3456', [
        ['가', 0.4],
        ['7', 0.35],
      ]),
    ]);
    expect(v.text).toBe('12가3456');
    expect(v.syllableOptions.map((o) => o.char)).toEqual(['가']);
  });

  it('counts the read character even when its options leave it out', () => {
    const v = votePlate([{ chars: [...'12가3456'].map((char) => ({ char, confidence: 0.9, options: [] })) }]);
    expect(v.text).toBe('12가3456');
    expect(v.confidence).toBeCloseTo(0.9 ** 7, 9);
  });
});

describe('plateOfRecord', () => {
  it('states a complete reading that fits the grammar and is sure enough', () => {
    const v = votePlate([read('12가3456', 0.95)]);
    expect(v.confidence).toBeGreaterThan(PLATE_CONFIDENCE_FLOOR);
    expect(plateOfRecord(v)).toBe('12가3456');
  });

  it('states nothing for a reading that is no Korean plate, however sure', () => {
    // a Vietnamese plate read through the Korean model: 77-L1 387.77 came out as 77저107159
    const v = votePlate([read('77저107159', 0.99)]);
    expect(v.format).toBe('unknown');
    expect(plateOfRecord(v)).toBeNull();
    expect(v.candidates[0]!.text).toBe('77저107159');
  });

  it('states nothing below the confidence floor, or with an unread position', () => {
    const weak = votePlate([read('12가3456', 0.7)]);
    expect(weak.confidence).toBeLessThan(PLATE_CONFIDENCE_FLOOR);
    expect(plateOfRecord(weak)).toBeNull();
    expect(plateOfRecord(weak, 0.05)).toBe('12가3456');
    expect(plateOfRecord(votePlate([read('12?3456', 0.99)]))).toBeNull();
  });
});
