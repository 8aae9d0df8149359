import { describe, expect, it } from 'vitest';
import { withSyllable } from '../../src/web/app/plate-marks.js';

describe("withSyllable (the console offers the use syllable's options as one-click corrections)", () => {
  it('replaces the use syllable of every format', () => {
    expect(withSyllable('12루3456', '두')).toBe('12두3456');
    expect(withSyllable('123가4567', '사')).toBe('123사4567');
    expect(withSyllable('서울12가3456', '나')).toBe('서울12나3456');
    expect(withSyllable('서울강남가1234', '다')).toBe('서울강남다1234');
    expect(withSyllable('1가23456', '하')).toBe('1하23456');
  });

  it('leaves a text without Hangul as it is', () => {
    expect(withSyllable('123456', '가')).toBe('123456');
    expect(withSyllable('', '가')).toBe('');
  });
});
