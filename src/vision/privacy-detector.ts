import { gridTiles, type VehicleBox } from '../core/redaction.js';
import type { Box } from '../core/types.js';
import { createDetector, DEFAULT_DETECTOR } from './detector.js';
import { createFaceDetector } from './face-detector.js';
import { cropImage, type RgbImage } from './image.js';
import { createPlateDetector } from './plate-detector.js';
import type { SessionOptions } from './session-cache.js';

/** Faces and licence plates found on a whole frame, in its pixels. */
export interface PrivacyRegions {
  faces: Box[];
  plates: Box[];
  /** cars, buses, trucks and two-wheelers: their plate areas are blurred too (core/redaction.ts: plateArea) */
  vehicles: VehicleBox[];
}

export interface PrivacyDetector {
  /** model name → sha256 of the models that found the regions */
  fingerprints: Record<string, string>;
  detect(image: RgbImage): Promise<PrivacyRegions>;
}

/** Below the analysis' 0.2: a plate that is missed stays readable, a false find only blurs a patch. */
const PLATE_THRESHOLD = 0.15;
const TILE = 640;
const VEHICLE_THRESHOLD = 0.2;
const VEHICLES = new Set(['car', 'bus', 'truck', 'motorcycle', 'bicycle']);

/**
 * Faces (YuNet on the frame at its own size), plates (VIN_LPD on the whole frame and on overlapping 640 px tiles:
 * its 416 px input shrinks a 1080p frame 4.6-fold, where a car plate 60 px wide would be 13 px) and vehicles (the
 * analysis' COCO detector on the whole frame), for the plates VIN_LPD does not know.
 */
export async function createPrivacyDetector(options: SessionOptions = {}): Promise<PrivacyDetector> {
  const [faces, plates, objects] = await Promise.all([
    createFaceDetector(options),
    createPlateDetector(options),
    createDetector(DEFAULT_DETECTOR, options),
  ]);
  return {
    fingerprints: { yunet_n: faces.sha256, vin_lpd: plates.sha256, [objects.name]: objects.sha256 },
    async detect(image) {
      const found = await faces.detect(image);
      // The whole frame at the detector's 416 px: vehicles far enough to be missed have plates too small to read.
      const vehicles = (await objects.detect(image, { scoreThreshold: VEHICLE_THRESHOLD }))
        .filter((d) => VEHICLES.has(d.label))
        .map((d) => ({ box: d.box, twoWheeler: d.label === 'motorcycle' || d.label === 'bicycle' }));
      const plateHits = await plates.detect(image, { scoreThreshold: PLATE_THRESHOLD });
      const tiles = gridTiles(image.width, image.height, TILE);
      if (tiles.length > 1) {
        for (const tile of tiles) {
          for (const hit of await plates.detect(cropImage(image, tile), { scoreThreshold: PLATE_THRESHOLD })) {
            const box = {
              x1: hit.box.x1 + tile.x1,
              y1: hit.box.y1 + tile.y1,
              x2: hit.box.x2 + tile.x1,
              y2: hit.box.y2 + tile.y1,
            };
            plateHits.push({ ...hit, box });
          }
        }
      }
      return {
        faces: found.map((f) => f.box),
        // No NMS across tiles: a plate cut by a tile's edge may outscore the whole one, and blurring both costs nothing.
        plates: plateHits.map((p) => p.box),
        vehicles,
      };
    },
  };
}
