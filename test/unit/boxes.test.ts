import { describe, expect, it } from 'vitest';
import { area, bottomCenter, clipBox, iou, letterbox, nms, unletterboxBox } from '../../src/core/boxes.js';
import type { Detection } from '../../src/core/types.js';

const box = (x1: number, y1: number, x2: number, y2: number) => ({ x1, y1, x2, y2 });
const det = (b: ReturnType<typeof box>, score: number, label: Detection['label'] = 'motorcycle'): Detection => ({
  box: b,
  score,
  label,
});

describe('area and iou', () => {
  it('computes area and treats inverted boxes as empty', () => {
    expect(area(box(0, 0, 10, 5))).toBe(50);
    expect(area(box(10, 10, 0, 0))).toBe(0);
  });

  it('is 1 for identical boxes, 0 for disjoint or touching ones', () => {
    expect(iou(box(0, 0, 10, 10), box(0, 0, 10, 10))).toBe(1);
    expect(iou(box(0, 0, 10, 10), box(20, 20, 30, 30))).toBe(0);
    expect(iou(box(0, 0, 10, 10), box(10, 0, 20, 10))).toBe(0);
    expect(iou(box(0, 0, 0, 0), box(0, 0, 0, 0))).toBe(0);
  });

  it('matches a hand-computed partial overlap', () => {
    // overlap 5x10 = 50, union 100 + 100 - 50 = 150
    expect(iou(box(0, 0, 10, 10), box(5, 0, 15, 10))).toBeCloseTo(1 / 3, 10);
  });

  it('is symmetric', () => {
    const a = box(3, 4, 17, 19);
    const b = box(8, 1, 22, 12);
    expect(iou(a, b)).toBe(iou(b, a));
  });
});

describe('clipBox and bottomCenter', () => {
  it('clips to the frame', () => {
    expect(clipBox(box(-5, -3, 700, 500), 640, 480)).toEqual(box(0, 0, 640, 480));
  });
  it('bottom-centre is the middle of the bottom edge', () => {
    expect(bottomCenter(box(10, 20, 30, 60))).toEqual([20, 60]);
  });
});

describe('letterbox', () => {
  it('centres a landscape 1920x1080 frame in 416x416', () => {
    const lb = letterbox(1920, 1080, 416, 416, { center: true });
    expect(lb.scale).toBeCloseTo(416 / 1920, 12);
    expect(lb.width).toBe(416);
    expect(lb.height).toBe(234);
    expect(lb.padX).toBe(0);
    expect(lb.padY).toBe(91);
  });

  it('places the image top-left when not centred', () => {
    const lb = letterbox(1920, 1080, 416, 416, { center: false });
    expect(lb.padX).toBe(0);
    expect(lb.padY).toBe(0);
  });

  it('pads left and right for a portrait frame', () => {
    const lb = letterbox(1080, 1920, 640, 640, { center: true });
    expect(lb.height).toBe(640);
    expect(lb.width).toBe(360);
    expect(lb.padX).toBe(140);
    expect(lb.padY).toBe(0);
  });

  it('upscales small images', () => {
    const lb = letterbox(100, 50, 416, 416, { center: true });
    expect(lb.scale).toBeCloseTo(4.16, 12);
    expect(lb.width).toBe(416);
    expect(lb.height).toBe(208);
  });

  it('rejects non-positive sizes', () => {
    expect(() => letterbox(0, 100, 416, 416, { center: true })).toThrow(RangeError);
    expect(() => letterbox(100, 100, 416, Number.NaN, { center: true })).toThrow(RangeError);
  });

  it.each([true, false])('round-trips a box through letterbox space (center=%s)', (center) => {
    const lb = letterbox(3840, 2160, 640, 640, { center });
    const src = box(1000, 500, 1400, 900);
    const inModel = {
      x1: src.x1 * lb.scale + lb.padX,
      y1: src.y1 * lb.scale + lb.padY,
      x2: src.x2 * lb.scale + lb.padX,
      y2: src.y2 * lb.scale + lb.padY,
    };
    const back = unletterboxBox(inModel, lb);
    expect(back.x1).toBeCloseTo(src.x1, 6);
    expect(back.y1).toBeCloseTo(src.y1, 6);
    expect(back.x2).toBeCloseTo(src.x2, 6);
    expect(back.y2).toBeCloseTo(src.y2, 6);
  });

  it('clips boxes that reach into the padding', () => {
    const lb = letterbox(1920, 1080, 416, 416, { center: true });
    const back = unletterboxBox(box(-10, 0, 500, 416), lb);
    expect(back).toEqual(box(0, 0, 1920, 1080));
  });
});

describe('nms', () => {
  it('keeps the best of overlapping boxes and sorts by score', () => {
    const kept = nms([det(box(0, 0, 10, 10), 0.6), det(box(1, 1, 11, 11), 0.9), det(box(50, 50, 60, 60), 0.7)], 0.5, {
      classWise: true,
    });
    expect(kept.map((d) => d.score)).toEqual([0.9, 0.7]);
  });

  it('class-wise lets different labels coexist, class-agnostic does not', () => {
    const dets = [det(box(0, 0, 10, 10), 0.9, 'motorcycle'), det(box(0, 0, 10, 10), 0.8, 'bicycle')];
    expect(nms(dets, 0.5, { classWise: true })).toHaveLength(2);
    expect(nms(dets, 0.5, { classWise: false }).map((d) => d.label)).toEqual(['motorcycle']);
  });

  it('keeps boxes whose overlap is at or below the threshold', () => {
    // iou exactly 1/3
    const dets = [det(box(0, 0, 10, 10), 0.9), det(box(5, 0, 15, 10), 0.8)];
    expect(nms(dets, 0.5, { classWise: true })).toHaveLength(2);
    expect(nms(dets, 0.3, { classWise: true })).toHaveLength(1);
  });

  it('handles an empty list and does not mutate its input', () => {
    expect(nms([], 0.5, { classWise: true })).toEqual([]);
    const dets = [det(box(0, 0, 1, 1), 0.1), det(box(5, 5, 6, 6), 0.9)];
    nms(dets, 0.5, { classWise: true });
    expect(dets[0]!.score).toBe(0.1);
  });
});
