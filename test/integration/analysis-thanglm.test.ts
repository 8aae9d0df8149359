import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisConfigHash } from '../../src/analysis/config-hash.js';
import { analyzeSegment } from '../../src/analysis/segment-analyzer.js';
import type { SegmentAnalysis } from '../../src/analysis/types.js';
import { loadCameraFile } from '../../src/cli/camera-file.js';
import { DEMO_CAMERA, DEMO_FOOTAGE, DEMO_SEGMENT_START } from '../../src/cli/demo-paths.js';
import { keyframeJpeg } from '../../src/evidence/annotate.js';
import { verifyPackage } from '../../src/evidence/package-writer.js';
import { extractFrame } from '../../src/media/keyframe.js';

const execFileAsync = promisify(execFile);

/** The demo clip through analyzeSegment at 5 fps, its evidence under a fresh temporary root. */
async function analyseDemoClip(
  rootPrefix: string,
  options: { maxWidth?: number } = {},
): Promise<{ root: string; analysis: SegmentAnalysis }> {
  const root = await mkdtemp(path.join(os.tmpdir(), rootPrefix));
  const analysis = await analyzeSegment({
    videoPath: DEMO_FOOTAGE,
    camera: await loadCameraFile(DEMO_CAMERA),
    segmentStart: DEMO_SEGMENT_START,
    segmentStartSource: 'explicit',
    fps: 5,
    ...options,
    evidenceRoot: root,
    pipelineVersion: 'test',
  });
  return { root, analysis };
}

/** The whole demo clip, analysed once for the file (the slowest test here: ~50 frames of 1080p). */
describe('analyzeSegment on the 1080p demo clip with a restricted-road zone over its motorbike lanes', () => {
  let root: string;
  let analysis: SegmentAnalysis;

  beforeAll(async () => {
    ({ root, analysis } = await analyseDemoClip('motoguard-analysis-'));
  }, 900_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('analyses every frame at 5 fps and tracks several motorcycles', async () => {
    expect(analysis.framesAnalysed).toBeGreaterThanOrEqual(50);
    expect(analysis.framesAnalysed).toBeLessThanOrEqual(53);
    expect(analysis.videoSeconds).toBeCloseTo(10.43, 1);
    expect(analysis.analysedSize).toEqual({ width: 1920, height: 1080 });
    expect(analysis.tracksSeen).toBeGreaterThanOrEqual(3);
    expect(analysis.configHash).toBe(analysisConfigHash(await loadCameraFile(DEMO_CAMERA), 5, 'picodet_s'));
    expect(Object.keys(analysis.modelFingerprints).sort()).toEqual([
      'hyperlpr3_corners',
      'korean-plate-rec',
      'picodet_s_416_coco',
      'vin_lpd',
    ]);
    for (const sha of Object.values(analysis.modelFingerprints)) expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(analysis.timings.inferenceMs).toBeGreaterThan(0);
  });

  it('finds motorcycles ridden in the zone, each inside the clip and in time order', () => {
    expect(analysis.violations.length).toBeGreaterThanOrEqual(1);
    for (const v of analysis.violations) {
      expect(v).toMatchObject({ label: 'motorcycle', zoneName: 'motorbike lanes', zoneKind: 'restricted_road' });
      expect(v.endSec - v.startSec).toBeGreaterThanOrEqual(1);
      expect(v.startSec).toBeGreaterThanOrEqual(0);
      expect(v.endSec).toBeLessThanOrEqual(analysis.videoSeconds);
      expect(v.entryFrame).toBeLessThanOrEqual(v.peakFrame);
      expect(v.peakFrame).toBeLessThanOrEqual(v.exitFrame);
      expect(Math.abs(v.startTime.getTime() - (DEMO_SEGMENT_START.getTime() + v.startSec * 1000))).toBeLessThanOrEqual(
        1,
      );
    }
  });

  it('writes a complete evidence package per violation whose hashes verify', async () => {
    for (const v of analysis.violations) {
      const roles = v.evidence.map((e) => e.role);
      expect(roles.filter((r) => r === 'clip')).toHaveLength(1);
      expect(roles.filter((r) => r === 'keyframe')).toHaveLength(3);
      expect(roles.filter((r) => r === 'annotated')).toHaveLength(3);
      expect(roles).toContain('vehicle_crop');
      expect(roles).toContain('manifest');
      for (const e of v.evidence) {
        expect(path.isAbsolute(e.path)).toBe(true);
        expect(path.join(root, e.relPath)).toBe(e.path);
        expect(path.dirname(e.path)).toBe(v.evidenceDir);
      }
      const verified = await verifyPackage(v.evidenceDir);
      expect(verified.problems).toEqual([]);
      expect(verified.manifest.source.sha256).toBe(analysis.sourceSha256);
      expect(verified.manifest.frames.peak.analysisFrame).toBe(v.peakFrame);
      expect(verified.manifest.models).toEqual(analysis.modelFingerprints);
      expect(verified.manifest.zone.kind).toBe('restricted_road');
    }
    // the clips were cut together into a shared staging folder and moved into their packages; none is left
    const folders = await readdir(path.dirname(analysis.violations[0]!.evidenceDir));
    expect(folders.filter((f) => f.startsWith('.'))).toEqual([]);
    expect(folders.length).toBe(new Set(analysis.violations.map((v) => v.evidenceDir)).size);
  });

  it('cuts an H.264 MP4 clip with pre/post roll and keeps keyframes at full resolution', async () => {
    const v = analysis.violations[0]!;
    const clip = v.evidence.find((e) => e.role === 'clip')!.path;
    const { stdout } = await execFileAsync('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,width,height:format=format_name,duration',
      '-of',
      'json',
      clip,
    ]);
    const probe = JSON.parse(stdout) as {
      streams: Array<{ codec_name: string; width: number }>;
      format: { format_name: string; duration: string };
    };
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: 1920 });
    expect(probe.format.format_name).toContain('mp4');
    const expected = Math.min(analysis.videoSeconds, v.endSec + 3) - Math.max(0, v.startSec - 3);
    expect(Number(probe.format.duration)).toBeCloseTo(expected, 0);

    const keyframe = v.evidence.find((e) => e.role === 'keyframe')!.path;
    const meta = await sharp(await readFile(keyframe)).metadata();
    expect([meta.width, meta.height]).toEqual([1920, 1080]);
  });
});

describe('analyzeSegment on a downscaled copy of the demo clip', () => {
  let root: string;
  let analysis: SegmentAnalysis;

  beforeAll(async () => {
    ({ root, analysis } = await analyseDemoClip('motoguard-analysis-small-', { maxWidth: 1280 }));
  }, 900_000);
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the source frame shown at each moment as the full-resolution keyframe', async () => {
    expect(analysis.analysedSize).toEqual({ width: 1280, height: 720 });
    expect(analysis.violations.length).toBeGreaterThanOrEqual(2);
    for (const v of analysis.violations) {
      const { manifest } = await verifyPackage(v.evidenceDir);
      for (const moment of ['entry', 'peak', 'exit'] as const) {
        const file = v.evidence.find((e) => e.path.endsWith(`keyframe-${moment}.jpg`))!.path;
        const stored = await readFile(file);
        expect(stored.equals(await keyframeJpeg(await extractFrame(DEMO_FOOTAGE, manifest.frames[moment].sec)))).toBe(
          true,
        );
      }
    }
  });
});
