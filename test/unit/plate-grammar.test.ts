import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizePlateChars, parsePlate, REGIONS, USE_SYLLABLES } from '../../src/core/plate-grammar.js';

describe('normalised text', () => {
  it('drops spaces and separators and marks unreadable characters', () => {
    expect(parsePlate(' 12 가-3456 ').normalized).toBe('12가3456');
    expect(parsePlate('12京3456').normalized).toBe('12?3456');
    expect(parsePlate('12ㄱ3456').normalized).toBe('12?3456'); // a lone jamo is not a syllable
    expect(parsePlate('서울\n12가3456').normalized).toBe('서울12가3456');
  });
});

describe('parsePlate', () => {
  it('reads a two-digit car plate', () => {
    expect(parsePlate('12가3456')).toEqual({
      format: 'car',
      normalized: '12가3456',
      valid: true,
      complete: true,
      parts: { class: '12', use: '가', serial: '3456' },
      use: 'private',
    });
  });

  it('reads a three-digit car plate and marks rental and commercial use', () => {
    expect(parsePlate('123가4567')).toMatchObject({
      format: 'car',
      valid: true,
      parts: { class: '123', serial: '4567' },
    });
    expect(parsePlate('47하1693').use).toBe('rental');
    expect(parsePlate('12배3456').use).toBe('delivery');
  });

  it('reads a legacy regional two-row plate', () => {
    expect(parsePlate('서울 12 가 3456')).toMatchObject({
      format: 'regional',
      valid: true,
      parts: { region: '서울', class: '12', use: '가', serial: '3456' },
    });
    expect(parsePlate('서울33거2172').format).toBe('regional');
  });

  it('reads a commercial yellow plate from its use syllable', () => {
    expect(parsePlate('서울70바1234')).toMatchObject({ format: 'commercial', valid: true, use: 'commercial' });
    expect(parsePlate('전북76바7425').format).toBe('commercial');
    expect(parsePlate('서울32자6493').format).toBe('commercial');
    expect(parsePlate('제주79바4470').parts.region).toBe('제주');
  });

  it('reads a legacy motorcycle plate with a district of one to three syllables', () => {
    expect(parsePlate('서울강남가1234')).toMatchObject({
      format: 'motorcycle_legacy',
      valid: true,
      parts: { region: '서울', district: '강남', use: '가', serial: '1234' },
    });
    expect(parsePlate('서울중가1234').parts.district).toBe('중');
    expect(parsePlate('서울영등포차5678')).toMatchObject({
      format: 'motorcycle_legacy',
      valid: true,
      parts: { district: '영등포' },
    });
  });

  it('reads the 2026 national motorcycle plate: type digit, syllable, digit, four-digit serial', () => {
    expect(parsePlate('1가23456')).toMatchObject({
      format: 'motorcycle_2026',
      valid: true,
      parts: { type: '1', use: '가', digit: '2', serial: '3456' },
    });
  });

  it('keeps unknown Hangul as ? and still recognises the shape', () => {
    expect(parsePlate('12?3456')).toMatchObject({ format: 'car', valid: true, complete: false, parts: { use: '?' } });
    expect(parsePlate('12?3456').use).toBeUndefined();
    expect(parsePlate('??12?3456')).toMatchObject({ format: 'regional', valid: true, complete: false });
    expect(parsePlate('?????1234')).toMatchObject({ format: 'motorcycle_legacy', valid: true });
    expect(parsePlate('1?23456')).toMatchObject({ format: 'motorcycle_2026', valid: true });
    expect(parsePlate('서?12가3456').valid).toBe(true); // could be 서울
    expect(parsePlate('서?12가3456').parts.region).toBe('서?'); // but is not filled in
  });

  it('reads the gap left by a recogniser without Hangul as one unknown syllable', () => {
    expect(parsePlate('12 3456')).toMatchObject({ format: 'car', normalized: '12?3456', valid: true });
    expect(parsePlate('123 4567').normalized).toBe('123?4567');
    expect(parsePlate('12京京3456')).toMatchObject({ format: 'car', normalized: '12?3456' });
  });

  it('rejects unknown regions, syllables and shapes', () => {
    expect(parsePlate('평양12가3456')).toMatchObject({ format: 'regional', valid: false });
    expect(parsePlate('12흑3456')).toMatchObject({ format: 'car', valid: false });
    expect(parsePlate('서울강남호1234')).toMatchObject({ format: 'motorcycle_legacy', valid: false }); // 호 is not a motorcycle syllable
    expect(parsePlate('123456').format).toBe('unknown');
    expect(parsePlate('1234가567').format).toBe('unknown');
    expect(parsePlate('')).toMatchObject({ format: 'unknown', valid: false, parts: {} });
  });

  it('accepts every official region and every listed use syllable', () => {
    for (const r of REGIONS) expect(parsePlate(`${r}12가3456`).valid).toBe(true);
    for (const set of Object.values(USE_SYLLABLES)) {
      for (const s of set) expect(parsePlate(`12${s}3456`).valid, s).toBe(true);
    }
    expect(REGIONS).toHaveLength(17);
  });
});

describe('the labels of the real Korean plates in ../shared/plates', () => {
  const plates = path.resolve(import.meta.dirname, '../../../shared/plates');
  // second column of each labels.csv; TCN_LPR names code the region with a Latin letter, so they are left out
  const labels = ['crops', 'crops-two-row', 'scenes'].flatMap((dir) =>
    readFileSync(path.join(plates, dir, 'labels.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[1]!)
      .filter((text) => text && !/^[A-Za-z]/.test(text)),
  );

  it('parse as valid plates, apart from one mislabelled crop', () => {
    expect(labels.length).toBeGreaterThan(180);
    const invalid = labels.filter((t) => !parsePlate(t).valid);
    expect(invalid).toEqual(['463라730']); // 3 + syllable + 3 digits: no such plate
    const formats = new Set(
      labels
        .map((t) => parsePlate(t))
        .filter((p) => p.valid)
        .map((p) => p.format),
    );
    expect([...formats].sort()).toEqual(['car', 'commercial', 'regional']);
  });

  it('keep their format when the syllables are unreadable', () => {
    for (const t of labels) {
      const known = parsePlate(t);
      const blind = parsePlate(t.replace(/[가-힣]/g, '?'));
      expect(blind.valid, t).toBe(known.valid);
      expect(blind.format === known.format || (known.format === 'commercial' && blind.format === 'regional'), t).toBe(
        true,
      );
      expect(blind.complete).toBe(false);
    }
  });
});

describe('normalizePlateChars', () => {
  it('keeps each character its confidence and gives inferred unknowns 0', () => {
    const chars = [...'12 3456'].map((char, i) => ({ char, confidence: 0.5 + i / 20 }));
    const { chars: out, parsed } = normalizePlateChars(chars);
    expect(parsed.format).toBe('car');
    expect(out.map((c) => c.char).join('')).toBe('12?3456');
    expect(out[2]).toEqual({ char: '?', confidence: 0 });
    expect(out[3]!.confidence).toBeCloseTo(0.65, 9);
  });

  it('splits multi-character entries and leaves unparseable text as it is', () => {
    const { chars, parsed } = normalizePlateChars([
      { char: '12', confidence: 0.8 },
      { char: 'ab', confidence: 0.4 },
    ]);
    expect(chars.map((c) => c.char).join('')).toBe('12??');
    expect(parsed.format).toBe('unknown');
  });
});
