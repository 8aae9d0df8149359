import { describe, expect, it } from 'vitest';
import type { EpisodeFrame } from '../../src/core/rules.js';
import { continuesPiece, resumesPiece } from '../../src/core/track-pieces.js';

/** A 4×4×4-bin colour signature that is all one bin, or a mix of two. */
function signature(bin: number, other?: number, share = 0.5): Float32Array {
  const s = new Float32Array(64);
  s[bin] = other === undefined ? 1 : 1 - share;
  if (other !== undefined) s[other] = share;
  return s;
}

const frame = (i: number, appearance: Float32Array | undefined, size = 100): EpisodeFrame => ({
  frameIndex: i,
  timestamp: i / 5,
  box: { x1: 10 * i, y1: 100, x2: 10 * i + size, y2: 100 + size },
  score: 0.8,
  ridden: true,
  ...(appearance ? { appearance } : {}),
});

const RED = 48;
const BLUE = 3;
const piece = (from: number, to: number, appearance?: Float32Array, size?: number) =>
  Array.from({ length: to - from + 1 }, (_, k) => frame(from + k, appearance, size));

describe('continuesPiece', () => {
  it('joins the piece after a cut that shows the same colours at about the same size', () => {
    expect(continuesPiece(piece(0, 4, signature(RED)), piece(7, 12, signature(RED)))).toBe(true);
    // a little of the neighbour in the box after the cut
    expect(continuesPiece(piece(0, 4, signature(RED)), piece(7, 12, signature(RED, BLUE, 0.1)))).toBe(true);
  });

  it('keeps apart pieces whose colours differ: the track swapped onto another vehicle', () => {
    expect(continuesPiece(piece(0, 4, signature(RED)), piece(7, 12, signature(BLUE)))).toBe(false);
    expect(continuesPiece(piece(0, 4, signature(RED)), piece(7, 12, signature(RED, BLUE, 0.5)))).toBe(false);
  });

  it('compares only the frames next to the cut', () => {
    const before = [...piece(0, 4, signature(BLUE)), ...piece(5, 7, signature(RED))];
    expect(continuesPiece(before, piece(9, 12, signature(RED)))).toBe(true);
    expect(continuesPiece(before, piece(9, 12, signature(RED)), { sideFrames: 8 })).toBe(false);
  });

  it('keeps apart pieces after a long cut, a jump in size, or without colours to compare', () => {
    expect(continuesPiece(piece(0, 4, signature(RED)), piece(12, 15, signature(RED)))).toBe(false); // 1.6 s
    expect(continuesPiece(piece(0, 4, signature(RED)), piece(7, 12, signature(RED), 150))).toBe(false); // 2.25× area
    expect(continuesPiece(piece(0, 4, signature(RED)), piece(7, 12, signature(RED), 120))).toBe(true); // 1.44×
    expect(continuesPiece(piece(0, 4), piece(7, 12))).toBe(false);
    expect(continuesPiece([], piece(7, 12, signature(RED)))).toBe(false);
  });
});

describe('resumesPiece', () => {
  /** frames moving right at 10 px a frame (50 px/s), boxes 100 px: one diagonal is 141 px */
  it('joins a new track that starts where the old piece, carried on at its speed, would be', () => {
    expect(resumesPiece(piece(0, 4, signature(RED)), piece(7, 10, signature(RED)))).toBe(true);
  });

  it('keeps apart a new track that starts more than a box diagonal from there', () => {
    const far = piece(7, 10, signature(RED)).map((f) => ({
      ...f,
      box: { ...f.box, x1: f.box.x1 + 150, x2: f.box.x2 + 150 },
    }));
    expect(resumesPiece(piece(0, 4, signature(RED)), far)).toBe(false);
  });

  it('leaves out old frames at or after the new start: the two tracks may have overlapped', () => {
    expect(resumesPiece(piece(0, 8, signature(RED)), piece(7, 10, signature(RED)))).toBe(true);
    expect(resumesPiece(piece(7, 9, signature(RED)), piece(7, 10, signature(RED)))).toBe(false);
  });

  it('asks what continuesPiece asks: colours and size', () => {
    expect(resumesPiece(piece(0, 4, signature(RED)), piece(7, 10, signature(BLUE)))).toBe(false);
    expect(resumesPiece(piece(0, 4, signature(RED)), piece(7, 10, signature(RED), 150))).toBe(false);
  });
});
