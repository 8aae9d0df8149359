import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentAnalysis } from '../../src/analysis/types.js';
import { persistAnalysis } from '../../src/db/analysis-store.js';
import { createCameraFeed } from '../../src/live/camera-feed.js';
import { createLogger } from '../../src/logger.js';
import { ffmpegPath } from '../../src/media/binaries.js';
import { probeVideo } from '../../src/media/probe.js';
import { FOOTAGE, bearer, dbFingerprint, expectProblem, seedRun, startTestApi, type TestApi } from './api-helpers.js';
import { waitFor } from './live-helpers.js';

let t: TestApi;
/** a short real clip under the footage root: motorbikes in a street lane (komal_bikes, first 3 s) */
const CLIP = 'komal-3s.mp4';
const run = promisify(execFile);

beforeAll(async () => {
  t = await startTestApi();
  await run(ffmpegPath, [
    '-v',
    'error',
    '-i',
    path.join(FOOTAGE, 'komal_bikes.mp4'),
    '-t',
    '3',
    '-c',
    'copy',
    path.join(t.footageRoot, CLIP),
  ]);
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const ops = () => bearer(t.keys.ops);
let made = 0;
async function newCamera(extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/cameras',
    headers: ops(),
    payload: { name: `management ${process.pid} ${++made}`, ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string }>().id;
}

describe('source URL validation', () => {
  it.each([
    'rtsp//bad',
    'rtsp:/bad',
    'rtsp:///stream1',
    'ftp://cam.local/x',
    'javascript://alert(1)',
    '/footage/cam1.mp4',
    'file://',
    'http://',
  ])('refuses %s with a 400 problem naming sourceUrl, on create and on edit', async (sourceUrl) => {
    const id = await newCamera();
    const before = await dbFingerprint(t.prisma);
    const created = expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/cameras',
        headers: ops(),
        payload: { name: `x ${made}`, sourceUrl },
      }),
      400,
    );
    expect(created.errors?.map((e) => e.pointer)).toContain('/sourceUrl');
    const patched = expectProblem(
      await t.app.inject({ method: 'PATCH', url: `/cameras/${id}`, headers: ops(), payload: { sourceUrl } }),
      400,
    );
    expect(patched.errors?.find((e) => e.pointer === '/sourceUrl')?.detail).toMatch(/source URL/);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it.each([
    'rtsp://192.168.0.10:554/stream1',
    'rtsps://admin:pw@cam.local/s',
    'http://cam.local/video.mjpg',
    'https://cam.local/live.m3u8',
    'tcp://127.0.0.1:9000',
    'file:///footage/camera1.mp4',
  ])('takes %s', async (sourceUrl) => {
    const id = await newCamera({ sourceUrl });
    const got = await t.app.inject({ method: 'GET', url: `/cameras/${id}`, headers: ops() });
    expect(got.json().sourceUrl).toBe(sourceUrl);
  });
});

describe('location', () => {
  it('stores address and coordinates, checks their ranges and that the coordinates go together', async () => {
    const id = await newCamera({ address: '서울 마포구 월드컵로 1', latitude: 37.5665, longitude: 126.978 });
    const got = await t.app.inject({ method: 'GET', url: `/cameras/${id}`, headers: bearer(t.keys.officer) });
    expect(got.json()).toMatchObject({ address: '서울 마포구 월드컵로 1', latitude: 37.5665, longitude: 126.978 });

    for (const payload of [{ latitude: 91, longitude: 0 }, { latitude: 0, longitude: -180.5 }, { latitude: 10 }]) {
      const res = expectProblem(
        await t.app.inject({ method: 'PATCH', url: `/cameras/${id}`, headers: ops(), payload }),
        400,
      );
      expect(res.errors?.some((e) => /latitude|longitude/.test(e.pointer))).toBe(true);
    }
    const cleared = await t.app.inject({
      method: 'PATCH',
      url: `/cameras/${id}`,
      headers: ops(),
      payload: { latitude: null, longitude: null },
    });
    expect(cleared.json()).toMatchObject({ address: '서울 마포구 월드컵로 1', latitude: null, longitude: null });
  });

  it('goes with each violation as found: a camera moved later leaves its cases where they were', async () => {
    const { camera, zone, segment } = await seedRun(t.prisma, `located ${process.pid}`);
    const place = { address: '서울 종로구 세종대로 175', latitude: 37.5717, longitude: 126.9769 };
    await t.app.inject({ method: 'PATCH', url: `/cameras/${camera.id}`, headers: ops(), payload: place });
    const analysis: SegmentAnalysis = {
      videoPath: '/seed.mp4',
      sourceSha256: segment.sha256,
      segmentStart: segment.startTime,
      pipelineVersion: `location-${process.pid}`,
      configHash: '1'.repeat(64),
      detector: 'picodet_s',
      fps: 5,
      modelFingerprints: {},
      source: { width: 640, height: 360, fps: 30, codec: 'h264', durationSec: 10 },
      analysedSize: { width: 640, height: 360 },
      framesAnalysed: 50,
      videoSeconds: 10,
      tracksSeen: 1,
      timings: {
        probeMs: 0,
        decodeWaitMs: 0,
        inferenceMs: 0,
        trackingMs: 0,
        keyframesMs: 0,
        plateMs: 0,
        evidenceMs: 0,
        packagingMs: 0,
        totalMs: 1,
      },
      violations: [
        {
          trackId: 7,
          label: 'motorcycle',
          zoneName: zone.name,
          zoneKind: zone.kind,
          startSec: 1,
          endSec: 3,
          startTime: new Date(segment.startTime.getTime() + 1000),
          endTime: new Date(segment.startTime.getTime() + 3000),
          entryFrame: 5,
          peakFrame: 10,
          exitFrame: 15,
          plate: { text: null, confidence: 0, candidates: [], format: null, plateType: null, reads: 0 },
          evidenceDir: '/nowhere',
          evidence: [],
        },
      ],
    };
    const stored = await persistAnalysis(t.prisma, {
      segmentId: segment.id,
      cameraId: camera.id,
      zonesByName: new Map([[zone.name, zone.id]]),
      analysis,
    });
    const violationId = stored.violationIds[0]!;
    await t.app.inject({
      method: 'PATCH',
      url: `/cameras/${camera.id}`,
      headers: ops(),
      payload: { address: '다른 곳', latitude: 35.1, longitude: 129.0 },
    });
    const detail = await t.app.inject({
      method: 'GET',
      url: `/violations/${violationId}`,
      headers: bearer(t.keys.officer),
    });
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.json().place).toEqual(place);

    const { camera: bare, run: bareRun, zone: bareZone } = await seedRun(t.prisma, `unlocated ${process.pid}`);
    const old = await t.prisma.violation.create({
      data: {
        runId: bareRun.id,
        cameraId: bare.id,
        zoneId: bareZone.id,
        zoneName: 'sidewalk',
        zoneKind: 'sidewalk',
        trackId: 1,
        startTime: new Date('2026-11-23T00:00:01Z'),
        endTime: new Date('2026-11-23T00:00:03Z'),
        startSec: 1,
        endSec: 3,
      },
    });
    const none = await t.app.inject({ method: 'GET', url: `/violations/${old.id}`, headers: bearer(t.keys.officer) });
    expect(none.json().place).toBeNull();
  });
});

