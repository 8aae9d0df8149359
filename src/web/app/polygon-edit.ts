import type { Point } from './api.js';

/** Pure helpers of the zone editor, in normalised 0..1 coordinates. */

export const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

export function round(p: Point): Point {
  return [Math.round(clamp01(p[0]) * 10000) / 10000, Math.round(clamp01(p[1]) * 10000) / 10000];
}

/** Distance from p to segment ab, in pixels of a w×h surface. */
function pixelDistanceToSegment(p: Point, a: Point, b: Point, w: number, h: number): number {
  const [px, py, ax, ay, bx, by] = [p[0] * w, p[1] * h, a[0] * w, a[1] * h, b[0] * w, b[1] * h];
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * Where a new point goes: into the edge it was clicked near (within `tolerancePx`), otherwise after the
 * last point, so drawing is "click, click, click" and editing is "click on an edge".
 */
export function insertPoint(
  points: Point[],
  p: Point,
  w: number,
  h: number,
  tolerancePx = 10,
): { points: Point[]; index: number } {
  if (points.length >= 2) {
    let best = -1;
    let bestDist = tolerancePx;
    const edges = points.length >= 3 ? points.length : points.length - 1;
    for (let i = 0; i < edges; i++) {
      const d = pixelDistanceToSegment(p, points[i]!, points[(i + 1) % points.length]!, w, h);
      if (d <= bestDist) {
        bestDist = d;
        best = i;
      }
    }
    if (best >= 0) {
      const next = [...points];
      next.splice(best + 1, 0, round(p));
      return { points: next, index: best + 1 };
    }
  }
  return { points: [...points, round(p)], index: points.length };
}

export function movePoint(points: Point[], index: number, p: Point): Point[] {
  return points.map((q, i) => (i === index ? round(p) : q));
}

export function removePoint(points: Point[], index: number): Point[] {
  return points.filter((_, i) => i !== index);
}
