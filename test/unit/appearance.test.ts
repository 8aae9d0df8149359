import { describe, expect, it } from 'vitest';
import { blendSignature, colourSignature, signatureSimilarity } from '../../src/core/appearance.js';
import type { Box, RgbFrame } from '../../src/core/types.js';

type Frame = Pick<RgbFrame, 'width' | 'height' | 'data'>;
type Rgb = readonly [number, number, number];

const RED: Rgb = [220, 30, 30];
const BLUE: Rgb = [30, 30, 220];
const GREY: Rgb = [128, 128, 128];

/** A frame painted pixel by pixel. */
function paint(width: number, height: number, colourAt: (x: number, y: number) => Rgb): Frame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(colourAt(x, y), (y * width + x) * 3);
  return { width, height, data };
}

const box = (x1: number, y1: number, x2: number, y2: number): Box => ({ x1, y1, x2, y2 });
const inBox = (b: Box, x: number, y: number) => x >= b.x1 && x < b.x2 && y >= b.y1 && y < b.y2;
const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

/** A grey road with a `colour` patch filling `patch`. */
const scene = (patch: Box, colour: Rgb) => paint(400, 300, (x, y) => (inBox(patch, x, y) ? colour : GREY));

describe('colourSignature', () => {
  it('is a normalised histogram of 64 bins', () => {
    const sig = colourSignature(scene(box(100, 100, 200, 200), RED), box(100, 100, 200, 200));
    expect(sig).toHaveLength(64);
    expect(sum(sig)).toBeCloseTo(1, 5);
  });

  it('puts a single colour in a single bin', () => {
    const sig = colourSignature(scene(box(100, 100, 200, 200), RED), box(100, 100, 200, 200));
    // 4 levels per channel: 220 >> 6 = 3, 30 >> 6 = 0 → bin (3 × 4 + 0) × 4 + 0
    expect(sig[48]).toBeCloseTo(1, 6);
    expect(sig.filter((v) => v > 0)).toHaveLength(1);
  });

  it('ignores the box’s border: only the middle, inside a fifth of each side, is sampled', () => {
    const b = box(100, 100, 200, 200);
    const pure = colourSignature(scene(b, RED), b);
    // the same object with a 15 px band of road around it inside the box
    const loose = colourSignature(scene(box(115, 115, 185, 185), RED), b);
    expect(signatureSimilarity(pure, loose)).toBeCloseTo(1, 5);
    // a 30 px band reaches into the sampled middle
    const tooLoose = colourSignature(scene(box(130, 130, 170, 170), RED), b);
    expect(signatureSimilarity(pure, tooLoose)).toBeLessThan(0.95);
  });

  it('gives a two-colour patch a share per colour', () => {
    const b = box(100, 100, 200, 200);
    const halves = paint(400, 300, (x) => (x < 150 ? RED : BLUE));
    const sig = colourSignature(halves, b);
    const red = colourSignature(scene(b, RED), b);
    expect(sig.filter((v) => v > 0)).toHaveLength(2);
    expect(sig[48]).toBeCloseTo(0.5, 1);
    // Bhattacharyya against one colour: √0.5
    expect(signatureSimilarity(sig, red)).toBeCloseTo(Math.SQRT1_2, 1);
  });

  it('keeps a box reaching out of the frame inside it', () => {
    const frame = scene(box(0, 0, 400, 300), BLUE);
    const sig = colourSignature(frame, box(-50, 250, 50, 350));
    expect(sum(sig)).toBeCloseTo(1, 5);
    expect(signatureSimilarity(sig, colourSignature(frame, box(100, 100, 200, 200)))).toBeCloseTo(1, 5);
  });

  it('is empty for a box with no middle', () => {
    const frame = scene(box(100, 100, 200, 200), RED);
    expect(sum(colourSignature(frame, box(150, 150, 150, 190)))).toBe(0);
    expect(sum(colourSignature(frame, box(500, 400, 600, 500)))).toBe(0);
  });
});

describe('signatureSimilarity', () => {
  it('is 1 for identical colour patches, wherever and however large they are', () => {
    const a = colourSignature(scene(box(20, 20, 120, 100), RED), box(20, 20, 120, 100));
    const b = colourSignature(scene(box(250, 150, 300, 280), RED), box(250, 150, 300, 280));
    expect(signatureSimilarity(a, b)).toBeCloseTo(1, 5);
  });

  it('is 0 for disjoint colours', () => {
    const b = box(100, 100, 200, 200);
    expect(signatureSimilarity(colourSignature(scene(b, RED), b), colourSignature(scene(b, BLUE), b))).toBe(0);
  });

  it('sees colours within one quantisation step (64 levels) as the same and across it as different', () => {
    const b = box(100, 100, 200, 200);
    const sig = (c: Rgb) => colourSignature(scene(b, c), b);
    expect(signatureSimilarity(sig([200, 10, 70]), sig([250, 60, 120]))).toBeCloseTo(1, 5);
    expect(signatureSimilarity(sig([200, 10, 60]), sig([200, 10, 70]))).toBe(0);
  });

  it('is symmetric', () => {
    const b = box(100, 100, 200, 200);
    const mixed = colourSignature(
      paint(400, 300, (x, y) => (x + y < 300 ? RED : x < 160 ? BLUE : GREY)),
      b,
    );
    const red = colourSignature(scene(b, RED), b);
    expect(signatureSimilarity(mixed, red)).toBeCloseTo(signatureSimilarity(red, mixed), 6);
    expect(signatureSimilarity(mixed, red)).toBeGreaterThan(0);
    expect(signatureSimilarity(mixed, red)).toBeLessThan(1);
  });
});

describe('blendSignature', () => {
  const track = Float32Array.from([1, 0, 0.5, 0.5]);
  const seen = Float32Array.from([0, 1, 0.5, 0.5]);

  it('weights the new signature by `weight` and the track’s by 1 − weight', () => {
    const out = blendSignature(track, seen, 0.3);
    expect(Array.from(out).map((v) => Number(v.toFixed(6)))).toEqual([0.7, 0.3, 0.5, 0.5]);
  });

  it('keeps the track at weight 0 and takes the new one at weight 1', () => {
    expect(Array.from(blendSignature(track, seen, 0))).toEqual(Array.from(track));
    expect(Array.from(blendSignature(track, seen, 1))).toEqual(Array.from(seen));
  });

  it('returns a new signature, leaving both inputs alone', () => {
    const out = blendSignature(track, seen, 0.5);
    expect(out).not.toBe(track);
    expect(Array.from(track)).toEqual([1, 0, 0.5, 0.5]);
    expect(Array.from(seen)).toEqual([0, 1, 0.5, 0.5]);
  });

  it('keeps a normalised signature normalised', () => {
    const a = Float32Array.from([0.25, 0.25, 0.5, 0]);
    const b = Float32Array.from([0, 0.1, 0.2, 0.7]);
    expect(sum(blendSignature(a, b, 0.3))).toBeCloseTo(1, 6);
  });
});