describe('disable and delete', () => {
  it('a disabled camera takes no footage (409 camera-disabled); enabled again, it does', async () => {
    const id = await newCamera();
    await t.app.inject({ method: 'PATCH', url: `/cameras/${id}`, headers: ops(), payload: { enabled: false } });
    const before = await dbFingerprint(t.prisma);
    const refused = expectProblem(
      await t.app.inject({ method: 'POST', url: '/segments', headers: ops(), payload: { cameraId: id, path: CLIP } }),
      409,
    );
    expect(refused.type).toBe('/problems/camera-disabled');
    const boundary = 'b0undary';
    const form = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="cameraId"\r\n\r\n${id}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
      ),
      Buffer.from('not really a video'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const upload = expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/segments/upload',
        headers: { ...ops(), 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: form,
      }),
      409,
    );
    expect(upload.type).toBe('/problems/camera-disabled');
    const batch = expectProblem(
      await t.app.inject({ method: 'POST', url: '/batches', headers: ops(), payload: { cameraId: id, folder: '.' } }),
      409,
    );
    expect(batch.type).toBe('/problems/camera-disabled');
    expect(await dbFingerprint(t.prisma)).toBe(before);
    expect(await readdir(path.join(t.footageRoot, 'uploads')).catch(() => [])).toEqual([]);

    await t.app.inject({ method: 'PATCH', url: `/cameras/${id}`, headers: ops(), payload: { enabled: true } });
    const taken = await t.app.inject({
      method: 'POST',
      url: '/segments',
      headers: ops(),
      payload: { cameraId: id, path: CLIP },
    });
    expect(taken.statusCode, taken.body).toBe(201);
  });

  it('the live recorder of a camera disabled while it records keeps nothing more and stops, reported as stopped', async () => {
    const id = await newCamera();
    const outRoot = await mkdtemp(path.join(tmpdir(), 'motoguard-feed-'));
    try {
      await t.app.inject({ method: 'PATCH', url: `/cameras/${id}`, headers: ops(), payload: { enabled: false } });
      const source = pathToFileURL(path.join(t.footageRoot, CLIP)).href;
      const feed = createCameraFeed({
        prisma: t.prisma,
        queue: t.queue,
        pipelineVersion: 'feed-test',
        camera: { id, sourceUrl: source },
        footageRoot: outRoot,
        segmentSeconds: 1,
        logger: createLogger('silent'),
      });
      feed.start();
      const health = await waitFor(
        async () => {
          const h = await t.app.inject({ method: 'GET', url: `/cameras/${id}/health`, headers: ops() });
          // stopped once it has run: a camera no recorder reported for reads as stopped too
          return h.json().recorded === true && h.json().status === 'stopped' && h.json();
        },
        30_000,
        'the recorder to stop',
      );
      await feed.stop();
      expect(health).toMatchObject({ recorded: true, status: 'stopped' });
      expect(await t.prisma.segment.count({ where: { cameraId: id } })).toBe(0);
      // ffmpeg's segment list stays; no segment file does
      expect((await readdir(path.join(outRoot, 'live', id))).filter((f) => f.endsWith('.mp4'))).toEqual([]);
      const list = await t.app.inject({ method: 'GET', url: '/cameras', headers: ops() });
      const row = list.json().items.find((c: { id: string }) => c.id === id);
      expect(row).toMatchObject({ enabled: false, feed: { recorded: true, status: 'stopped' } });
    } finally {
      await rm(outRoot, { recursive: true, force: true });
    }
  }, 60_000);

  it('deletes a camera without footage with its zones; refuses one with footage and cases, which stay', async () => {
    const id = await newCamera();
    await t.app.inject({
      method: 'POST',
      url: `/cameras/${id}/zones`,
      headers: ops(),
      payload: {
        name: 'z',
        kind: 'park',
        polygon: [
          [0, 0],
          [1, 0],
          [1, 1],
        ],
      },
    });
    expect((await t.app.inject({ method: 'DELETE', url: `/cameras/${id}`, headers: ops() })).statusCode).toBe(204);
    expect(await t.prisma.zone.count({ where: { cameraId: id } })).toBe(0);
    const audit = await t.prisma.auditLog.findFirst({ where: { entityId: id, action: 'camera.delete' } });
    expect(audit?.details).toMatchObject({ zonesDeleted: 1 });

    const { camera, run: seeded, zone } = await seedRun(t.prisma, `kept ${process.pid}`);
    const kept = await t.prisma.violation.create({
      data: {
        runId: seeded.id,
        cameraId: camera.id,
        zoneId: zone.id,
        zoneName: 'sidewalk',
        zoneKind: 'sidewalk',
        trackId: 1,
        startTime: new Date('2026-11-23T00:00:01Z'),
        endTime: new Date('2026-11-23T00:00:03Z'),
        startSec: 1,
        endSec: 3,
      },
    });
    const refused = expectProblem(
      await t.app.inject({ method: 'DELETE', url: `/cameras/${camera.id}`, headers: ops() }),
      409,
    );
    expect(refused.type).toBe('/problems/camera-has-footage');
    expect(await t.prisma.violation.findUnique({ where: { id: kept.id } })).not.toBeNull();
    expect(await t.prisma.camera.findUnique({ where: { id: camera.id } })).not.toBeNull();
  });
});

