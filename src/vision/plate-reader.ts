import { iou } from '../core/boxes.js';
import type { Box, RgbFrame } from '../core/types.js';
import { cropImage, expandBox, padImage, resizeImage, type RgbImage } from './image.js';
import { quadSize, warpQuad } from './perspective.js';
import { createPlateCornerDetector, type PlateCorners, type PlateLayout, type Quad } from './plate-corners.js';
import { createPlateDetector, type PlateType } from './plate-detector.js';
import { createPpocrRecognizer } from './ppocr-recognizer.js';
import type { SessionOptions } from './session-cache.js';
import type { CharRead, TextRead, TextRecognizer } from './text-recognizer.js';

export interface PlateRead {
  /** plate box in the pixels of the frame given to readPlate (of the crop for readPlateCrop) */
  plateBox: Box;
  /** VIN_LPD score (HyperLPR3's when only it found the plate); 0 for a crop read as given */
  detectorScore: number;
  /** VIN_LPD's Korean plate type; absent when VIN_LPD did not find the plate */
  plateType?: PlateType;
  layout: PlateLayout;
  /** plate corners in frame pixels (tl, tr, br, bl) when HyperLPR3 found them; the crop is rectified by them */
  corners?: Quad;
  /** rectified, upscaled plate image the rows were read from */
  crop: RgbImage;
  /** one read per plate row, top first */
  rows: TextRead[];
  /** rows joined with a space, top first */
  text: string;
  chars: CharRead[];
}

export interface PlateReaderOptions {
  /** default: PP-OCRv4 (digits and Latin; no Hangul) */
  recognizer?: TextRecognizer;
  session?: SessionOptions;
  /** VIN_LPD threshold on the vehicle crop */
  plateScoreThreshold?: number;
}

export interface PlateReader {
  /** model fingerprints: plate detector, corner detector, recogniser */
  models: { plateDetector: string; plateCorners: string; recognizer: { name: string; sha256: string } };
  readPlate(frame: RgbFrame | RgbImage, vehicleBox: Box): Promise<PlateRead | null>;
  readPlateCrop(image: RgbImage): Promise<PlateRead>;
}

/**
 * Korean one-row plates are ~4.7:1 (older short ones ~2.2:1), two-row and motorcycle plates ~2:1 or
 * narrower. VIN_LPD's plate type settles the overlap when it knows one; otherwise the aspect does.
 */
const ALWAYS_TWO_ROW_BELOW = 1.9;
const ALWAYS_ONE_ROW_ABOVE = 3.5;
const TWO_ROW_MAX_ASPECT = 3;
/** Where the upper row (region / class digits) of a two-row plate ends. */
const TWO_ROW_SPLIT = 0.42;
const ROW_HEIGHT = { 'one-row': 96, 'two-row': 192 } as const;
const VEHICLE_MARGIN = 0.1;
const TWO_ROW_TYPES: ReadonlySet<PlateType> = new Set(['P3', 'P5', 'P6']);
const ONE_ROW_TYPES: ReadonlySet<PlateType> = new Set(['P1', 'P2', 'P4']);

function layoutOf(width: number, height: number, plateType?: PlateType): PlateLayout {
  const aspect = width / height;
  if (aspect < ALWAYS_TWO_ROW_BELOW) return 'two-row';
  if (aspect > ALWAYS_ONE_ROW_ABOVE) return 'one-row';
  if (plateType && TWO_ROW_TYPES.has(plateType)) return 'two-row';
  if (plateType && ONE_ROW_TYPES.has(plateType)) return 'one-row';
  return aspect < TWO_ROW_MAX_ASPECT ? 'two-row' : 'one-row';
}

