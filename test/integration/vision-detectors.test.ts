import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';
import type { Detection, RgbFrame } from '../../src/core/types.js';
import { streamFrames } from '../../src/media/frame-stream.js';
import { createDetector, DETECTOR_MODELS, DETECTOR_NAMES } from '../../src/vision/detector.js';
import { cropImage } from '../../src/vision/image.js';
import { modelEntry } from '../../src/vision/model-manifest.js';

const footage = (name: string) => path.resolve(projectRoot, '..', 'shared', 'footage', name);

const traffic: RgbFrame[] = [];
let portrait: RgbFrame;

beforeAll(async () => {
  // Two full-HD frames of the demo clip, 2 s apart, while the near lanes are full of motorbikes.
  for await (const frame of streamFrames(footage('thanglm_traffic.mp4'), { fps: 0.5 })) {
    traffic.push(frame);
    if (traffic.length === 2) break;
  }
  for await (const frame of streamFrames(footage('rishii_test.mp4'), { fps: 1 })) {
    portrait = frame;
    break;
  }
});

const count = (dets: Detection[], label: string) => dets.filter((d) => d.label === label).length;

describe.each(DETECTOR_NAMES)('%s detector', (name) => {
  it('finds the motorcycles and riders of the traffic clip, in frame coordinates', async () => {
    const detector = await createDetector(name);
    expect(detector.sha256).toBe(modelEntry(DETECTOR_MODELS[name]).sha256);
    const timings: number[] = [];
    for (const frame of traffic) {
      const started = performance.now();
      const dets = await detector.detect(frame);
      timings.push(performance.now() - started);
      // Five or more motorbikes ride in the near lanes in every frame of this clip.
      expect(count(dets, 'motorcycle')).toBeGreaterThanOrEqual(3);
      expect(count(dets, 'person')).toBeGreaterThanOrEqual(3);
      expect(count(dets, 'car')).toBeGreaterThanOrEqual(3);
      for (const d of dets) {
        expect(['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck']).toContain(d.label);
        expect(d.score).toBeGreaterThanOrEqual(0.3);
        expect(d.box.x1).toBeGreaterThanOrEqual(0);
        expect(d.box.y2).toBeLessThanOrEqual(frame.height);
        expect(d.box.x2).toBeGreaterThan(d.box.x1);
      }
      // Motorbikes ride in the lower, nearer part of the picture, not the sky.
      const bikes = dets.filter((d) => d.label === 'motorcycle');
      expect(bikes.filter((d) => d.box.y2 > frame.height * 0.3).length).toBeGreaterThanOrEqual(3);
    }
    console.log(`${name}: detect on 1920x1080 ${timings.map((t) => t.toFixed(0)).join(', ')} ms (incl. first run)`);
  });

  it('looks inside a region of the frame exactly as inside that region cut out', async () => {
    const detector = await createDetector(name);
    const frame = traffic[1]!;
    // the demo camera's detection tile: the right half of the frame, where the motorbike lanes are
    const region = { x: 894, y: 0, width: 1026, height: 1080 };
    const inRegion = await detector.detect(frame, { region });
    const onCrop = await detector.detect(
      cropImage(frame, { x1: region.x, y1: 0, x2: region.x + region.width, y2: region.height }),
    );
    expect(count(inRegion, 'motorcycle')).toBeGreaterThanOrEqual(3);
    expect(inRegion).toEqual(onCrop);
    expect(inRegion).not.toEqual(await detector.detect(frame));
  });

  it('raising the score threshold only removes detections', async () => {
    const detector = await createDetector(name);
    const loose = await detector.detect(traffic[0]!, { scoreThreshold: 0.3 });
    const strict = await detector.detect(traffic[0]!, { scoreThreshold: 0.6 });
    expect(strict.length).toBeLessThan(loose.length);
    expect(strict.every((d) => d.score >= 0.6)).toBe(true);
  });

  it('works on a portrait frame', async () => {
    const detector = await createDetector(name);
    const dets = await detector.detect(portrait);
    expect(count(dets, 'motorcycle') + count(dets, 'person')).toBeGreaterThanOrEqual(1);
    expect(dets.every((d) => d.box.x2 <= portrait.width && d.box.y2 <= portrait.height)).toBe(true);
  });
});