describe('recorder health in the camera list', () => {
  it("shows the recorder's own state and last error; a camera no recorder ran for says so", async () => {
    const recorded = await newCamera({ sourceUrl: 'rtsp://admin:secret@10.0.0.9/s' });
    const never = await newCamera();
    await t.prisma.cameraHealth.create({
      data: {
        cameraId: recorded,
        status: 'stopped',
        lastError: 'Connection refused',
        lastErrorAt: new Date(),
        reconnects: 4,
      },
    });
    const list = await t.app.inject({ method: 'GET', url: '/cameras', headers: ops() });
    const items: Array<{ id: string; feed: Record<string, unknown> }> = list.json().items;
    expect(items.find((c) => c.id === recorded)?.feed).toMatchObject({
      recorded: true,
      status: 'stopped',
      lastError: 'Connection refused',
      reconnects: 4,
    });
    expect(items.find((c) => c.id === never)?.feed).toMatchObject({ recorded: false, status: 'stopped' });
    const health = await t.app.inject({
      method: 'GET',
      url: `/cameras/${recorded}/health`,
      headers: bearer(t.keys.officer),
    });
    expect(health.json()).toMatchObject({ status: 'stopped', sourceUrl: 'rtsp://admin:***@10.0.0.9/s' });
  });
});

