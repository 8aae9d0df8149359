import { describe, expect, it } from 'vitest';
import {
  MAX_POLYGON_POINTS,
  pointInPolygon,
  polygonArea,
  polygonProblems,
  segmentsIntersect,
} from '../../src/core/geometry.js';
import type { Point } from '../../src/core/types.js';

const square: Point[] = [
  [0.1, 0.1],
  [0.9, 0.1],
  [0.9, 0.9],
  [0.1, 0.9],
];

describe('polygonArea', () => {
  it('is orientation independent', () => {
    expect(polygonArea(square)).toBeCloseTo(0.64, 12);
    expect(polygonArea([...square].reverse())).toBeCloseTo(0.64, 12);
  });
  it('is zero for collinear points', () => {
    expect(
      polygonArea([
        [0, 0],
        [0.5, 0.5],
        [1, 1],
      ]),
    ).toBe(0);
  });
});

describe('pointInPolygon', () => {
  it('finds inside and outside points of a square', () => {
    expect(pointInPolygon([0.5, 0.5], square)).toBe(true);
    expect(pointInPolygon([0.05, 0.5], square)).toBe(false);
    expect(pointInPolygon([0.5, 0.95], square)).toBe(false);
  });

  it('handles a concave (U-shaped) polygon', () => {
    const u: Point[] = [
      [0, 0],
      [0.3, 0],
      [0.3, 0.7],
      [0.7, 0.7],
      [0.7, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ];
    expect(pointInPolygon([0.5, 0.3], u)).toBe(false); // in the notch
    expect(pointInPolygon([0.5, 0.85], u)).toBe(true);
    expect(pointInPolygon([0.15, 0.3], u)).toBe(true);
  });
});

describe('segmentsIntersect', () => {
  it('detects crossing, touching and disjoint segments', () => {
    expect(segmentsIntersect([0, 0], [1, 1], [0, 1], [1, 0])).toBe(true);
    expect(segmentsIntersect([0, 0], [1, 0], [1, 0], [2, 1])).toBe(true);
    expect(segmentsIntersect([0, 0], [1, 0], [0, 1], [1, 1])).toBe(false);
    expect(segmentsIntersect([0, 0], [2, 0], [1, 0], [3, 0])).toBe(true); // collinear overlap
  });
});

describe('polygonProblems', () => {
  it('accepts a valid polygon, including ones touching the frame edge', () => {
    expect(polygonProblems(square)).toEqual([]);
    expect(
      polygonProblems([
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ]),
    ).toEqual([]);
    expect(
      polygonProblems([
        [0, 0],
        [1, 0],
        [0.5, 1],
      ]),
    ).toEqual([]);
  });

  it('needs at least three points', () => {
    expect(polygonProblems([])).toEqual(['polygon needs at least 3 points, got 0']);
    expect(
      polygonProblems([
        [0, 0],
        [1, 1],
      ])[0],
    ).toMatch(/at least 3 points, got 2/);
  });

  it('names the point that is not a finite pair', () => {
    const problems = polygonProblems([[0, 0], [Number.NaN, 0.5], [1, 1], [0.5, Infinity], 'x', [1]]);
    expect(problems).toEqual([
      'point 1 must be [x, y] with two finite numbers',
      'point 3 must be [x, y] with two finite numbers',
      'point 4 must be [x, y] with two finite numbers',
      'point 5 must be [x, y] with two finite numbers',
    ]);
  });

  it('names the point outside 0..1', () => {
    expect(
      polygonProblems([
        [0, 0],
        [1.2, 0],
        [1, 1],
      ]),
    ).toEqual(['point 1 [1.2, 0] is outside 0..1']);
    expect(
      polygonProblems([
        [0, 0],
        [1, 0],
        [1, -0.01],
      ])[0],
    ).toMatch(/^point 2 /);
  });

  it('rejects a self-crossing bow-tie and names the crossing edges', () => {
    const problems = polygonProblems([
      [0, 0],
      [1, 1],
      [1, 0],
      [0, 1],
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/self-intersecting: edge from point 0 crosses edge from point 2/);
  });

  it('rejects a polygon whose vertex touches a non-adjacent edge', () => {
    // point 4 lies on edge 1-2
    const problems = polygonProblems([
      [0, 0],
      [0.5, 0],
      [0.5, 1],
      [0, 1],
      [0.5, 0.5],
    ]);
    expect(problems.some((p) => p.includes('self-intersecting'))).toBe(true);
  });

  it('rejects repeated points and zero-area polygons', () => {
    expect(
      polygonProblems([
        [0, 0],
        [1, 0],
        [1, 0],
        [0, 1],
      ]),
    ).toEqual(['point 2 repeats point 1']);
    const collinear = polygonProblems([
      [0, 0],
      [0.5, 0.5],
      [1, 1],
    ]);
    expect(collinear.length).toBeGreaterThan(0);
    expect(collinear.join(' ')).toMatch(/folds back|zero area/);
  });

  it('refuses a polygon of more than MAX_POLYGON_POINTS points at once, without examining it', () => {
    // 6,000 identical points once exhausted the API's heap: one message per duplicate pair
    const flood = Array.from({ length: 6000 }, () => [0.5, 0.5]);
    const started = performance.now();
    expect(polygonProblems(flood)).toEqual([`polygon has 6000 points; a zone may have at most ${MAX_POLYGON_POINTS}`]);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('reports a point repeated many times once per repeat, and caps the list with a count', () => {
    const repeats = [[0, 0], [1, 0], [0, 1], ...Array.from({ length: 100 }, () => [1, 0])];
    const problems = polygonProblems(repeats);
    expect(problems).toHaveLength(21);
    expect(problems[0]).toBe('point 3 repeats point 1');
    expect(problems[20]).toBe('… and 80 more problems');
  });

  it('checks a polygon of the largest allowed size quickly', () => {
    // a circle of MAX_POLYGON_POINTS points: simple, so every edge pair is examined
    const circle = Array.from({ length: MAX_POLYGON_POINTS }, (_, i) => {
      const a = (2 * Math.PI * i) / MAX_POLYGON_POINTS;
      return [0.5 + 0.4 * Math.cos(a), 0.5 + 0.4 * Math.sin(a)];
    });
    expect(polygonProblems(circle)).toEqual([]);
  });
});
