import { describe, expect, it } from 'vitest';
import { parseRange } from '../../src/api/http-range.js';

const SIZE = 1000;

describe('parseRange', () => {
  it('serves the whole file without a Range header', () => {
    expect(parseRange(undefined, SIZE)).toEqual({ kind: 'full' });
    expect(parseRange('', SIZE)).toEqual({ kind: 'full' });
  });

  describe('first-last ranges', () => {
    it('answers a satisfiable closed range', () => {
      expect(parseRange('bytes=0-99', SIZE)).toEqual({ kind: 'partial', start: 0, end: 99 });
      expect(parseRange('bytes=100-199', SIZE)).toEqual({ kind: 'partial', start: 100, end: 199 });
    });

    it('answers a single byte', () => {
      expect(parseRange('bytes=0-0', SIZE)).toEqual({ kind: 'partial', start: 0, end: 0 });
      expect(parseRange('bytes=999-999', SIZE)).toEqual({ kind: 'partial', start: 999, end: 999 });
    });

    it('clamps a last position past the end to the last byte', () => {
      expect(parseRange('bytes=900-5000', SIZE)).toEqual({ kind: 'partial', start: 900, end: 999 });
      expect(parseRange('bytes=0-999', SIZE)).toEqual({ kind: 'partial', start: 0, end: 999 });
    });

    it('reads an open range to the end', () => {
      expect(parseRange('bytes=990-', SIZE)).toEqual({ kind: 'partial', start: 990, end: 999 });
      expect(parseRange('bytes=0-', SIZE)).toEqual({ kind: 'partial', start: 0, end: 999 });
    });

    it('is unsatisfiable when the first position is at or past the end', () => {
      expect(parseRange('bytes=1000-', SIZE)).toEqual({ kind: 'unsatisfiable' });
      expect(parseRange('bytes=1000-1005', SIZE)).toEqual({ kind: 'unsatisfiable' });
      expect(parseRange('bytes=5000-', SIZE)).toEqual({ kind: 'unsatisfiable' });
    });

    it('is unsatisfiable when the last position comes before the first', () => {
      // RFC 9110 §14.1.1 calls such a range invalid (a server may then ignore the header); this one answers 416.
      expect(parseRange('bytes=500-400', SIZE)).toEqual({ kind: 'unsatisfiable' });
    });

    it('has nothing to give from an empty file', () => {
      expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
      expect(parseRange('bytes=0-10', 0)).toEqual({ kind: 'unsatisfiable' });
    });
  });

  describe('suffix ranges', () => {
    it('answers the last n bytes', () => {
      expect(parseRange('bytes=-100', SIZE)).toEqual({ kind: 'partial', start: 900, end: 999 });
      expect(parseRange('bytes=-1', SIZE)).toEqual({ kind: 'partial', start: 999, end: 999 });
    });

    it('answers the whole file when the suffix is longer than it', () => {
      expect(parseRange('bytes=-1000', SIZE)).toEqual({ kind: 'partial', start: 0, end: 999 });
      expect(parseRange('bytes=-5000', SIZE)).toEqual({ kind: 'partial', start: 0, end: 999 });
    });

    it('is unsatisfiable for a zero suffix or an empty file', () => {
      expect(parseRange('bytes=-0', SIZE)).toEqual({ kind: 'unsatisfiable' });
      expect(parseRange('bytes=-10', 0)).toEqual({ kind: 'unsatisfiable' });
    });
  });

  describe('headers it does not honour get the whole file', () => {
    it.each([
      ['several ranges', 'bytes=0-1,5-9'],
      ['several suffix ranges', 'bytes=-5,-10'],
      ['another unit', 'items=0-1'],
      ['no unit', '0-99'],
      ['no positions at all', 'bytes=-'],
      ['letters', 'bytes=a-b'],
      ['a negative first position', 'bytes=--5'],
      ['a decimal position', 'bytes=1.5-9'],
      ['space inside', 'bytes= 0-99'],
      ['no dash', 'bytes=100'],
    ])('%s', (_name, header) => {
      expect(parseRange(header, SIZE)).toEqual({ kind: 'full' });
    });
  });

  it('tolerates whitespace around the header value', () => {
    expect(parseRange('  bytes=0-9  ', SIZE)).toEqual({ kind: 'partial', start: 0, end: 9 });
  });
});