describe('detector view', () => {
  it("traces a real clip: each frame's boxes and tracks, each stay's rule checks, the frame and the overlay clip", async () => {
    const id = await newCamera({ plateFormat: 'none' });
    await t.app.inject({
      method: 'POST',
      url: `/cameras/${id}/zones`,
      headers: ops(),
      payload: {
        name: 'lane',
        kind: 'restricted_road',
        polygon: [
          [0, 0.3],
          [1, 0.3],
          [1, 1],
          [0, 1],
        ],
      },
    });
    const seg = await t.app.inject({
      method: 'POST',
      url: '/segments',
      headers: ops(),
      payload: { cameraId: id, path: CLIP },
    });
    const segmentId = seg.json<{ id: string }>().id;

    expectProblem(
      await t.app.inject({
        method: 'GET',
        url: `/segments/${segmentId}/detector-view`,
        headers: bearer(t.keys.officer),
      }),
      403,
    );
    const res = await t.app.inject({ method: 'GET', url: `/segments/${segmentId}/detector-view`, headers: ops() });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json();
    expect(view.analysedSize).toEqual({ width: 640, height: 326 });
    expect(view.frames.length).toBeGreaterThanOrEqual(14);
    expect(
      view.frames.some((f: { detections: { label: string }[] }) => f.detections.some((d) => d.label === 'motorcycle')),
    ).toBe(true);
    expect(view.frames.some((f: { tracks: unknown[] }) => f.tracks.length > 0)).toBe(true);
    expect(view.zones.map((z: { name: string }) => z.name)).toEqual(['lane']);
    expect(view.stays.length).toBeGreaterThan(0);
    for (const stay of view.stays) {
      expect(stay.checks.map((c: { rule: string }) => c.rule)).toEqual([
        'class',
        'confirmed',
        'schedule',
        'dwell',
        'displacement',
        'direction',
        'rider',
      ]);
      expect(stay.violation).toBe(stay.checks.every((c: { pass: boolean }) => c.pass));
    }
    // the trace is the analysis's own: its violations are the stays it found violating
    const violating = view.stays
      .filter((s: { violation: boolean }) => s.violation)
      .map((s: { trackId: number }) => s.trackId);
    for (const v of view.violations) expect(violating).toContain(v.trackId);

    const frame = await t.app.inject({ method: 'GET', url: `/segments/${segmentId}/frame?t=1`, headers: ops() });
    expect(frame.statusCode).toBe(200);
    expect(frame.headers['content-type']).toBe('image/jpeg');

    const clip = await t.app.inject({
      method: 'GET',
      url: `/segments/${segmentId}/detector-view/clip`,
      headers: ops(),
    });
    expect(clip.statusCode, clip.body.slice(0, 300)).toBe(200);
    expect(clip.headers['content-type']).toBe('video/mp4');
    const dir = await mkdtemp(path.join(tmpdir(), 'motoguard-clip-'));
    try {
      const file = path.join(dir, 'view.mp4');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(file, clip.rawPayload);
      const info = await probeVideo(file);
      expect(info).toMatchObject({ width: 640, height: 326, codec: 'h264' });
      expect(info.durationSec).toBeGreaterThan(2.5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
