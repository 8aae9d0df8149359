import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAnnotated, type AnnotationSpec } from '../../src/evidence/annotate.js';
import {
  cleanLeftovers,
  openEvidencePackage,
  verifyPackage,
  type EvidenceManifestBody,
} from '../../src/evidence/package-writer.js';

const STILL = path.resolve(import.meta.dirname, '../../../shared/stills/CAM021_20250212_1550_Nang_9d3.jpg');

const frame = (analysisFrame: number) => ({
  analysisFrame,
  sourceFrame: analysisFrame * 6,
  sec: analysisFrame / 5,
  capturedAt: new Date(1_700_000_000_000 + analysisFrame * 200).toISOString(),
});

const BODY: EvidenceManifestBody = {
  camera: { name: 'test cam', timezone: 'Asia/Seoul' },
  source: {
    path: STILL,
    sha256: 'a'.repeat(64),
    segmentStart: new Date(1_700_000_000_000).toISOString(),
    segmentStartSource: 'explicit',
    segmentStartEstimated: false,
    durationSec: 10,
    width: 1280,
    height: 720,
    fps: 30,
  },
  zone: {
    name: 'sidewalk',
    kind: 'sidewalk',
    polygon: [
      [0.1, 0.5],
      [0.9, 0.5],
      [0.9, 1],
      [0.1, 1],
    ],
    schedule: null,
    rules: { minDwellSeconds: 1 },
  },
  track: { id: 7, label: 'motorcycle', boxes: [{ analysisFrame: 8, sec: 1.6, box: [100, 200, 180, 360], score: 0.8 }] },
  frames: { entry: frame(3), peak: frame(8), exit: frame(12) },
  analysis: { fps: 5, detector: 'picodet_s', analysedWidth: 1280, analysedHeight: 720, configHash: 'b'.repeat(64) },
  models: { picodet_s_416_coco: 'c'.repeat(64) },
  pipelineVersion: 'test',
  plate: null,
};

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('evidence package writer', () => {
  let root: string;
  let still: Buffer;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'motoguard-evidence-'));
    still = await readFile(STILL);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes every file with its hash into the manifest and returns records relative to the root', async () => {
    const draft = await openEvidencePackage({
      evidenceRoot: root,
      camera: 'test cam',
      date: '2025-02-12',
      violationKey: '155000-sidewalk-t7',
    });
    await draft.addBytes('keyframe', 'keyframe-peak.jpg', still);
    await writeFile(draft.pathFor('clip.mp4'), Buffer.from('not really a clip, written by an adapter'));
    await draft.addFile('clip', 'clip.mp4');
    // Nothing is visible at the final path before commit.
    await expect(readdir(draft.finalDir)).rejects.toThrow();

    const records = await draft.commit(BODY);
    expect(draft.finalDir).toBe(path.join(root, 'test_cam', '2025-02-12', '155000-sidewalk-t7'));
    expect(records.map((r) => r.role).sort()).toEqual(['clip', 'keyframe', 'manifest']);
    const keyframe = records.find((r) => r.role === 'keyframe')!;
    expect(keyframe).toMatchObject({
      relPath: 'test_cam/2025-02-12/155000-sidewalk-t7/keyframe-peak.jpg',
      mime: 'image/jpeg',
      sizeBytes: still.length,
      sha256: sha256(still),
    });
    for (const r of records) expect(sha256(await readFile(r.path))).toBe(r.sha256);

    const manifest = JSON.parse(await readFile(path.join(draft.finalDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      schema: 'motoguard.evidence/v1',
      violationKey: '155000-sidewalk-t7',
      track: { id: 7 },
      frames: { peak: { sourceFrame: 48 } },
    });
    expect(manifest.files).toHaveLength(2);
    // No staging folder is left beside the package.
    expect(await readdir(path.dirname(draft.finalDir))).toEqual(['155000-sidewalk-t7']);

    const verified = await verifyPackage(draft.finalDir);
    expect(verified.ok).toBe(true);
  });

  it('verifyPackage reports altered, missing and unlisted files', async () => {
    const draft = await openEvidencePackage({
      evidenceRoot: root,
      camera: 'cam',
      date: '2025-02-12',
      violationKey: 'tamper',
    });
    await draft.addBytes('keyframe', 'a.jpg', still);
    await draft.addBytes('vehicle_crop', 'b.jpg', still.subarray(0, 1000));
    await draft.commit(BODY);
    await appendFile(path.join(draft.finalDir, 'a.jpg'), Buffer.from([0]));
    await rm(path.join(draft.finalDir, 'b.jpg'));
    await writeFile(path.join(draft.finalDir, 'extra.txt'), 'x');

    const verified = await verifyPackage(draft.finalDir);
    expect(verified.ok).toBe(false);
    expect(verified.problems).toEqual(
      expect.arrayContaining([
        { path: 'a.jpg', problem: 'size_mismatch' },
        { path: 'b.jpg', problem: 'missing' },
        { path: 'extra.txt', problem: 'unlisted' },
      ]),
    );
  });

  it('replaces an earlier package of the same violation whole, and a discarded draft leaves nothing', async () => {
    const location = { evidenceRoot: root, camera: 'cam', date: '2025-02-13', violationKey: 'again' };
    const first = await openEvidencePackage(location);
    await first.addBytes('keyframe', 'old.jpg', still);
    await first.commit(BODY);
    const second = await openEvidencePackage(location);
    await second.addBytes('keyframe', 'new.jpg', still);
    await second.commit(BODY);
    expect((await readdir(second.finalDir)).sort()).toEqual(['manifest.json', 'new.jpg']);

    const dropped = await openEvidencePackage({ ...location, violationKey: 'dropped' });
    await dropped.addBytes('keyframe', 'x.jpg', still);
    await dropped.discard();
    expect(await readdir(path.dirname(second.finalDir))).toEqual(['again']);
  });

  it('puts right what a crash left: old staging folders go, a package set aside comes back when its replacement never arrived', async () => {
    const store = await mkdtemp(path.join(os.tmpdir(), 'motoguard-leftovers-'));
    try {
      const at = (key: string) => ({ evidenceRoot: store, camera: 'cam', date: '2025-02-14', violationKey: key });
      // killed mid-package two hours ago, and one still being written now
      const dead = await openEvidencePackage(at('dead'));
      await dead.addBytes('keyframe', 'k.jpg', still);
      const hoursAgo = new Date(Date.now() - 2 * 3600_000);
      await utimes(dead.stagingDir, hoursAgo, hoursAgo);
      const busy = await openEvidencePackage(at('busy'));
      // killed between setting a committed package aside and moving its replacement in
      const kept = await openEvidencePackage(at('kept'));
      await kept.addBytes('keyframe', 'k.jpg', still);
      await kept.commit(BODY);
      const aside = path.join(path.dirname(kept.finalDir), '.replaced-kept-0a1b2c3d');
      await rename(kept.finalDir, aside);

      const done = await cleanLeftovers(store);
      expect(done).toEqual({ removedStaging: [dead.stagingDir], restored: [kept.finalDir], removedReplaced: [] });
      expect((await readdir(path.dirname(kept.finalDir))).sort()).toEqual(
        [path.basename(busy.stagingDir), 'kept'].sort(),
      );
      expect((await verifyPackage(kept.finalDir)).ok).toBe(true);
      await busy.discard();
    } finally {
      await rm(store, { recursive: true, force: true });
    }
  });

  it('refuses file names that could leave the package folder', async () => {
    const draft = await openEvidencePackage({
      evidenceRoot: root,
      camera: '../../etc',
      date: '..',
      violationKey: '../escape',
    });
    expect(draft.finalDir.startsWith(root)).toBe(true);
    expect(() => draft.pathFor('../x.jpg')).toThrow(/not allowed/);
    expect(() => draft.pathFor('manifest.json')).toThrow(/not allowed/);
    await draft.discard();
  });
});

