import { area, intersection, iou } from './boxes.js';
import type { Box, Detection, Point } from './types.js';

/**
 * Where in the frame the detector looks. A COCO detector letterboxes its whole input to a small
 * square (416 px for PicoDet-S), so a 1080p frame shrinks 4.6× and a rider 70 px tall becomes 15 px
 * and is lost. Only the zones matter, so the detector looks at the zones' surroundings instead of the
 * whole frame, cut into as many tiles as the budget allows when that region is still much larger
 * than the model's input.
 */

export interface Tile {
  /** pixel rectangle of the analysed frame, integers */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DetectionPlanOptions {
  /** side of the detector's square input, pixels */
  inputSize: number;
  /** most tiles per frame (each is one inference) */
  maxTiles: number;
  /**
   * stop adding tiles once the region shrinks by at most this factor into the input (default 2.7):
   * at 4.6× (a whole 1080p frame into 416 px) riders vanish, at 2.5× most are found, and each tile
   * costs a whole inference on a budget of about 100 ms a frame at 5 fps on two cores
   */
  targetScale?: number;
  /** share of a tile's side shared with its neighbour (default 0.15) */
  overlap?: number;
  /**
   * margin around the zones, as a share of the frame's height (default 0.15): a vehicle is in a
   * zone by the bottom of its box, so its body rises above the zone, and it must be tracked for a
   * few frames before it enters
   */
  margin?: number;
}

const clampInt = (v: number, lo: number, hi: number) => Math.round(Math.min(Math.max(v, lo), hi));

/** The zones' bounding box grown by the margin (more above, where bodies rise), in pixels. */
export function regionOfInterest(
  polygons: readonly (readonly Point[])[],
  width: number,
  height: number,
  margin: number,
): Tile {
  const points = polygons.flat();
  if (points.length === 0) return { x: 0, y: 0, width, height };
  const xs = points.map((p) => p[0] * width);
  const ys = points.map((p) => p[1] * height);
  const m = margin * height;
  const x1 = clampInt(Math.min(...xs) - m, 0, width);
  const x2 = clampInt(Math.max(...xs) + m, 0, width);
  const y1 = clampInt(Math.min(...ys) - 2 * m, 0, height);
  const y2 = clampInt(Math.max(...ys) + m / 2, 0, height);
  return { x: x1, y: y1, width: Math.max(1, x2 - x1), height: Math.max(1, y2 - y1) };
}

/** How much a tile shrinks when letterboxed into the detector's square input. */
export function tileScale(tile: Pick<Tile, 'width' | 'height'>, inputSize: number): number {
  return Math.max(tile.width, tile.height) / inputSize;
}

/** `cols` × `rows` tiles covering `roi`, neighbours sharing `overlap` of a tile's side. */
export function gridTiles(roi: Tile, cols: number, rows: number, overlap: number): Tile[] {
  const tw = roi.width / (cols - (cols - 1) * overlap);
  const th = roi.height / (rows - (rows - 1) * overlap);
  const tiles: Tile[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = Math.round(roi.x + c * tw * (1 - overlap));
      const y = Math.round(roi.y + r * th * (1 - overlap));
      tiles.push({
        x,
        y,
        width: Math.min(Math.round(tw), roi.x + roi.width - x),
        height: Math.min(Math.round(th), roi.y + roi.height - y),
      });
    }
  }
  return tiles;
}

/**
 * The tiles to detect on: the region around the zones, split into the fewest tiles that bring its
 * scale down to `targetScale`, at most `maxTiles`; among grids of one size, the one with the
 * smallest scale.
 */
export function planDetection(
  polygons: readonly (readonly Point[])[],
  width: number,
  height: number,
  opts: DetectionPlanOptions,
): Tile[] {
  const overlap = opts.overlap ?? 0.15;
  const target = opts.targetScale ?? 2.7;
  const roi = regionOfInterest(polygons, width, height, opts.margin ?? 0.15);
  let best: { tiles: Tile[]; scale: number } | undefined;
  for (let n = 1; n <= Math.max(1, opts.maxTiles); n++) {
    for (let cols = 1; cols <= n; cols++) {
      if (n % cols !== 0) continue;
      const tiles = gridTiles(roi, cols, n / cols, overlap);
      const scale = Math.max(...tiles.map((t) => tileScale(t, opts.inputSize)));
      if (!best || scale < best.scale - 1e-9) best = { tiles, scale };
    }
    if (best && best.scale <= target) break;
  }
  return best!.tiles;
}

/** Whether `box` touches an edge of `tile` that lies inside the frame (so the object may be cut there). */
function cutByTile(box: Box, tile: Tile, width: number, height: number): boolean {
  const eps = 2;
  return (
    (tile.x > 0 && box.x1 <= tile.x + eps) ||
    (tile.y > 0 && box.y1 <= tile.y + eps) ||
    (tile.x + tile.width < width && box.x2 >= tile.x + tile.width - eps) ||
    (tile.y + tile.height < height && box.y2 >= tile.y + tile.height - eps)
  );
}

/**
 * Joins the detections of overlapping tiles into one set: where two tiles saw the same object (same
 * class, boxes overlapping by IoU or one mostly inside the other), the whole view wins over a view
 * cut by a tile edge, then the higher score.
 */
export function mergeTileDetections(
  perTile: ReadonlyArray<{ tile: Tile; detections: readonly Detection[] }>,
  width: number,
  height: number,
  iouThreshold = 0.5,
): Detection[] {
  const all = perTile.flatMap(({ tile, detections }) =>
    detections.map((d) => ({ d, cut: perTile.length > 1 && cutByTile(d.box, tile, width, height) })),
  );
  all.sort((a, b) => Number(a.cut) - Number(b.cut) || b.d.score - a.d.score);
  const kept: Detection[] = [];
  for (const { d } of all) {
    const same = kept.some((k) => {
      if (k.label !== d.label) return false;
      if (iou(k.box, d.box) > iouThreshold) return true;
      const inter = intersection(k.box, d.box);
      return inter > 0.7 * Math.min(area(k.box), area(d.box));
    });
    if (!same) kept.push(d);
  }
  return kept;
}
