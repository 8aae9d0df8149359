import { describe, expect, it } from 'vitest';
import {
  CameraMotion,
  estimateShift,
  greyThumbnail,
  isCameraMoving,
  MOVING_CAMERA_SPEED,
} from '../../src/core/camera-motion.js';
import type { Box, RgbFrame } from '../../src/core/types.js';

type Frame = Pick<RgbFrame, 'width' | 'height' | 'data'>;
type Picture = (x: number, y: number) => number;

/** Mulberry32: a small seeded PRNG, so the textures are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Smooth value noise in 0..1 with lattice cells of `cell` px, defined on ±`span` px around the origin. */
function valueNoise(seed: number, cell: number, span = 1200): Picture {
  const rand = prng(seed);
  const n = Math.ceil((2 * span) / cell) + 2;
  const grid = Array.from({ length: n * n }, () => rand());
  return (x, y) => {
    const gx = (x + span) / cell;
    const gy = (y + span) / cell;
    const ix = Math.floor(gx);
    const iy = Math.floor(gy);
    const sx = (gx - ix) ** 2 * (3 - 2 * (gx - ix));
    const sy = (gy - iy) ** 2 * (3 - 2 * (gy - iy));
    const g = (i: number, j: number) => grid[j * n + i]!;
    return (
      (g(ix, iy) * (1 - sx) + g(ix + 1, iy) * sx) * (1 - sy) + (g(ix, iy + 1) * (1 - sx) + g(ix + 1, iy + 1) * sx) * sy
    );
  };
}

/** A textured scene, grey levels 0..255: coarse, middle and fine detail, so every pyramid level has gradients. */
function scene(seed: number): Picture {
  const octaves = [valueNoise(seed, 32), valueNoise(seed + 1, 12), valueNoise(seed + 2, 5)];
  return (x, y) => 255 * (0.5 * octaves[0]!(x, y) + 0.3 * octaves[1]!(x, y) + 0.2 * octaves[2]!(x, y));
}

/** Samples a picture at pixel centres into a packed RGB frame (grey). */
function render(width: number, height: number, picture: Picture): Frame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.max(0, Math.min(255, Math.round(picture(x + 0.5, y + 0.5))));
      data.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return { width, height, data };
}

/** The picture with its content moved by (dx, dy): what was at (x, y) is now at (x + dx, y + dy). */
const moved =
  (picture: Picture, dx: number, dy: number): Picture =>
  (x, y) =>
    picture(x - dx, y - dy);

/** `picture` with `object` pasted into `box` (object coordinates relative to the box). */
const withObject =
  (picture: Picture, object: Picture, box: Box): Picture =>
  (x, y) =>
    x >= box.x1 && x < box.x2 && y >= box.y1 && y < box.y2 ? object(x - box.x1, y - box.y1) : picture(x, y);

function solid(width: number, height: number, rgb: readonly [number, number, number]): Frame {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { width, height, data };
}

const W = 320;
const H = 180;
/** on a 160 px thumbnail of a 320 px frame one thumbnail pixel is 2 frame pixels: 1.5 px is well within reach */
const TOLERANCE = 1.5;

describe('greyThumbnail', () => {
  it('is the requested width, keeping the aspect ratio', () => {
    const t = greyThumbnail(solid(W, H, [0, 0, 0]), 160);
    expect(t.width).toBe(160);
    expect(t.height).toBe(90);
    expect(t.data).toHaveLength(160 * 90);
  });

  it('converts colour to luma (0.299 R + 0.587 G + 0.114 B)', () => {
    const t = greyThumbnail(solid(W, H, [200, 100, 50]), 160);
    const luma = 0.299 * 200 + 0.587 * 100 + 0.114 * 50;
    expect(t.data.every((v) => Math.abs(v - luma) < 1e-3)).toBe(true);
  });

  it('averages the block each thumbnail pixel covers', () => {
    // a one-pixel checkerboard of black and white: every 2×2 block averages to mid-grey
    const checker = render(W, H, (x, y) => ((Math.floor(x) + Math.floor(y)) % 2 === 0 ? 255 : 0));
    const t = greyThumbnail(checker, 160);
    expect(t.data.every((v) => Math.abs(v - 127.5) < 1e-3)).toBe(true);
  });

  it('keeps where things are: a white left half stays the left half', () => {
    const t = greyThumbnail(
      render(W, H, (x) => (x < W / 2 ? 255 : 0)),
      160,
    );
    for (const y of [0, 45, 89]) {
      expect(t.data[y * 160 + 0]).toBeCloseTo(255, 3);
      expect(t.data[y * 160 + 79]).toBeCloseTo(255, 3);
      expect(t.data[y * 160 + 80]).toBe(0);
      expect(t.data[y * 160 + 159]).toBe(0);
    }
  });
});