describe('annotated render', () => {
  it('draws the zone and the box over a full-size frame and keeps its size', async () => {
    const still = await readFile(STILL);
    const meta = await sharp(still).metadata();
    const out = await renderAnnotated(still, {
      zonePolygon: [
        [0.5, 0.5],
        [1, 0.5],
        [1, 1],
        [0.5, 1],
      ],
      zoneName: 'sidewalk',
      box: { x1: 10, y1: 10, x2: 60, y2: 60 },
      boxSpace: { width: meta.width / 2, height: meta.height / 2 },
      trackId: 3,
      label: 'motorcycle',
      caption: ['cam <1> & "quoted"', '2025-02-12 15:50:00'],
    });
    const rendered = await sharp(out).metadata();
    expect([rendered.format, rendered.width, rendered.height]).toEqual(['jpeg', meta.width, meta.height]);

    // The box edge (red) is drawn at twice the analysed coordinates; the original pixel there was not red.
    const raw = async (img: Buffer) => sharp(img).removeAlpha().raw().toBuffer();
    const [before, after] = await Promise.all([raw(still), raw(out)]);
    const at = (buf: Buffer, x: number, y: number) => [
      ...buf.subarray((y * meta.width + x) * 3, (y * meta.width + x) * 3 + 3),
    ];
    const [r, g, b] = at(after, 20, 70);
    expect(r).toBeGreaterThan(180);
    expect(g).toBeLessThan(100);
    expect(b).toBeLessThan(100);
    expect(at(before, 20, 70)).not.toEqual(at(after, 20, 70));
  });

  it("tints only the zone it is given, each time, and leaves the caller's raw frame as it was", async () => {
    const W = 320;
    const H = 180;
    const data = new Uint8Array(W * H * 3).fill(40);
    const frame = { data, width: W, height: H };
    const zone = (x: number): AnnotationSpec['zonePolygon'] => [
      [x, 0.6],
      [x + 0.3, 0.6],
      [x + 0.3, 0.9],
      [x, 0.9],
    ];
    const spec = (x: number): AnnotationSpec => ({
      zonePolygon: zone(x),
      zoneName: '',
      box: { x1: 150, y1: 10, x2: 170, y2: 30 },
      boxSpace: { width: W, height: H },
      trackId: 1,
      label: '',
      caption: [],
    });
    const pixel = async (jpeg: Buffer, x: number, y: number) => {
      const raw = await sharp(jpeg).raw().toBuffer();
      return [...raw.subarray((y * W + x) * 3, (y * W + x) * 3 + 3)];
    };
    // inside the left zone (x 0.05..0.35) and inside the right one (x 0.6..0.9), both at y 0.75
    const left = { x: 60, y: 135 };
    const right = { x: 240, y: 135 };
    const first = await renderAnnotated(frame, spec(0.05));
    const second = await renderAnnotated(frame, spec(0.6));
    const [r1, g1, b1] = await pixel(first, left.x, left.y);
    expect(r1! - b1!).toBeGreaterThan(20); // yellow tint
    expect(g1! - b1!).toBeGreaterThan(10);
    const [r2, , b2] = await pixel(second, left.x, left.y);
    expect(Math.abs(r2! - b2!)).toBeLessThan(8);
    const [r3, , b3] = await pixel(second, right.x, right.y);
    expect(r3! - b3!).toBeGreaterThan(20);
    expect(data.every((v) => v === 40)).toBe(true);
  });
});
