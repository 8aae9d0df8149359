import { describe, expect, it } from 'vitest';
import {
  gridTiles,
  mergeTileDetections,
  planDetection,
  regionOfInterest,
  tileScale,
  type Tile,
} from '../../src/core/detection-plan.js';
import type { Box, Detection, ObjectClass, Point } from '../../src/core/types.js';

const rect = (x1: number, y1: number, x2: number, y2: number): Point[] => [
  [x1, y1],
  [x2, y1],
  [x2, y2],
  [x1, y2],
];
const box = (x1: number, y1: number, x2: number, y2: number): Box => ({ x1, y1, x2, y2 });
const det = (label: ObjectClass, score: number, b: Box): Detection => ({ label, score, box: b });

/** Every integer pixel of `roi` lies in at least one tile. */
function covers(tiles: readonly Tile[], roi: Tile): boolean {
  for (let y = roi.y; y < roi.y + roi.height; y += 1) {
    for (let x = roi.x; x < roi.x + roi.width; x += 1) {
      if (!tiles.some((t) => x >= t.x && x < t.x + t.width && y >= t.y && y < t.y + t.height)) return false;
    }
  }
  return true;
}

const inside = (t: Tile, roi: Tile) =>
  t.x >= roi.x && t.y >= roi.y && t.x + t.width <= roi.x + roi.width && t.y + t.height <= roi.y + roi.height;
const maxScale = (tiles: readonly Tile[], input: number) => Math.max(...tiles.map((t) => tileScale(t, input)));

describe('regionOfInterest', () => {
  it('grows the zones’ bounding box by the margin: one margin at the sides, two above, half below', () => {
    // zone x 250..750, y 400..600 in a 1000×800 frame; margin 0.1 × 800 = 80 px
    const roi = regionOfInterest([rect(0.25, 0.5, 0.75, 0.75)], 1000, 800, 0.1);
    expect(roi).toEqual({ x: 250 - 80, y: 400 - 160, width: 500 + 160, height: 200 + 160 + 40 });
  });

  it('spans every zone', () => {
    const roi = regionOfInterest([rect(0.1, 0.6, 0.2, 0.7), rect(0.7, 0.4, 0.8, 0.9)], 1000, 1000, 0);
    expect(roi).toEqual({ x: 100, y: 400, width: 700, height: 500 });
  });

  it('is clamped to the frame', () => {
    expect(regionOfInterest([rect(0, 0, 1, 1)], 1280, 720, 0.15)).toEqual({ x: 0, y: 0, width: 1280, height: 720 });
    // near the top-left corner: the margin would go out of the frame there, not on the other sides
    const roi = regionOfInterest([rect(0.02, 0.05, 0.3, 0.5)], 1000, 1000, 0.1);
    expect(roi).toEqual({ x: 0, y: 0, width: 300 + 100, height: 500 + 50 });
  });

  it('is the whole frame when there are no zones', () => {
    expect(regionOfInterest([], 1920, 1080, 0.15)).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
    expect(regionOfInterest([[]], 640, 360, 0.15)).toEqual({ x: 0, y: 0, width: 640, height: 360 });
  });

  it('gives whole pixels', () => {
    const roi = regionOfInterest(
      [
        [
          [0.123, 0.456],
          [0.789, 0.5],
          [0.5, 0.777],
        ],
      ],
      1281,
      719,
      0.137,
    );
    for (const v of [roi.x, roi.y, roi.width, roi.height]) expect(Number.isInteger(v)).toBe(true);
  });
});

describe('tileScale', () => {
  it('is the longer side over the input size', () => {
    expect(tileScale({ width: 832, height: 416 }, 416)).toBe(2);
    expect(tileScale({ width: 300, height: 624 }, 416)).toBe(1.5);
  });
});

