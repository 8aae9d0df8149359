import { describe, expect, it } from 'vitest';
import { BestShotKeeper, cutOut, laplacianVariance } from '../../src/analysis/best-frames.js';
import type { Box, RgbFrame } from '../../src/core/types.js';

/** A frame whose pixel (x, y) is paint(x, y) as [r, g, b]. */
function frame(
  width: number,
  height: number,
  paint: (x: number, y: number) => [number, number, number],
  index = 0,
  timestamp = 0,
): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 3);
  return { index, timestamp, width, height, data };
}
const grey = (v: number): [number, number, number] => [v, v, v];
/** Vertical stripes two pixels wide, `contrast` either side of mid grey: sharper for a bigger contrast. */
const stripes = (contrast: number) => (x: number) => grey(x % 4 < 2 ? 128 - contrast : 128 + contrast);
const pixel = (f: RgbFrame, x: number, y: number) => [
  ...f.data.subarray((y * f.width + x) * 3, (y * f.width + x) * 3 + 3),
];
const box = (x1: number, y1: number, x2: number, y2: number): Box => ({ x1, y1, x2, y2 });

describe('laplacianVariance', () => {
  it('is zero on a flat picture', () => {
    expect(
      laplacianVariance(
        frame(64, 64, () => grey(90)),
        box(10, 10, 50, 50),
      ),
    ).toBe(0);
  });

  it('is zero on a smooth ramp (the Laplacian of a linear ramp vanishes)', () => {
    expect(
      laplacianVariance(
        frame(64, 64, (x, y) => grey(x + 2 * y)),
        box(10, 10, 50, 50),
      ),
    ).toBeCloseTo(0, 9);
  });

  it('is positive on texture and grows with contrast (variance: with its square)', () => {
    const soft = laplacianVariance(frame(64, 64, stripes(10)), box(10, 10, 50, 50));
    const crisp = laplacianVariance(frame(64, 64, stripes(40)), box(10, 10, 50, 50));
    expect(soft).toBeGreaterThan(0);
    expect(crisp / soft).toBeCloseTo(16, 6);
  });

  it('looks at luma: each channel counts with its BT.601 weight', () => {
    const channel =
      (c: 0 | 1 | 2) =>
      (x: number): [number, number, number] => {
        const px: [number, number, number] = [0, 0, 0];
        px[c] = x % 4 < 2 ? 0 : 200;
        return px;
      };
    const all = laplacianVariance(
      frame(64, 64, (x) => grey(x % 4 < 2 ? 0 : 200)),
      box(10, 10, 50, 50),
    );
    const [r, g, b] = ([0, 1, 2] as const).map((c) =>
      laplacianVariance(frame(64, 64, channel(c)), box(10, 10, 50, 50)),
    );
    expect(r! / all).toBeCloseTo(0.299 ** 2, 9);
    expect(g! / all).toBeCloseTo(0.587 ** 2, 9);
    expect(b! / all).toBeCloseTo(0.114 ** 2, 9);
  });

  it('measures inside the box only', () => {
    // Texture left of x = 32, flat to the right.
    const f = frame(64, 64, (x) => (x < 32 ? stripes(50)(x) : grey(128)));
    expect(laplacianVariance(f, box(40, 10, 60, 50))).toBe(0);
    expect(laplacianVariance(f, box(4, 10, 24, 50))).toBeGreaterThan(0);
  });

  it('is zero for a box with no room inside the frame border', () => {
    const f = frame(32, 32, stripes(50));
    expect(laplacianVariance(f, box(0, 0, 1, 1))).toBe(0);
    expect(laplacianVariance(f, box(20, 20, 20, 20))).toBe(0);
    expect(laplacianVariance(f, box(40, 40, 60, 60))).toBe(0);
  });

  it('copes with a small box clamped at the frame edges', () => {
    const f = frame(64, 64, stripes(30));
    const v = laplacianVariance(f, box(-10, -10, 100, 100));
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(0);
  });

  // Over ~160 px the grid step is > 1: the neighbours at x/y ± step must still lie inside the frame.
  it('stays finite for a large box that touches the frame border', () => {
    const f = frame(400, 400, stripes(30));
    expect(Number.isFinite(laplacianVariance(f, box(0, 0, 400, 400)))).toBe(true);
    expect(Number.isFinite(laplacianVariance(f, box(200, 200, 400, 400)))).toBe(true);
  });
});

