import { describe, expect, it } from 'vitest';
import { BoxFilter } from '../../src/core/box-filter.js';

const box = (x: number, y: number, w = 60, h = 80) => ({ x1: x, y1: y, x2: x + w, y2: y + h });

describe('BoxFilter', () => {
  it('starts at the first box and predicts no motion yet', () => {
    const f = new BoxFilter(box(100, 50));
    expect(f.box).toEqual(box(100, 50));
    expect(f.predict(1)).toEqual(box(100, 50));
  });

  it('learns a constant velocity and extrapolates it over several frames', () => {
    const f = new BoxFilter(box(100, 50));
    for (let i = 1; i <= 8; i++) {
      f.predict(1);
      f.correct(box(100 + 12 * i, 50 - 4 * i));
    }
    const ahead = f.predict(3); // frame 11
    expect(ahead.x1).toBeCloseTo(100 + 12 * 11, -1); // within ±5 px
    expect(ahead.y1).toBeCloseTo(50 - 4 * 11, -1);
    expect(ahead.x2 - ahead.x1).toBeCloseTo(60, 0);
    expect(ahead.y2 - ahead.y1).toBeCloseTo(80, 0);
  });

  it('follows a measurement more than its prediction when the prediction is uncertain', () => {
    const f = new BoxFilter(box(0, 0));
    f.predict(1);
    const corrected = f.correct(box(10, 0));
    expect(corrected.x1).toBeGreaterThan(5);
    expect(corrected.x1).toBeLessThanOrEqual(10);
  });
});
