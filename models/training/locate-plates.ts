/**
 * Locate the plate inside each real crop with VIN_LPD, as the pipeline does for loose crops: many KarPlate crops
 * carry bumper and car body and only look two-row by their shape. Writes plate-boxes.csv for realdata.py.
 *
 * npx tsx models/training/locate-plates.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/config.js';
import { loadImage, type RgbImage } from '../../src/vision/image.js';
import { createPlateDetector } from '../../src/vision/plate-detector.js';

const plates = path.resolve(projectRoot, '..', 'shared', 'plates');

function files(csv: string, column: number, folder: string): string[] {
  return readFileSync(path.join(plates, folder, csv), 'utf8').trim().split('\n').slice(1)
    .map((line) => path.join(folder, line.split(',')[column]!));
}

/** VIN_LPD finds nothing in a crop the plate fills: set the crop in a gray surround 3x its width. */
const PAD = 3;

function padded(image: RgbImage): { image: RgbImage; ox: number; oy: number } {
  const width = image.width * PAD;
  const height = Math.round(image.height * PAD * 1.5);
  const data = new Uint8Array(width * height * 3).fill(114);
  const ox = Math.round((width - image.width) / 2);
  const oy = Math.round((height - image.height) / 2);
  for (let y = 0; y < image.height; y++) {
    data.set(image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3), ((y + oy) * width + ox) * 3);
  }
  return { image: { width, height, data }, ox, oy };
}

const detector = await createPlateDetector();
const rows = ['file,x1,y1,x2,y2,score,plate_type'];
for (const file of [...files('labels.csv', 0, 'crops'), ...files('labels.csv', 0, 'crops-two-row')]) {
  const crop = await loadImage(path.join(plates, file));
  const { image, ox, oy } = padded(crop);
  const [best] = await detector.detect(image);
  if (!best) continue;
  const b = best.box;
  const x1 = Math.max(0, b.x1 - ox), y1 = Math.max(0, b.y1 - oy);
  const x2 = Math.min(crop.width, b.x2 - ox), y2 = Math.min(crop.height, b.y2 - oy);
  if (x2 - x1 < 8 || y2 - y1 < 4) continue;
  rows.push([file, x1.toFixed(1), y1.toFixed(1), x2.toFixed(1), y2.toFixed(1), best.score.toFixed(3), best.plateType].join(','));
}
writeFileSync(path.join(projectRoot, 'models', 'training', 'plate-boxes.csv'), `${rows.join('\n')}\n`);
console.log(`${rows.length - 1} plates located`);