describe('cutOut', () => {
  // Pixel (x, y) is [x, y, 7], so every copied pixel tells where it came from.
  const f = frame(100, 80, (x, y) => [x, y, 7], 42, 3.5);

  it('copies exactly the box without a margin', () => {
    const { image, box: inner } = cutOut(f, box(10, 20, 30, 50), 0);
    expect({ index: image.index, timestamp: image.timestamp, width: image.width, height: image.height }).toEqual({
      index: 42,
      timestamp: 3.5,
      width: 20,
      height: 30,
    });
    expect(image.data.length).toBe(20 * 30 * 3);
    expect(inner).toEqual(box(0, 0, 20, 30));
    expect(pixel(image, 0, 0)).toEqual([10, 20, 7]);
    expect(pixel(image, 19, 29)).toEqual([29, 49, 7]);
  });

  it('adds the margin as a fraction of the box size on every side', () => {
    const { image, box: inner } = cutOut(f, box(40, 20, 60, 60), 0.25); // 20 x 40 box: 5 px and 10 px margins
    expect([image.width, image.height]).toEqual([30, 60]);
    expect(inner).toEqual(box(5, 10, 25, 50));
    expect(pixel(image, 0, 0)).toEqual([35, 10, 7]);
    expect(pixel(image, inner.x1, inner.y1)).toEqual([40, 20, 7]);
  });

  it('clamps the margin at the frame edges and keeps the box where it is in the cut-out', () => {
    const { image, box: inner } = cutOut(f, box(2, 70, 40, 80), 0.5);
    expect([image.width, image.height]).toEqual([59, 15]); // x 0..59, y 65..80
    expect(inner).toEqual(box(2, 5, 40, 15));
    expect(pixel(image, 0, 0)).toEqual([0, 65, 7]);
    expect(pixel(image, 58, 14)).toEqual([58, 79, 7]);
  });

  it('widens fractional boxes to whole pixels (floor, ceil) and keeps fractions in the inner box', () => {
    const { image, box: inner } = cutOut(f, box(10.6, 20.2, 19.4, 29.9), 0);
    expect([image.width, image.height]).toEqual([10, 10]); // x 10..20, y 20..30
    expect(inner.x1).toBeCloseTo(0.6);
    expect(inner.y1).toBeCloseTo(0.2);
    expect(inner.x2).toBeCloseTo(9.4);
    expect(inner.y2).toBeCloseTo(9.9);
  });

  it('copies the pixels: changing the cut-out leaves the frame alone', () => {
    const { image } = cutOut(f, box(0, 0, 10, 10), 0);
    image.data.fill(255);
    expect(pixel(f, 0, 0)).toEqual([0, 0, 7]);
  });

  it('gives at least one pixel for an empty box', () => {
    const { image } = cutOut(f, box(10, 10, 10, 10), 0.5);
    expect([image.width, image.height]).toEqual([1, 1]);
  });
});

