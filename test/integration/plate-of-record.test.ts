import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VehicleShot } from '../../src/analysis/best-frames.js';
import { createTrackPlateReader, type TrackPlateReader } from '../../src/analysis/plate-reading.js';
import { projectRoot } from '../../src/config.js';
import { loadImage } from '../../src/vision/image.js';

const SHARED = path.resolve(projectRoot, '..', 'shared');

/** A whole photo as one picture of a track. */
async function shotOf(file: string): Promise<VehicleShot> {
  const img = await loadImage(file);
  const whole = { x1: 0, y1: 0, x2: img.width, y2: img.height };
  return {
    frameIndex: 0,
    timestamp: 0,
    image: { index: 0, timestamp: 0, ...img },
    box: whole,
    frameBox: whole,
    quality: 1,
  };
}

describe('the plate of record on real plates', () => {
  let reader: TrackPlateReader;
  beforeAll(async () => {
    reader = await createTrackPlateReader();
  });

  it('states a Korean plate the recogniser reads surely', async () => {
    const plate = await reader.read([await shotOf(path.join(SHARED, 'plates', 'scenes', 'P2_77더7739.jpg'))], 'kr');
    expect(plate.reading).toMatchObject({ text: '77더7739', format: 'car' });
    expect(plate.cropPng).not.toBeNull();
    // The use syllable's options for the officer: three, best first, the stated syllable first.
    const options = plate.reading.syllableOptions!;
    expect(options).toHaveLength(3);
    expect(options[0]!.char).toBe('더');
    expect(options.every((o) => /^[가-힣]$/u.test(o.char))).toBe(true);
    expect(options.map((o) => o.confidence)).toEqual([...options.map((o) => o.confidence)].sort((a, b) => b - a));
  });

  it('states no text for a Vietnamese plate forced through the Korean model, keeping what was read as a candidate', async () => {
    // the motorbike's plate reads 77-L1 387.77: no Korean grammar fits it
    const plate = await reader.read([await shotOf(path.join(SHARED, 'stills', 'tr1_382.png'))], 'kr');
    expect(plate.reading.text).toBeNull();
    expect(plate.reading.confidence).toBe(0);
    expect(plate.reading.format).toBeNull();
    expect(plate.reading.candidates.length).toBeGreaterThan(0);
    expect(plate.cropPng).not.toBeNull();
  });

  it("reads no text at all on a camera whose plate format is none, but keeps the plate's crop", async () => {
    const plate = await reader.read([await shotOf(path.join(SHARED, 'plates', 'scenes', 'P2_77더7739.jpg'))], 'none');
    expect(plate.reading).toMatchObject({
      text: null,
      confidence: 0,
      candidates: [],
      format: null,
      reads: 0,
      syllableOptions: [],
    });
    expect(plate.cropPng).not.toBeNull();
    expect(plate.detail.every((d) => d.text === '')).toBe(true);
  });
});
