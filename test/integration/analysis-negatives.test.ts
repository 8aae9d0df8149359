import { copyFile, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSegment } from '../../src/analysis/segment-analyzer.js';
import { loadCameraFile } from '../../src/cli/camera-file.js';
import { projectRoot } from '../../src/config.js';
import { MediaError } from '../../src/media/errors.js';

const FOOTAGE = path.resolve(projectRoot, '..', 'shared', 'footage');
const FIXTURES = path.join(projectRoot, 'fixtures');

/** Clips whose zone holds no ridden motorcycle: each must yield no violation (and so write nothing). */
const CASES = [
  { clip: 'zzmzvn_hi2.mp4', camera: 'zzmzvn-sidewalk-camera.json', what: 'a bicycle ridden on the sidewalk' },
  { clip: 'jcsy_bikes.mp4', camera: 'jcsy-sidewalk-camera.json', what: 'a group of bicycles ridden through the zone' },
  {
    clip: 'sanay_bikes.mp4',
    camera: 'sanay-parked-camera.json',
    what: 'parked motorcycles filmed by a walking, panning camera',
  },
] as const;

describe('analyzeSegment yields no violation where no motorcycle is ridden', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'motoguard-negatives-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(`${c.clip}: ${c.what}`, async () => {
      const analysis = await analyzeSegment({
        videoPath: path.join(FOOTAGE, c.clip),
        camera: await loadCameraFile(path.join(FIXTURES, c.camera)),
        segmentStart: new Date('2026-03-02T10:00:00Z'),
        segmentStartSource: 'explicit',
        fps: 5,
        evidenceRoot: root,
        pipelineVersion: 'test',
      });
      expect(analysis.framesAnalysed).toBeGreaterThan(40);
      expect(analysis.violations.map((v) => `#${v.trackId} ${v.label} ${v.startSec}-${v.endSec}s`)).toEqual([]);
      expect(await readdir(root)).toEqual([]);
    }, 600_000);
  }
});

describe('analyzeSegment on files that are not usable video', () => {
  let dir: string;
  let root: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'motoguard-bad-'));
    root = path.join(dir, 'evidence');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const analyse = async (file: string) =>
    analyzeSegment({
      videoPath: file,
      camera: await loadCameraFile(path.join(FIXTURES, 'demo-camera.json')),
      segmentStart: new Date(),
      segmentStartSource: 'received',
      evidenceRoot: root,
      pipelineVersion: 'test',
    });

  it('rejects a file of random bytes with a MediaError and writes nothing', async () => {
    const file = path.join(dir, 'noise.mp4');
    await writeFile(file, Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919) % 251)));
    const err = await analyse(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe('corrupt');
    expect((err as MediaError).message).toContain('noise.mp4');
    await expect(readdir(root)).rejects.toThrow();
  });

  it('rejects a truncated copy of a real clip and an empty file', async () => {
    const truncated = path.join(dir, 'truncated.mp4');
    await copyFile(path.join(FOOTAGE, 'zzmzvn_hi2.mp4'), truncated);
    const size = (await readFile(truncated)).length;
    const handle = await open(truncated, 'r+');
    await handle.truncate(Math.floor(size / 2));
    await handle.close();
    const cut = await analyse(truncated).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(MediaError);
    expect(['truncated', 'corrupt']).toContain((cut as MediaError).code);

    const empty = path.join(dir, 'empty.mp4');
    await writeFile(empty, '');
    const none = await analyse(empty).catch((e: unknown) => e);
    expect((none as MediaError).code).toBe('empty');
    await expect(readdir(root)).rejects.toThrow();
  });
});
