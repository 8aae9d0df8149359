import type { Box } from './types.js';

/**
 * Constant-velocity Kalman filter for a box, as ByteTrack uses it. Its 8-state filter has
 * block-diagonal matrices, so it splits exactly into four independent 2-state filters
 * (position, velocity) for centre x, centre y, width and height; that is what this is.
 */

// Noise as a fraction of the object's size: ByteTrack's weights.
const POS_STD = 1 / 20;
const VEL_STD = 1 / 160;

class AxisFilter {
  position: number;
  velocity = 0;
  private p00: number;
  private p01 = 0;
  private p11: number;

  constructor(position: number, size: number) {
    this.position = position;
    this.p00 = (2 * POS_STD * size) ** 2;
    this.p11 = (10 * VEL_STD * size) ** 2;
  }

  /** x = F x, P = F P Fᵀ + Q with F = [[1, dt], [0, 1]] */
  predict(dt: number, size: number): void {
    this.position += this.velocity * dt;
    this.p00 += 2 * dt * this.p01 + dt * dt * this.p11 + (POS_STD * size) ** 2 * dt;
    this.p01 += dt * this.p11;
    this.p11 += (VEL_STD * size) ** 2 * dt;
  }

  /** measurement of the position with H = [1, 0] */
  correct(measured: number, size: number): void {
    const s = this.p00 + (POS_STD * size) ** 2;
    const k0 = this.p00 / s;
    const k1 = this.p01 / s;
    const innovation = measured - this.position;
    this.position += k0 * innovation;
    this.velocity += k1 * innovation;
    const { p00, p01 } = this;
    this.p00 = (1 - k0) * p00;
    this.p01 = (1 - k0) * p01;
    this.p11 -= k1 * p01;
  }
}

export function toCxCyWh(b: Box): [number, number, number, number] {
  return [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2, b.x2 - b.x1, b.y2 - b.y1];
}

export class BoxFilter {
  private readonly axes: [AxisFilter, AxisFilter, AxisFilter, AxisFilter];

  constructor(box: Box) {
    const [cx, cy, w, h] = toCxCyWh(box);
    this.axes = [new AxisFilter(cx, w), new AxisFilter(cy, h), new AxisFilter(w, w), new AxisFilter(h, h)];
  }

  /** the filter's current estimate */
  get box(): Box {
    const [cx, cy, w, h] = this.axes.map((a) => a.position) as [number, number, number, number];
    const hw = Math.max(w, 1) / 2;
    const hh = Math.max(h, 1) / 2;
    return { x1: cx - hw, y1: cy - hh, x2: cx + hw, y2: cy + hh };
  }

  /** advance `frames` frames; noise scales with the current size (x and width with width, y and height with height) */
  predict(frames: number): Box {
    const [, , w, h] = toCxCyWh(this.box);
    const sizes = [w, h, w, h];
    this.axes.forEach((a, i) => a.predict(frames, sizes[i]!));
    return this.box;
  }

  /** move the estimate by (dx, dy) pixels: the camera moved the whole picture */
  shift(dx: number, dy: number): Box {
    this.axes[0].position += dx;
    this.axes[1].position += dy;
    return this.box;
  }

  correct(measured: Box): Box {
    const m = toCxCyWh(measured);
    const sizes = [m[2], m[3], m[2], m[3]];
    this.axes.forEach((a, i) => a.correct(m[i]!, sizes[i]!));
    return this.box;
  }
}
