import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderAnnotated, type AnnotationSpec } from '../../src/evidence/annotate.js';

const W = 640;
const H = 360;
const frame = { data: new Uint8Array(W * H * 3).fill(128), width: W, height: H };
const spec = (caption: string[]): AnnotationSpec => ({
  zonePolygon: [
    [0.8, 0.8],
    [0.95, 0.8],
    [0.95, 0.95],
  ],
  zoneName: '',
  box: { x1: 500, y1: 250, x2: 560, y2: 320 },
  boxSpace: { width: W, height: H },
  trackId: 1,
  label: '',
  caption,
});

/** The caption's top-left corner, as grey pixels: where the text is drawn on the black box. */
async function captionPixels(caption: string[]): Promise<Buffer> {
  const jpeg = await renderAnnotated(frame, spec(caption));
  return sharp(jpeg).extract({ left: 0, top: 0, width: 90, height: 24 }).greyscale().raw().toBuffer();
}

/** Pixels bright enough to be white text on the caption's dark box. */
const ink = (px: Buffer) => px.filter((v) => v > 128).length;
const differing = (a: Buffer, b: Buffer) => a.filter((v, i) => Math.abs(v - b[i]!) > 60).length;

describe('annotated evidence in Korean', () => {
  it('draws Hangul glyphs, not empty boxes: different words look different, and unlike missing glyphs', async () => {
    const [riding, other, missing, english] = await Promise.all([
      captionPixels(['이륜차 진입']),
      captionPixels(['보도 최대이']),
      // private-use characters: no font has them, so they show what a missing glyph looks like
      captionPixels(['\uE000\uE001\uE002\uE003\uE004\uE005']),
      captionPixels(['motorcycle entry']),
    ]);
    // Hangul leaves about as much ink as Latin text does; a font without Hangul would leave boxes or nothing.
    expect(ink(riding)).toBeGreaterThan(ink(english) * 0.5);
    // Two different words differ in many pixels; tofu boxes would be the same for both.
    expect(differing(riding, other)).toBeGreaterThan(50);
    expect(differing(riding, missing)).toBeGreaterThan(50);
  });
});
