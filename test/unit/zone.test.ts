import { describe, expect, it } from 'vitest';
import { PolygonZone } from '../../src/core/zone.js';
import type { Box } from '../../src/core/types.js';

// Lower half of a 1000x500 frame.
const zone = () =>
  new PolygonZone(
    [
      [0, 0.5],
      [1, 0.5],
      [1, 1],
      [0, 1],
    ],
    1000,
    500,
    { inertia: 3 },
  );
/** A 40x40 box whose bottom-centre is at (cx, bottom). */
const at = (cx: number, bottom: number): Box => ({ x1: cx - 20, y1: bottom - 40, x2: cx + 20, y2: bottom });
const IN = at(500, 400);
const OUT = at(500, 200);

describe('PolygonZone', () => {
  it('judges by the bottom-centre, not the box centre', () => {
    const z = zone();
    // box mostly above the line, wheels below it
    expect(z.containsBox({ x1: 480, y1: 100, x2: 520, y2: 260 })).toBe(true);
    // wheels above the line
    expect(z.containsBox({ x1: 480, y1: 200, x2: 520, y2: 240 })).toBe(false);
  });

  it('enters only after `inertia` consecutive inside observations, from the first of them', () => {
    const z = zone();
    expect(z.update(1, IN, 10).inside).toBe(false);
    expect(z.update(1, IN, 11).inside).toBe(false);
    const third = z.update(1, IN, 12);
    expect(third).toMatchObject({ inside: true, entered: true, entryFrame: 10 });
    expect(z.update(1, IN, 13)).toMatchObject({ inside: true, entered: false });
  });

  it('ignores a jitter shorter than the inertia in either direction', () => {
    const z = zone();
    z.update(1, IN, 0);
    z.update(1, IN, 1);
    z.update(1, OUT, 2); // breaks the streak
    expect(z.update(1, IN, 3).inside).toBe(false);
    expect(z.update(1, IN, 4).inside).toBe(false);
    expect(z.update(1, IN, 5).entered).toBe(true);
    // inside now; two frames out then back in does not leave
    expect(z.update(1, OUT, 6).left).toBe(false);
    expect(z.update(1, OUT, 7).left).toBe(false);
    expect(z.update(1, IN, 8).inside).toBe(true);
    expect(z.isInside(1)).toBe(true);
  });

  it('leaves after `inertia` outside observations and names the last inside frame', () => {
    const z = zone();
    for (let f = 0; f < 5; f++) z.update(1, IN, f);
    z.update(1, OUT, 5);
    z.update(1, OUT, 6);
    const left = z.update(1, OUT, 7);
    expect(left).toMatchObject({ inside: false, left: true, exitFrame: 4 });
    expect(z.isInside(1)).toBe(false);
  });

  it('keeps tracks apart and forgets them on request', () => {
    const z = zone();
    for (let f = 0; f < 3; f++) {
      z.update(1, IN, f);
      z.update(2, OUT, f);
    }
    expect(z.isInside(1)).toBe(true);
    expect(z.isInside(2)).toBe(false);
    z.forget(1);
    expect(z.isInside(1)).toBe(false);
  });

  it('enters at once with inertia 1', () => {
    const z = new PolygonZone(
      [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ],
      100,
      100,
      { inertia: 1 },
    );
    expect(z.update(1, { x1: 10, y1: 10, x2: 20, y2: 20 }, 0).entered).toBe(true);
  });
});