describe('BestShotKeeper', () => {
  const W = 200;
  const H = 120;
  /** A textured frame at time t; contrast sets the sharpness. */
  const at = (index: number, timestamp: number, contrast = 30) => frame(W, H, stripes(contrast), index, timestamp);
  const car = box(40, 30, 100, 80); // 60 x 50

  it('keeps nothing for a box smaller than minSide in either dimension', () => {
    const keeper = new BestShotKeeper(3, 1, 0.12, 24);
    keeper.offer(1, at(0, 0), box(40, 30, 63, 80)); // 23 wide
    keeper.offer(1, at(1, 0.1), box(40, 30, 100, 53)); // 23 high
    expect(keeper.get(1, new Set([0, 1]))).toEqual([]);
    keeper.offer(1, at(2, 0.2), box(40, 30, 64, 54)); // 24 x 24: enough
    expect(keeper.get(1, new Set([0, 1, 2])).map((s) => s.frameIndex)).toEqual([2]);
  });

  it('records the shot: frame, time, cut-out with margin, boxes and quality = area × √sharpness', () => {
    const keeper = new BestShotKeeper(3, 1, 0.1);
    const f = at(7, 2.25);
    keeper.offer(1, f, car);
    const [shot] = keeper.get(1, new Set([7]));
    const cut = cutOut(f, car, 0.1);
    expect(shot).toBeDefined();
    expect(shot!.frameIndex).toBe(7);
    expect(shot!.timestamp).toBe(2.25);
    expect(shot!.frameBox).toEqual(car);
    expect(shot!.box).toEqual(cut.box);
    expect([shot!.image.width, shot!.image.height]).toEqual([cut.image.width, cut.image.height]);
    expect(shot!.image.data).toEqual(cut.image.data);
    expect(shot!.quality).toBeCloseTo(60 * 50 * Math.sqrt(laplacianVariance(f, car)), 9);
  });

  it('keeps the best shot per time bucket: a sharper one replaces, a worse or equal one does not', () => {
    const keeper = new BestShotKeeper(3, 1);
    keeper.offer(1, at(0, 0.0, 20), car);
    keeper.offer(1, at(1, 0.3, 40), car); // sharper: replaces
    keeper.offer(1, at(2, 0.6, 10), car); // blurrier: ignored
    keeper.offer(1, at(3, 0.9, 40), car); // as good: the first stays
    const kept = keeper.get(1, new Set([0, 1, 2, 3]));
    expect(kept.map((s) => s.frameIndex)).toEqual([1]);
  });

  it('a bigger box of the same sharpness wins within a bucket', () => {
    const keeper = new BestShotKeeper(3, 1);
    keeper.offer(1, at(0, 0.1), box(40, 30, 80, 70));
    keeper.offer(1, at(1, 0.2), box(40, 30, 120, 100));
    expect(keeper.get(1, new Set([0, 1])).map((s) => s.frameIndex)).toEqual([1]);
  });

  it('keeps one shot per bucket across time and returns the best perTrack, best first', () => {
    const keeper = new BestShotKeeper(2, 1);
    keeper.offer(1, at(0, 0.5, 10), car); // bucket 0
    keeper.offer(1, at(1, 1.5, 40), car); // bucket 1
    keeper.offer(1, at(2, 2.5, 25), car); // bucket 2
    keeper.offer(1, at(3, 3.5, 30), car); // bucket 3
    expect(keeper.get(1, new Set([0, 1, 2, 3])).map((s) => s.frameIndex)).toEqual([1, 3]);
  });

  it('uses buckets of bucketSec seconds', () => {
    const keeper = new BestShotKeeper(5, 2);
    keeper.offer(1, at(0, 0.1, 10), car); // bucket 0
    keeper.offer(1, at(1, 1.9, 20), car); // bucket 0: replaces
    keeper.offer(1, at(2, 2.0, 15), car); // bucket 1
    expect(keeper.get(1, new Set([0, 1, 2])).map((s) => s.frameIndex)).toEqual([1, 2]);
  });

  it('returns only kept shots whose frame is among the given frames', () => {
    const keeper = new BestShotKeeper(3, 1);
    keeper.offer(1, at(0, 0.5, 40), car);
    keeper.offer(1, at(1, 1.5, 20), car);
    keeper.offer(1, at(2, 2.5, 30), car);
    expect(keeper.get(1, new Set([1, 2])).map((s) => s.frameIndex)).toEqual([2, 1]);
    expect(keeper.get(1, new Set([5, 6]))).toEqual([]);
    expect(keeper.get(1, new Set())).toEqual([]);
  });

  it('does not fall back to a beaten shot of a bucket whose winner lies outside the frames', () => {
    const keeper = new BestShotKeeper(3, 1);
    keeper.offer(1, at(0, 0.1, 20), car);
    keeper.offer(1, at(1, 0.2, 40), car); // wins bucket 0
    expect(keeper.get(1, new Set([0]))).toEqual([]);
  });

  it('keeps tracks apart, and knows nothing of an unseen track', () => {
    const keeper = new BestShotKeeper(3, 1);
    keeper.offer(1, at(0, 0.1, 20), car);
    keeper.offer(2, at(0, 0.1, 40), box(110, 30, 170, 80));
    expect(keeper.get(1, new Set([0]))).toHaveLength(1);
    expect(keeper.get(1, new Set([0]))[0]!.frameBox).toEqual(car);
    expect(keeper.get(2, new Set([0]))[0]!.frameBox).toEqual(box(110, 30, 170, 80));
    expect(keeper.get(3, new Set([0]))).toEqual([]);
  });

  it('retainOnly frees the tracks not named', () => {
    const keeper = new BestShotKeeper(3, 1);
    keeper.offer(1, at(0, 0.1), car);
    keeper.offer(2, at(0, 0.1), car);
    keeper.offer(3, at(0, 0.1), car);
    keeper.retainOnly(new Set([2]));
    expect(keeper.get(1, new Set([0]))).toEqual([]);
    expect(keeper.get(2, new Set([0]))).toHaveLength(1);
    expect(keeper.get(3, new Set([0]))).toEqual([]);
  });
});
