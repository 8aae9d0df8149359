import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { analyzeJobId } from '../../src/queue/producer.js';
import { createQueue } from '../../src/queue/queues.js';
import { FOOTAGE, bearer, dbFingerprint, expectProblem, startTestApi, type TestApi } from './api-helpers.js';

let t: TestApi;
let cameraId: string;
const CLIP = 'zzmzvn_hi2.mp4';
const UPLOAD_CLIP = 'jcsy_bikes.mp4';

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

async function multipart(fields: Record<string, string>, file?: { name: string; data: Buffer; type: string }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('file', new Blob([new Uint8Array(file.data)], { type: file.type }), file.name);
  const encoded = new Response(form);
  return {
    payload: Buffer.from(await encoded.arrayBuffer()),
    headers: { 'content-type': encoded.headers.get('content-type')! },
  };
}

beforeAll(async () => {
  t = await startTestApi();
  await mkdir(path.join(t.footageRoot, 'cam1'), { recursive: true });
  await copyFile(path.join(FOOTAGE, CLIP), path.join(t.footageRoot, 'cam1', CLIP));
  const cam = await t.app.inject({
    method: 'POST',
    url: '/cameras',
    headers: bearer(t.keys.ops),
    payload: { name: `segments cam ${process.pid}` },
  });
  cameraId = cam.json().id;
});
afterAll(async () => {
  await t?.close();
});

