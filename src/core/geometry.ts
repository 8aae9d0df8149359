import type { Point } from './types.js';

/** Shoelace area, always ≥ 0, in the units of the points. */
export function polygonArea(poly: readonly Point[]): number {
  let twice = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x1, y1] = poly[i]!;
    const [x2, y2] = poly[(i + 1) % poly.length]!;
    twice += x1 * y2 - x2 * y1;
  }
  return Math.abs(twice) / 2;
}

/** Even-odd ray casting; points exactly on an edge may fall either way. */
export function pointInPolygon(p: Point, poly: readonly Point[]): boolean {
  const [px, py] = p;
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

const EPS = 1e-12;

function orientation(a: Point, b: Point, c: Point): number {
  const v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
  return Math.abs(v) < EPS ? 0 : Math.sign(v);
}

function onSegment(a: Point, b: Point, p: Point): boolean {
  return (
    Math.min(a[0], b[0]) - EPS <= p[0] &&
    p[0] <= Math.max(a[0], b[0]) + EPS &&
    Math.min(a[1], b[1]) - EPS <= p[1] &&
    p[1] <= Math.max(a[1], b[1]) + EPS
  );
}

/** Whether closed segments ab and cd share any point (touching and collinear overlap count). */
export function segmentsIntersect(a: Point, b: Point, c: Point, d: Point): boolean {
  const o1 = orientation(a, b, c);
  const o2 = orientation(a, b, d);
  const o3 = orientation(c, d, a);
  const o4 = orientation(c, d, b);
  if (o1 !== o2 && o3 !== o4) return true;
  if (o1 === 0 && onSegment(a, b, c)) return true;
  if (o2 === 0 && onSegment(a, b, d)) return true;
  if (o3 === 0 && onSegment(c, d, a)) return true;
  if (o4 === 0 && onSegment(c, d, b)) return true;
  return false;
}

function isFinitePair(v: unknown): v is [number, number] {
  return (
    Array.isArray(v) &&
    v.length === 2 &&
    typeof v[0] === 'number' &&
    typeof v[1] === 'number' &&
    Number.isFinite(v[0]) &&
    Number.isFinite(v[1])
  );
}

/** A zone is drawn by hand: more points than this is a mistake or an attack (the checks below are quadratic). */
export const MAX_POLYGON_POINTS = 256;
/** Messages beyond this many are summed up in one line: a bad polygon must not make a huge answer. */
const MAX_PROBLEMS = 20;

function capped(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more problems`];
}

/**
 * Everything wrong with a zone polygon (normalised 0..1 coordinates), one message per problem
 * (at most MAX_PROBLEMS and a count), naming the point or edge by index. Empty when the polygon is
 * usable. At most MAX_POLYGON_POINTS points are examined, so the work stays bounded.
 */
export function polygonProblems(points: unknown[]): string[] {
  if (points.length > MAX_POLYGON_POINTS)
    return [`polygon has ${points.length} points; a zone may have at most ${MAX_POLYGON_POINTS}`];
  return capped(problemsOf(points));
}

function problemsOf(points: unknown[]): string[] {
  const problems: string[] = [];
  if (points.length < 3) problems.push(`polygon needs at least 3 points, got ${points.length}`);
  points.forEach((p, i) => {
    if (!isFinitePair(p)) {
      problems.push(`point ${i} must be [x, y] with two finite numbers`);
    } else if (p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1) {
      problems.push(`point ${i} [${p[0]}, ${p[1]}] is outside 0..1`);
    }
  });
  if (problems.length > 0) return problems;

  const poly = points as Point[];
  const n = poly.length;
  const firstAt = new Map<string, number>();
  poly.forEach(([x, y], j) => {
    const key = `${x},${y}`;
    const i = firstAt.get(key);
    if (i === undefined) firstAt.set(key, j);
    else problems.push(`point ${j} repeats point ${i}`);
  });
  if (problems.length > 0) return problems;

  // Edge i runs from point i to point i+1; adjacent edges share an endpoint and are skipped.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (adjacent) continue;
      if (segmentsIntersect(poly[i]!, poly[(i + 1) % n]!, poly[j]!, poly[(j + 1) % n]!)) {
        problems.push(`polygon is self-intersecting: edge from point ${i} crosses edge from point ${j}`);
      }
    }
  }
  // Adjacent edges folding back onto each other (a spike) is also a self-intersection.
  for (let i = 0; i < n; i++) {
    const prev = poly[(i + n - 1) % n]!;
    const cur = poly[i]!;
    const next = poly[(i + 1) % n]!;
    if (orientation(prev, cur, next) === 0) {
      const dot = (prev[0] - cur[0]) * (next[0] - cur[0]) + (prev[1] - cur[1]) * (next[1] - cur[1]);
      if (dot > 0) problems.push(`polygon folds back on itself at point ${i}`);
    }
  }
  if (problems.length === 0 && polygonArea(poly) < 1e-9) problems.push('polygon has zero area');
  return problems;
}
