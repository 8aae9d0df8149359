import { mergeTileDetections, type Tile } from '../core/detection-plan.js';
import type { Detection } from '../core/types.js';
import type { DetectOptions, Detector } from './detector.js';
import type { RgbImage } from './image.js';

/** Runs `detector` on each tile of the frame and joins the results in frame pixels. */
export async function detectTiles(
  detector: Detector,
  frame: RgbImage,
  tiles: readonly Tile[],
  opts: DetectOptions,
): Promise<Detection[]> {
  const whole = tiles.length === 1 && tiles[0]!.width === frame.width && tiles[0]!.height === frame.height;
  if (whole) return detector.detect(frame, opts);
  const perTile: Array<{ tile: Tile; detections: Detection[] }> = [];
  for (const tile of tiles) {
    const found = await detector.detect(frame, { ...opts, region: tile });
    perTile.push({
      tile,
      detections: found.map((d) => ({
        ...d,
        box: { x1: d.box.x1 + tile.x, y1: d.box.y1 + tile.y, x2: d.box.x2 + tile.x, y2: d.box.y2 + tile.y },
      })),
    });
  }
  return mergeTileDetections(perTile, frame.width, frame.height);
}
