import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { analyzeSegment } from '../../src/analysis/segment-analyzer.js';
import { loadCameraFile } from '../../src/cli/camera-file.js';
import { projectRoot } from '../../src/config.js';
import type { CaptureTimeSource } from '../../src/core/capture-time.js';
import { persistAnalysis } from '../../src/db/analysis-store.js';
import { hashFile } from '../../src/evidence/file-hash.js';
import { FOOTAGE, bearer, type TestApi } from './api-helpers.js';

/** The demo clip: a boulevard CCTV with legible car plates and riders near the camera. */
export const DEMO_CLIP = path.join(FOOTAGE, 'thanglm_traffic.mp4');

/**
 * Real violations for case files: the first `seconds` of the demo clip (cut by packet copy, full 1080p) analysed
 * with the demo camera and stored as the worker stores them, on a camera and zone made through the API.
 */
export async function analysedDemoViolations(
  t: TestApi,
  options: {
    name: string;
    seconds: number;
    startTimeSource: CaptureTimeSource;
    /** where the camera stands */
    place?: { address: string; latitude: number; longitude: number };
  },
): Promise<{ cameraId: string; violationIds: string[] }> {
  const demo = await loadCameraFile(path.join(projectRoot, 'fixtures', 'demo-camera.json'));
  // the roots the app was given (startTestApi's own temp folders unless the test named others)
  const { FOOTAGE_ROOT, EVIDENCE_ROOT } = t.deps.config;
  await mkdir(FOOTAGE_ROOT, { recursive: true });
  const clip = path.join(FOOTAGE_ROOT, `${options.name.replace(/\W+/g, '_')}.mp4`);
  await promisify(execFile)('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    DEMO_CLIP,
    '-t',
    String(options.seconds),
    '-c',
    'copy',
    clip,
  ]);

  const created = await t.app.inject({
    method: 'POST',
    url: '/cameras',
    headers: bearer(t.keys.ops),
    payload: { name: options.name, timezone: demo.timezone, plateFormat: demo.plateFormat, ...options.place },
  });
  expect(created.statusCode, created.body).toBe(201);
  const cameraId = created.json<{ id: string }>().id;
  const zone = demo.zones[0]!;
  const zoneRes = await t.app.inject({
    method: 'POST',
    url: `/cameras/${cameraId}/zones`,
    headers: bearer(t.keys.ops),
    payload: {
      name: zone.name,
      kind: zone.kind,
      polygon: zone.polygon,
      minDwellSeconds: zone.rules.minDwellSeconds,
      minDisplacement: zone.rules.minDisplacement,
      classes: zone.rules.classes,
    },
  });
  expect(zoneRes.statusCode, zoneRes.body).toBe(201);
  const zoneId = zoneRes.json<{ id: string }>().id;

  const segmentStart = new Date('2021-08-06T06:52:27Z');
  const { sha256 } = await hashFile(clip);
  const segment = await t.prisma.segment.create({
    data: {
      cameraId,
      fileUri: pathToFileURL(clip).href,
      sha256,
      startTime: segmentStart,
      startTimeSource: options.startTimeSource,
      durationSec: options.seconds,
      status: 'processing',
    },
  });
  const analysis = await analyzeSegment({
    videoPath: clip,
    camera: { ...demo, name: options.name },
    segmentStart,
    segmentStartSource: options.startTimeSource,
    evidenceRoot: EVIDENCE_ROOT,
    pipelineVersion: `case-file-test-${process.pid}`,
  });
  const persisted = await persistAnalysis(t.prisma, {
    segmentId: segment.id,
    cameraId,
    zonesByName: new Map([[zone.name, zoneId]]),
    analysis,
  });
  return { cameraId, violationIds: persisted.violationIds };
}

/** Confirms a violation as officers do: a plate read unsurely (or not at all) needs a second officer. */
export async function confirmViolation(t: TestApi, id: string): Promise<void> {
  for (const key of [t.keys.officer, t.keys.officer2]) {
    const v = await t.prisma.violation.findUniqueOrThrow({ where: { id } });
    if (v.status === 'confirmed') return;
    const res = await t.app.inject({
      method: 'POST',
      url: `/violations/${id}/review`,
      headers: bearer(key),
      payload: { decision: 'confirm', expectedVersion: v.version },
    });
    expect(res.statusCode, res.body).toBe(200);
  }
  expect((await t.prisma.violation.findUniqueOrThrow({ where: { id } })).status).toBe('confirmed');
}

/** Variance of the Laplacian of the grey image inside `box`: how much fine detail (edges, characters) it holds. */
export function laplacianVariance(
  image: { width: number; height: number; data: Uint8Array },
  box: { x1: number; y1: number; x2: number; y2: number },
): number {
  const x1 = Math.max(1, Math.floor(box.x1));
  const y1 = Math.max(1, Math.floor(box.y1));
  const x2 = Math.min(image.width - 1, Math.ceil(box.x2));
  const y2 = Math.min(image.height - 1, Math.ceil(box.y2));
  const grey = (x: number, y: number) => {
    const p = (y * image.width + x) * 3;
    return 0.299 * image.data[p]! + 0.587 * image.data[p + 1]! + 0.114 * image.data[p + 2]!;
  };
  const values: number[] = [];
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      values.push(grey(x - 1, y) + grey(x + 1, y) + grey(x, y - 1) + grey(x, y + 1) - 4 * grey(x, y));
    }
  }
  if (values.length === 0) return 0;
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
}

export async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}