describe('estimateShift', () => {
  const base = scene(1);
  const prev = render(W, H, base);

  it('returns no shift for identical frames', () => {
    expect(estimateShift(prev, render(W, H, base))).toEqual({ dx: 0, dy: 0 });
  });

  it.each([
    [10, 0],
    [0, -8],
    [-6, 4],
    [7, 3],
    [1, 1],
    [3.5, -2.5],
    [-12.5, -5],
  ])('recovers a background shift of (%s, %s) px', (dx, dy) => {
    const s = estimateShift(prev, render(W, H, moved(base, dx, dy)));
    expect(Math.abs(s.dx - dx)).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(s.dy - dy)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('recovers the shift on other scenes too', () => {
    for (const seed of [2, 3, 4]) {
      const p = scene(seed);
      const s = estimateShift(render(W, H, p), render(W, H, moved(p, -9, 5)));
      expect(Math.abs(s.dx + 9)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(s.dy - 5)).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('handles shifts of about 15 % of the width', () => {
    for (const [dx, dy] of [
      [48, 0],
      [-48, 10],
      [0, -27],
      [40, 20],
    ] as const) {
      const s = estimateShift(prev, render(W, H, moved(base, dx, dy)));
      expect(Math.abs(s.dx - dx)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(s.dy - dy)).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('finds shifts of nearly a fifth of the width, the reach of its coarse search', () => {
    for (const [dx, dy] of [
      [60, 0],
      [-60, 0],
      [0, 34],
      [-56, -20],
    ] as const) {
      const s = estimateShift(prev, render(W, H, moved(base, dx, dy)));
      expect(Math.abs(s.dx - dx)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(s.dy - dy)).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('reads jitter under half a thumbnail pixel as no shift', () => {
    expect(estimateShift(prev, render(W, H, moved(base, 0.5, 0)))).toEqual({ dx: 0, dy: 0 });
  });

  it('measures in the frame’s pixels, whatever its size', () => {
    // a 1280 px frame on a 160 px thumbnail: 8 frame pixels a thumbnail pixel, so within 4
    const big = (x: number, y: number) => base(x / 4, y / 4);
    const s = estimateShift(render(1280, 720, big), render(1280, 720, moved(big, 100, -40)));
    expect(Math.abs(s.dx - 100)).toBeLessThanOrEqual(4);
    expect(Math.abs(s.dy + 40)).toBeLessThanOrEqual(4);
  });

  describe('with a road user moving on its own', () => {
    // a large, high-contrast object (a third of the picture) that moves unlike the background
    const objectTexture = scene(101);
    const object: Picture = (x, y) => (objectTexture(x, y) > 128 ? 255 : 0);
    const before: Box = { x1: 40, y1: 30, x2: 200, y2: 150 };
    const after: Box = { x1: 16, y1: 42, x2: 176, y2: 162 }; // moved (−24, +12)
    const background = (dx: number) => moved(base, dx, 0);
    const prevFrame = render(W, H, withObject(base, object, before));
    const frame = render(W, H, withObject(background(8), object, after));

    it('is pulled by the object when it is not masked (the fixture is a real test)', () => {
      const s = estimateShift(prevFrame, frame);
      expect(Math.hypot(s.dx - 8, s.dy)).toBeGreaterThan(10);
    });

    it('ignores the object when its box is masked, and finds the background shift', () => {
      const s = estimateShift(prevFrame, frame, [after]);
      expect(Math.abs(s.dx - 8)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs(s.dy)).toBeLessThanOrEqual(TOLERANCE);
    });

    it('finds no shift for a still camera with a moving object masked', () => {
      const still = render(W, H, withObject(base, object, after));
      const s = estimateShift(prevFrame, still, [after]);
      expect(Math.hypot(s.dx, s.dy)).toBeLessThanOrEqual(TOLERANCE);
    });
  });

  it('ignores masks that leave too little background to measure', () => {
    const s = estimateShift(prev, render(W, H, moved(base, 12, -6)), [{ x1: 0, y1: 0, x2: W, y2: H }]);
    expect(Math.abs(s.dx - 12)).toBeLessThanOrEqual(TOLERANCE);
    expect(Math.abs(s.dy + 6)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('isCameraMoving', () => {
  // a 400 × 300 frame has a 500 px diagonal: MOVING_CAMERA_SPEED of it per second is 25 px/s
  const limit = MOVING_CAMERA_SPEED * 500;

  it('compares the speed, as a share of the diagonal per second, with MOVING_CAMERA_SPEED', () => {
    expect(limit).toBeCloseTo(25, 9);
    expect(isCameraMoving({ dx: 15, dy: 21 }, 400, 300, 1)).toBe(true); // 25.8 px/s
    expect(isCameraMoving({ dx: 15, dy: 20 }, 400, 300, 1)).toBe(false); // exactly 25 px/s: not over
    expect(isCameraMoving({ dx: -3, dy: 4 }, 400, 300, 1)).toBe(false);
  });

  it('uses the distance, whatever the direction', () => {
    expect(isCameraMoving({ dx: -30, dy: 0 }, 400, 300, 1)).toBe(true);
    expect(isCameraMoving({ dx: 0, dy: -30 }, 400, 300, 1)).toBe(true);
  });

  it('divides by the time the shift took', () => {
    // 15 px in 0.5 s is 30 px/s; in 1 s, 15 px/s
    expect(isCameraMoving({ dx: 9, dy: 12 }, 400, 300, 0.5)).toBe(true);
    expect(isCameraMoving({ dx: 9, dy: 12 }, 400, 300, 1)).toBe(false);
  });

  it('scales with the frame size', () => {
    // 20 px in 1 s: moving on a 400 × 300 frame, jitter on a 1280 × 720 one (limit 73 px/s)
    expect(isCameraMoving({ dx: 20, dy: 20 }, 400, 300, 1)).toBe(true);
    expect(isCameraMoving({ dx: 20, dy: 20 }, 1280, 720, 1)).toBe(false);
  });

  it('takes no shift for a still camera', () => {
    expect(isCameraMoving({ dx: 0, dy: 0 }, 1280, 720, 0.2)).toBe(false);
  });
});

describe('CameraMotion', () => {
  const base = scene(3);
  const at = (dx: number, timestamp: number) => ({ ...render(W, H, moved(base, dx, 0)), timestamp });

  it('adds up the shift frame by frame, and calls a steady pan moving but a still camera not', () => {
    const motion = new CameraMotion();
    expect(motion.update(at(0, 0), [])).toEqual({ moving: false });
    expect(motion.offset).toEqual([0, 0]);
    // 6 px in 0.2 s on a 367 px diagonal: 8% of the diagonal a second, past MOVING_CAMERA_SPEED
    expect(motion.update(at(6, 0.2), [])).toEqual({ moving: true });
    expect(motion.update(at(12, 0.4), [])).toEqual({ moving: true });
    expect(Math.abs(motion.offset[0] - 12)).toBeLessThanOrEqual(2 * TOLERANCE);
    expect(Math.abs(motion.offset[1])).toBeLessThanOrEqual(TOLERANCE);
    expect(motion.update(at(12, 0.6), [])).toEqual({ moving: false });
    expect(Math.abs(motion.offset[0] - 12)).toBeLessThanOrEqual(2 * TOLERANCE);
  });
});