describe('gridTiles', () => {
  const roi: Tile = { x: 100, y: 50, width: 1000, height: 600 };

  it('makes cols × rows tiles, row by row', () => {
    const tiles = gridTiles(roi, 3, 2, 0.2);
    expect(tiles).toHaveLength(6);
    expect(tiles[0]!.y).toBe(tiles[2]!.y);
    expect(tiles[3]!.y).toBeGreaterThan(tiles[0]!.y);
    expect(tiles[0]!.x).toBeLessThan(tiles[1]!.x);
  });

  it('covers the region and stays inside it, starting and ending at its edges', () => {
    for (const [cols, rows, overlap] of [
      [1, 1, 0.15],
      [2, 1, 0.15],
      [3, 2, 0.2],
      [2, 2, 0],
      [4, 3, 0.15],
    ] as const) {
      const tiles = gridTiles(roi, cols, rows, overlap);
      expect(tiles.every((t) => inside(t, roi))).toBe(true);
      expect(Math.min(...tiles.map((t) => t.x))).toBe(roi.x);
      expect(Math.min(...tiles.map((t) => t.y))).toBe(roi.y);
      expect(Math.max(...tiles.map((t) => t.x + t.width))).toBe(roi.x + roi.width);
      expect(Math.max(...tiles.map((t) => t.y + t.height))).toBe(roi.y + roi.height);
      expect(covers(tiles, roi)).toBe(true);
    }
  });

  it('gives one tile equal to the region for a 1 × 1 grid', () => {
    expect(gridTiles(roi, 1, 1, 0.15)).toEqual([roi]);
  });

  it('makes neighbours share the requested share of a tile’s side', () => {
    const [a, b] = gridTiles(roi, 2, 1, 0.25);
    // tile width w with 2w − 0.25w = 1000: w ≈ 571.4, shared ≈ 142.9
    const shared = a!.x + a!.width - b!.x;
    expect(shared).toBeGreaterThanOrEqual(0.25 * a!.width - 1);
    expect(shared).toBeLessThanOrEqual(0.25 * a!.width + 1);
    expect(a!.width).toBeCloseTo(1000 / 1.75, -1);
    const [top, , bottom] = gridTiles(roi, 2, 2, 0.1);
    const sharedRows = top!.y + top!.height - bottom!.y;
    expect(Math.abs(sharedRows - 0.1 * top!.height)).toBeLessThanOrEqual(1);
  });

  it('gives integer tiles', () => {
    const tiles = gridTiles({ x: 7, y: 13, width: 997, height: 611 }, 3, 3, 0.15);
    for (const t of tiles) for (const v of [t.x, t.y, t.width, t.height]) expect(Number.isInteger(v)).toBe(true);
    expect(covers(tiles, { x: 7, y: 13, width: 997, height: 611 })).toBe(true);
  });
});

describe('planDetection', () => {
  const input = 416;

  it('uses one tile, the region itself, when the region’s scale is within the target', () => {
    const zone = rect(0.2, 0.5, 0.6, 0.9);
    const roi = regionOfInterest([zone], 1280, 720, 0.15);
    expect(tileScale(roi, input)).toBeLessThanOrEqual(2.7);
    expect(planDetection([zone], 1280, 720, { inputSize: input, maxTiles: 4 })).toEqual([roi]);
  });

  it('splits a region too large for the input into the fewest tiles that reach the target, best grid first', () => {
    // the whole 1920×1080 frame shrinks 4.6× into 416 px; two tiles side by side (1038 × 1080) reach 2.6×,
    // two stacked (1920 × 584) stay at 4.6×
    const tiles = planDetection([rect(0, 0, 1, 1)], 1920, 1080, { inputSize: input, maxTiles: 4 });
    expect(tiles).toHaveLength(2);
    expect(tiles[0]!.y).toBe(tiles[1]!.y);
    expect(tiles[0]!.height).toBe(1080);
    expect(maxScale(tiles, input)).toBeLessThanOrEqual(2.7);
    expect(covers(tiles, { x: 0, y: 0, width: 1920, height: 1080 })).toBe(true);
  });

  it('never uses more than maxTiles, taking the grid with the smallest scale when the target is out of reach', () => {
    const full = [rect(0, 0, 1, 1)];
    const one = planDetection(full, 1920, 1080, { inputSize: input, maxTiles: 1 });
    expect(one).toEqual([{ x: 0, y: 0, width: 1920, height: 1080 }]);

    // target 1 is out of reach with four tiles: of 1×1, 2×1, 1×2, 3×1, 1×3, 4×1, 2×2, 1×4 the 2×2 grid shrinks least
    const four = planDetection(full, 1920, 1080, { inputSize: input, maxTiles: 4, targetScale: 1 });
    expect(four).toHaveLength(4);
    expect(new Set(four.map((t) => t.x)).size).toBe(2);
    expect(new Set(four.map((t) => t.y)).size).toBe(2);
    const roi = { x: 0, y: 0, width: 1920, height: 1080 };
    for (const [cols, rows] of [
      [1, 1],
      [2, 1],
      [1, 2],
      [3, 1],
      [1, 3],
      [4, 1],
      [1, 4],
    ] as const) {
      expect(maxScale(four, input)).toBeLessThan(maxScale(gridTiles(roi, cols, rows, 0.15), input));
    }
  });

  it('takes maxTiles under 1 as one tile', () => {
    expect(planDetection([], 1920, 1080, { inputSize: input, maxTiles: 0 })).toHaveLength(1);
  });

  it('keeps the tiles inside the region around the zones', () => {
    const zones = [rect(0.1, 0.55, 0.9, 0.95)];
    const roi = regionOfInterest(zones, 3840, 2160, 0.15);
    const tiles = planDetection(zones, 3840, 2160, { inputSize: input, maxTiles: 6 });
    expect(tiles.length).toBeGreaterThan(1);
    expect(tiles.length).toBeLessThanOrEqual(6);
    expect(tiles.every((t) => inside(t, roi))).toBe(true);
    expect(covers(tiles, roi)).toBe(true);
  });
});