describe('POST /segments (register a file under FOOTAGE_ROOT)', () => {
  let segmentId: string;

  it('probes, hashes, records and enqueues a real clip', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments',
      headers: bearer(t.keys.ops),
      payload: { cameraId, path: `cam1/${CLIP}`, startTime: '2026-11-23T09:00:00+09:00' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    segmentId = body.id;
    const expectedSha = await sha256(path.join(FOOTAGE, CLIP));
    expect(body).toMatchObject({
      cameraId,
      sha256: expectedSha,
      status: 'queued',
      enqueued: true,
      startTime: '2026-11-23T00:00:00.000Z',
      startTimeSource: 'explicit',
      startTimeEstimated: false,
    });
    expect(body.durationSec).toBeGreaterThan(12);
    expect(body.video).toMatchObject({ width: 640, height: 360 });
    expect(body.fileUri).toMatch(/^file:\/\/.*\/cam1\/zzmzvn_hi2\.mp4$/);

    const job = await t.queue.getJob(analyzeJobId(expectedSha, t.deps.config.PIPELINE_VERSION));
    expect(job?.data).toEqual({ segmentId, sha256: expectedSha, pipelineVersion: t.deps.config.PIPELINE_VERSION });
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { entityType: 'segment', entityId: segmentId } });
    expect(audit.action).toBe('segment.register');
  });

  it('reports status, lists segments and shows camera health', async () => {
    const got = await t.app.inject({ method: 'GET', url: `/segments/${segmentId}`, headers: bearer(t.keys.officer) });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({
      id: segmentId,
      status: 'queued',
      runs: [],
      violationCount: 0,
      fileName: CLIP,
      job: { state: 'waiting', attemptsMade: 0, progress: null },
    });
    const list = await t.app.inject({
      method: 'GET',
      url: `/segments?cameraId=${cameraId}&limit=5`,
      headers: bearer(t.keys.ops),
    });
    expect(list.json().items.map((s: { id: string }) => s.id)).toEqual([segmentId]);
    const cam = await t.app.inject({ method: 'GET', url: `/cameras/${cameraId}`, headers: bearer(t.keys.ops) });
    expect(cam.json().health).toMatchObject({ segmentsToday: 1, lastSegmentAt: '2026-11-23T00:00:00.000Z' });
  });

  it("reports the analysis job's progress as the worker gives it", async () => {
    const job = await t.queue.getJob(
      analyzeJobId(await sha256(path.join(FOOTAGE, CLIP)), t.deps.config.PIPELINE_VERSION),
    );
    const progress = { phase: 'analyse', framesDone: 12, framesTotal: 70, violationsFound: 1 };
    await job!.updateProgress(progress);
    const got = await t.app.inject({ method: 'GET', url: `/segments/${segmentId}`, headers: bearer(t.keys.ops) });
    expect(got.json().job).toMatchObject({ state: 'waiting', progress });
  });

  it('serves a JPEG snapshot of the latest segment for drawing zones', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/cameras/${cameraId}/snapshot`,
      headers: bearer(t.keys.ops),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['x-frame-size']).toBe('640x360');
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it('refuses the same bytes twice for one camera (409 naming the existing segment)', async () => {
    await copyFile(path.join(FOOTAGE, CLIP), path.join(t.footageRoot, 'copy.mp4'));
    const before = await dbFingerprint(t.prisma);
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments',
      headers: bearer(t.keys.ops),
      payload: { cameraId, path: 'copy.mp4' },
    });
    expect(expectProblem(res, 409).existingId).toBe(segmentId);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it.each([
    ['a parent-directory escape', '../../../etc/passwd'],
    ['an absolute path outside the root', '/etc/passwd'],
    ['a nested escape', 'cam1/../../outside.mp4'],
    ['the shared footage by absolute path', path.join(FOOTAGE, CLIP)],
  ])('refuses %s (400, nothing stored)', async (_name, p) => {
    const before = await dbFingerprint(t.prisma);
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments',
      headers: bearer(t.keys.ops),
      payload: { cameraId, path: p },
    });
    expect(expectProblem(res, 400).detail).toMatch(/inside the footage root/);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('refuses a symlink inside the root that points outside it', async () => {
    await symlink(path.join(FOOTAGE, UPLOAD_CLIP), path.join(t.footageRoot, 'sneaky.mp4'));
    const before = await dbFingerprint(t.prisma);
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments',
      headers: bearer(t.keys.ops),
      payload: { cameraId, path: 'sneaky.mp4' },
    });
    expectProblem(res, 400);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('refuses absent files, folders and files that are not video (422)', async () => {
    await writeFile(path.join(t.footageRoot, 'notes.mp4'), 'this is a text file pretending to be a video\n');
    const before = await dbFingerprint(t.prisma);
    expect(
      expectProblem(
        await t.app.inject({
          method: 'POST',
          url: '/segments',
          headers: bearer(t.keys.ops),
          payload: { cameraId, path: 'absent.mp4' },
        }),
        422,
      ).type,
    ).toBe('/problems/file-not-found');
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/segments',
        headers: bearer(t.keys.ops),
        payload: { cameraId, path: 'cam1' },
      }),
      422,
    );
    const text = await t.app.inject({
      method: 'POST',
      url: '/segments',
      headers: bearer(t.keys.ops),
      payload: { cameraId, path: 'notes.mp4' },
    });
    const problem = expectProblem(text, 422);
    expect(problem.type).toBe('/problems/not-a-video');
    expect(problem.detail).not.toContain(t.footageRoot);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('refuses unknown cameras, wrong types, unknown fields and the officer role', async () => {
    const before = await dbFingerprint(t.prisma);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/segments',
        headers: bearer(t.keys.ops),
        payload: { cameraId: '3f0c2a6e-9a51-4b7e-8c1d-2b9f4e6a7c80', path: `cam1/${CLIP}` },
      }),
      404,
    );
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/segments',
      headers: bearer(t.keys.ops),
      payload: { cameraId: 12, path: ['a'], startTime: 'yesterday' },
    });
    expect(
      expectProblem(wrong, 400)
        .errors!.map((e) => e.pointer)
        .sort(),
    ).toEqual(['/cameraId', '/path', '/startTime']);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/segments',
        headers: bearer(t.keys.ops),
        payload: { cameraId, path: `cam1/${CLIP}`, sha256: 'x' },
      }),
      400,
    );
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/segments',
        headers: bearer(t.keys.officer),
        payload: { cameraId, path: `cam1/${CLIP}` },
      }),
      403,
    );
    expectProblem(
      await t.app.inject({
        method: 'GET',
        url: '/segments/3f0c2a6e-9a51-4b7e-8c1d-2b9f4e6a7c80',
        headers: bearer(t.keys.ops),
      }),
      404,
    );
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });
});

describe('registration while Redis is down', () => {
  it('keeps the segment pending in Postgres for the reconciler, and status and metrics still answer', async () => {
    const redis = createRedisConnection('redis://127.0.0.1:1', 'producer', { retryStrategy: () => 1000 });
    redis.on('error', () => {});
    const deadQueue = createQueue('analyze', { connection: redis, prefix: 'mgtest-no-redis' });
    deadQueue.on('error', () => {});
    const app = await buildApp({ ...t.deps, queue: deadQueue });
    try {
      await copyFile(path.join(FOOTAGE, 'rishii_test.mp4'), path.join(t.footageRoot, 'offline.mp4'));
      const res = await app.inject({
        method: 'POST',
        url: '/segments',
        headers: bearer(t.keys.ops),
        payload: { cameraId, path: 'offline.mp4' },
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ status: 'pending', enqueued: false });
      expect((await t.prisma.segment.findUniqueOrThrow({ where: { id: res.json().id } })).status).toBe('pending');
      const status = await app.inject({
        method: 'GET',
        url: `/segments/${res.json().id}`,
        headers: bearer(t.keys.ops),
      });
      expect(status.json()).toMatchObject({ status: 'pending', job: null });
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.statusCode).toBe(200);
      expect(metrics.body).toContain('http_request_duration_seconds');
      expect(metrics.body).not.toMatch(/analysis_queue_jobs\{/);
    } finally {
      await app.close();
      await deadQueue.close();
      redis.disconnect();
    }
  });
});

describe('POST /segments/upload (multipart)', () => {
  const uploads = () => readdir(path.join(t.footageRoot, 'uploads')).catch(() => [] as string[]);

  it('stores an uploaded clip under FOOTAGE_ROOT/uploads and queues it', async () => {
    const data = await readFile(path.join(FOOTAGE, UPLOAD_CLIP));
    const form = await multipart({ cameraId }, { name: UPLOAD_CLIP, data, type: 'video/mp4' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments/upload',
      headers: { ...bearer(t.keys.ops), ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ cameraId, status: 'queued', sha256: createHash('sha256').update(data).digest('hex') });
    const files = await uploads();
    expect(files).toHaveLength(1);
    expect(body.fileUri).toContain(`/uploads/${files[0]}`);
    expect(await sha256(path.join(t.footageRoot, 'uploads', files[0]!))).toBe(body.sha256);
  });

  it('refuses a non-video upload with 415 and removes the file', async () => {
    const before = await dbFingerprint(t.prisma);
    const filesBefore = await uploads();
    const form = await multipart(
      { cameraId },
      { name: 'clip.mp4', data: Buffer.from('%PDF-1.7 not a video at all'), type: 'video/mp4' },
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments/upload',
      headers: { ...bearer(t.keys.ops), ...form.headers },
      payload: form.payload,
    });
    expect(expectProblem(res, 415).type).toBe('/problems/not-a-video');
    expect(await uploads()).toEqual(filesBefore);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('refuses a JSON body, a form without cameraId and a form without a file', async () => {
    const before = await dbFingerprint(t.prisma);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/segments/upload',
        headers: bearer(t.keys.ops),
        payload: { cameraId },
      }),
      415,
    );
    const noCamera = await multipart(
      {},
      { name: 'a.mp4', data: await readFile(path.join(FOOTAGE, CLIP)), type: 'video/mp4' },
    );
    expect(
      expectProblem(
        await t.app.inject({
          method: 'POST',
          url: '/segments/upload',
          headers: { ...bearer(t.keys.ops), ...noCamera.headers },
          payload: noCamera.payload,
        }),
        400,
      ).detail,
    ).toMatch(/cameraId/);
    const noFile = await multipart({ cameraId });
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/segments/upload',
        headers: { ...bearer(t.keys.ops), ...noFile.headers },
        payload: noFile.payload,
      }),
      400,
    );
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('refuses an upload over MAX_UPLOAD_BYTES with 413 and keeps no partial file', async () => {
    const small = await startTestApi({ MAX_UPLOAD_BYTES: '100000' });
    try {
      const cam = (
        await small.app.inject({
          method: 'POST',
          url: '/cameras',
          headers: bearer(small.keys.ops),
          payload: { name: `small ${process.pid}` },
        })
      ).json();
      const before = await dbFingerprint(small.prisma);
      const form = await multipart(
        { cameraId: cam.id },
        { name: CLIP, data: await readFile(path.join(FOOTAGE, CLIP)), type: 'video/mp4' },
      );
      const res = await small.app.inject({
        method: 'POST',
        url: '/segments/upload',
        headers: { ...bearer(small.keys.ops), ...form.headers },
        payload: form.payload,
      });
      expect(expectProblem(res, 413).type).toBe('/problems/body-too-large');
      expect(await readdir(path.join(small.footageRoot, 'uploads'))).toEqual([]);
      expect(await dbFingerprint(small.prisma)).toBe(before);
    } finally {
      await small.close();
    }
  });
});

describe('DELETE /segments/:id', () => {
  it('deletes footage nothing has analysed, refuses analysed footage, and audits', async () => {
    const seg = await t.prisma.segment.findFirstOrThrow({ where: { cameraId, fileUri: { contains: '/uploads/' } } });
    const res = await t.app.inject({ method: 'DELETE', url: `/segments/${seg.id}`, headers: bearer(t.keys.ops) });
    expect(res.statusCode).toBe(204);
    expect(await t.prisma.auditLog.count({ where: { entityId: seg.id, action: 'segment.delete' } })).toBe(1);

    const analysed = await t.prisma.segment.findFirstOrThrow({ where: { cameraId } });
    await t.prisma.analysisRun.create({
      data: {
        segmentId: analysed.id,
        pipelineVersion: 'test',
        modelFingerprints: {},
        configHash: '0'.repeat(64),
        timings: {},
        startedAt: new Date(),
      },
    });
    const before = await dbFingerprint(t.prisma);
    expect(
      expectProblem(
        await t.app.inject({ method: 'DELETE', url: `/segments/${analysed.id}`, headers: bearer(t.keys.ops) }),
        409,
      ).type,
    ).toBe('/problems/segment-analysed');
    expect(
      expectProblem(
        await t.app.inject({ method: 'DELETE', url: `/cameras/${cameraId}`, headers: bearer(t.keys.ops) }),
        409,
      ).type,
    ).toBe('/problems/camera-has-footage');
    expectProblem(
      await t.app.inject({ method: 'DELETE', url: `/segments/${seg.id}`, headers: bearer(t.keys.ops) }),
      404,
    );
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });
});

describe('capture time with provenance', () => {
  let otherCamera: string;
  beforeAll(async () => {
    const cam = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.ops),
      payload: { name: `capture time cam ${process.pid}` },
    });
    otherCamera = cam.json().id;
  });

  it("takes the container's creation_time when no start is given, and marks it estimated", async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments',
      headers: bearer(t.keys.ops),
      payload: { cameraId: otherCamera, path: `cam1/${CLIP}` },
    });
    expect(res.statusCode, res.body).toBe(201);
    // ffprobe -show_entries format_tags=creation_time zzmzvn_hi2.mp4
    expect(res.json()).toMatchObject({
      startTime: '2024-08-21T00:43:59.000Z',
      startTimeSource: 'container',
      startTimeEstimated: true,
    });
    const got = await t.app.inject({ method: 'GET', url: `/segments/${res.json().id}`, headers: bearer(t.keys.ops) });
    expect(got.json()).toMatchObject({ startTimeSource: 'container', startTimeEstimated: true });
    const audit = await t.prisma.auditLog.findFirstOrThrow({
      where: { entityType: 'segment', entityId: res.json().id, action: 'segment.register' },
    });
    expect(audit.details).toMatchObject({ startTime: '2024-08-21T00:43:59.000Z', startTimeSource: 'container' });
  });

  it("falls back to the browser's lastModified less the duration for a file without creation_time", async () => {
    const lastModified = Date.parse('2026-11-30T08:00:10Z');
    const data = await readFile(path.join(FOOTAGE, UPLOAD_CLIP));
    const { payload, headers } = await multipart(
      { cameraId: otherCamera, lastModified: String(lastModified) },
      { name: 'phone.mp4', data, type: 'video/mp4' },
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments/upload',
      headers: { ...bearer(t.keys.ops), ...headers },
      payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ startTimeSource: 'file_modified', startTimeEstimated: true });
    expect(Date.parse(body.startTime)).toBeCloseTo(lastModified - body.durationSec * 1000, -1);
  });
});