function quadArea(q: Quad): number {
  let sum = 0;
  for (let i = 0; i < 4; i++) {
    const [x1, y1] = q[i]!;
    const [x2, y2] = q[(i + 1) % 4]!;
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}

/** The corner detection describing the same plate as `box`, if its quad is plausible. */
function matchCorners(candidates: PlateCorners[], box: Box): PlateCorners | undefined {
  const boxArea = (box.x2 - box.x1) * (box.y2 - box.y1);
  return candidates
    .filter((c) => iou(c.box, box) > 0.3)
    .filter((c) => {
      // Clockwise in image coordinates (y down) gives a positive shoelace area.
      const area = quadArea(c.corners);
      return area > 0.3 * boxArea && area < 3 * boxArea;
    })
    .sort((a, b) => iou(b.box, box) - iou(a.box, box))[0];
}

/** Canvas margin around a ready crop, as a share of its size on each side. */
const PAD = 1;

function unpad(read: PlateRead, padX: number, padY: number): PlateRead {
  const b = read.plateBox;
  return {
    ...read,
    plateBox: { x1: b.x1 - padX, y1: b.y1 - padY, x2: b.x2 - padX, y2: b.y2 - padY },
    ...(read.corners ? { corners: shift(read.corners, -padX, -padY) } : {}),
  };
}

function shift(q: Quad, dx: number, dy: number): Quad {
  return q.map(([x, y]) => [x + dx, y + dy] as const) as unknown as Quad;
}

export async function createPlateReader(options: PlateReaderOptions = {}): Promise<PlateReader> {
  const [plateDetector, cornerDetector, recognizer] = await Promise.all([
    createPlateDetector(options.session),
    createPlateCornerDetector(options.session),
    options.recognizer ?? createPpocrRecognizer(options.session),
  ]);

  /** Upscale to the layout's height, split two-row plates (unless the recogniser does), read every row in one batch. */
  async function readRows(plate: RgbImage, layout: PlateLayout) {
    const height = ROW_HEIGHT[layout];
    const width = Math.max(8, Math.round((plate.width * height) / plate.height));
    const crop = await resizeImage(plate, width, height);
    const split = Math.round(height * TWO_ROW_SPLIT);
    const rowImages =
      layout === 'one-row' || recognizer.wholePlate
        ? [crop]
        : [
            cropImage(crop, { x1: 0, y1: 0, x2: width, y2: split }),
            cropImage(crop, { x1: 0, y1: split, x2: width, y2: height }),
          ];
    const rows = await recognizer.recognize(rowImages);
    return { crop, rows, text: rows.map((r) => r.text).join(' '), chars: rows.flatMap((r) => r.chars) };
  }

  async function readPlate(frame: RgbFrame | RgbImage, vehicleBox: Box): Promise<PlateRead | null> {
    const region = expandBox(vehicleBox, VEHICLE_MARGIN, frame.width, frame.height);
    const vehicle = cropImage(frame, region);
    const ox = Math.floor(region.x1);
    const oy = Math.floor(region.y1);
    const [plates, corners] = await Promise.all([
      plateDetector.detect(vehicle, { scoreThreshold: options.plateScoreThreshold ?? 0.2 }),
      cornerDetector.detect(vehicle),
    ]);
    // VIN_LPD knows Korean plates; HyperLPR3's own box stands in when it finds none (other plate styles).
    const fallback = corners[0];
    const best =
      plates[0] ?? (fallback ? { box: fallback.box, score: fallback.score, plateType: undefined } : undefined);
    if (!best) return null;
    const matched = plates[0] ? matchCorners(corners, best.box) : fallback;

    let plate: RgbImage;
    if (matched) {
      const { width, height } = quadSize(matched.corners);
      plate = warpQuad(vehicle, matched.corners, width, height);
    } else {
      // A little context around VIN_LPD's box keeps edge characters whole.
      plate = cropImage(vehicle, expandBox(best.box, 0.06, vehicle.width, vehicle.height));
    }
    const layout = layoutOf(plate.width, plate.height, best.plateType);
    const read = await readRows(plate, layout);
    const b = best.box;
    return {
      plateBox: { x1: b.x1 + ox, y1: b.y1 + oy, x2: b.x2 + ox, y2: b.y2 + oy },
      detectorScore: best.score,
      ...(best.plateType ? { plateType: best.plateType } : {}),
      layout,
      ...(matched ? { corners: shift(matched.corners, ox, oy) } : {}),
      ...read,
    };
  }

  return {
    models: {
      plateDetector: plateDetector.sha256,
      plateCorners: cornerDetector.sha256,
      recognizer: { name: recognizer.name, sha256: recognizer.sha256 },
    },
    readPlate,

    async readPlateCrop(image) {
      // Loose crops carry car body around the plate: locating and rectifying the plate inside them
      // reads better than the crop as given, which stays the fallback.
      // The detectors were trained on plates inside scenes, so the crop goes on a canvas first.
      const padX = Math.round(image.width * PAD);
      const padY = Math.round(image.height * PAD);
      const canvas = padImage(image, padX, padY);
      const located = await readPlate(canvas, { x1: 0, y1: 0, x2: canvas.width, y2: canvas.height });
      if (located) return unpad(located, padX, padY);
      const layout = layoutOf(image.width, image.height);
      const read = await readRows(image, layout);
      return { plateBox: { x1: 0, y1: 0, x2: image.width, y2: image.height }, detectorScore: 0, layout, ...read };
    },
  };
}