describe('mergeTileDetections', () => {
  const W = 1000;
  const H = 500;
  // two tiles sharing x 400..600
  const left: Tile = { x: 0, y: 0, width: 600, height: 500 };
  const right: Tile = { x: 400, y: 0, width: 600, height: 500 };

  it('keeps the whole view of an object over a view cut by an inner tile edge, even a higher-scored one', () => {
    const cut = det('motorcycle', 0.9, box(550, 100, 600, 200)); // ends at the left tile's right edge (x 600)
    const whole = det('motorcycle', 0.6, box(550, 100, 650, 200));
    const merged = mergeTileDetections(
      [
        { tile: left, detections: [cut] },
        { tile: right, detections: [whole] },
      ],
      W,
      H,
    );
    expect(merged).toEqual([whole]);
  });

  it('drops a same-class duplicate seen by two tiles, keeping the higher score', () => {
    const a = det('car', 0.8, box(450, 100, 550, 200));
    const b = det('car', 0.7, box(455, 105, 555, 205)); // IoU ≈ 0.82
    const merged = mergeTileDetections(
      [
        { tile: left, detections: [b] },
        { tile: right, detections: [a] },
      ],
      W,
      H,
    );
    expect(merged).toEqual([a]);
  });

  it('drops a same-class box lying inside another even at a low IoU', () => {
    const big = det('truck', 0.6, box(420, 100, 560, 300));
    const part = det('truck', 0.75, box(450, 150, 520, 250)); // IoU 0.25, all inside the big one
    const merged = mergeTileDetections(
      [
        { tile: left, detections: [big] },
        { tile: right, detections: [part] },
      ],
      W,
      H,
    );
    expect(merged).toEqual([part]);
  });

  it('keeps overlapping boxes of different classes', () => {
    const moto = det('motorcycle', 0.5, box(450, 100, 550, 200));
    const person = det('person', 0.9, box(460, 40, 540, 170));
    const car = det('car', 0.4, box(452, 102, 552, 202));
    const merged = mergeTileDetections(
      [
        { tile: left, detections: [moto, person] },
        { tile: right, detections: [car] },
      ],
      W,
      H,
    );
    expect(merged).toHaveLength(3);
    expect(new Set(merged.map((d) => d.label))).toEqual(new Set(['motorcycle', 'person', 'car']));
  });

  it('keeps separate objects of one class', () => {
    const a = det('motorcycle', 0.7, box(100, 100, 200, 200));
    const b = det('motorcycle', 0.7, box(800, 100, 900, 200));
    expect(
      mergeTileDetections(
        [
          { tile: left, detections: [a] },
          { tile: right, detections: [b] },
        ],
        W,
        H,
      ),
    ).toHaveLength(2);
  });

  it('does not take a frame edge for a cut', () => {
    // the object touches the frame's bottom; in the right tile it is whole, in the left one cut at x 600
    const cutByTile = det('car', 0.9, box(500, 400, 600, 500));
    const atFrameEdge = det('car', 0.5, box(500, 400, 620, 500));
    const merged = mergeTileDetections(
      [
        { tile: left, detections: [cutByTile] },
        { tile: right, detections: [atFrameEdge] },
      ],
      W,
      H,
    );
    expect(merged).toEqual([atFrameEdge]);
    // the same at the frame's left edge (the left tile's left edge) against a view cut at the right tile's left edge (x 400)
    const cutAtTileEdge = det('bus', 0.9, box(400, 100, 450, 300));
    const wholeToFrameEdge = det('bus', 0.5, box(0, 100, 450, 300));
    expect(
      mergeTileDetections(
        [
          { tile: right, detections: [cutAtTileEdge] },
          { tile: left, detections: [wholeToFrameEdge] },
        ],
        W,
        H,
      ),
    ).toEqual([wholeToFrameEdge]);
  });

  it('with a single tile, judges by score alone: nothing is cut', () => {
    const roiTile: Tile = { x: 200, y: 100, width: 400, height: 300 };
    const atEdge = det('car', 0.9, box(200, 150, 300, 250));
    const dup = det('car', 0.5, box(205, 150, 305, 250));
    expect(mergeTileDetections([{ tile: roiTile, detections: [dup, atEdge] }], W, H)).toEqual([atEdge]);
  });

  it('uses the given IoU threshold', () => {
    const a = det('car', 0.8, box(0, 0, 100, 100));
    const b = det('car', 0.7, box(40, 0, 140, 100)); // IoU 0.43, neither inside the other
    expect(mergeTileDetections([{ tile: left, detections: [a, b] }], W, H)).toHaveLength(2);
    expect(mergeTileDetections([{ tile: left, detections: [a, b] }], W, H, 0.4)).toEqual([a]);
  });
});
