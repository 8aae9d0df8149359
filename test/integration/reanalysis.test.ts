import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SegmentAnalysis, ViolationRecord } from '../../src/analysis/types.js';
import { persistAnalysis } from '../../src/db/analysis-store.js';
import { analyzeJobId } from '../../src/queue/producer.js';
import { FOOTAGE, bearer, expectProblem, startTestApi, type TestApi } from './api-helpers.js';

let t: TestApi;
let cameraId: string;
let zoneId: string;
/** an uploaded clip, named in Korean as a phone would save it */
const UPLOAD_NAME = '한강 북단 0412 (1).mp4';

async function multipart(fields: Record<string, string>, file: { name: string; data: Buffer }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(file.data)], { type: 'video/mp4' }), file.name);
  const encoded = new Response(form);
  return {
    payload: Buffer.from(await encoded.arrayBuffer()),
    headers: { 'content-type': encoded.headers.get('content-type')! },
  };
}

beforeAll(async () => {
  t = await startTestApi();
  const cam = await t.app.inject({
    method: 'POST',
    url: '/cameras',
    headers: bearer(t.keys.ops),
    payload: { name: `reanalysis cam ${process.pid}` },
  });
  cameraId = cam.json().id;
});
afterAll(async () => {
  await t?.close();
});

describe('original file names', () => {
  it('keeps the uploaded file’s name beside the id it is stored under', async () => {
    const form = await multipart(
      { cameraId },
      { name: UPLOAD_NAME, data: await readFile(path.join(FOOTAGE, 'jcsy_bikes.mp4')) },
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments/upload',
      headers: { ...bearer(t.keys.ops), ...form.headers },
      payload: form.payload,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().originalName).toBe(UPLOAD_NAME);
    expect(res.json().fileUri).not.toContain(encodeURIComponent('한강'));
    const list = await t.app.inject({
      method: 'GET',
      url: `/segments?cameraId=${cameraId}`,
      headers: bearer(t.keys.officer),
    });
    expect(list.json().items[0].originalName).toBe(UPLOAD_NAME);
  });
});

describe('POST /segments/:id/reanalyse and /cameras/:id/reanalyse', () => {
  it('queues a settled segment again (202, audited), once, and only for ops', async () => {
    const segment = await t.prisma.segment.findFirstOrThrow({ where: { cameraId } });
    // The upload's job runs to its end (a stand-in worker): the queue keeps it finished, and would ignore its id.
    const worker = new Worker(t.queue.name, () => Promise.resolve({}), {
      connection: { url: t.deps.config.REDIS_URL },
      prefix: t.queue.opts.prefix!,
    });
    const jobId = analyzeJobId(segment.sha256, t.deps.config.PIPELINE_VERSION);
    await expect.poll(async () => (await t.queue.getJob(jobId))?.getState()).toBe('completed');
    await worker.close();
    await t.prisma.segment.update({ where: { id: segment.id }, data: { status: 'done' } });

    expectProblem(
      await t.app.inject({ method: 'POST', url: `/segments/${segment.id}/reanalyse`, headers: bearer(t.keys.officer) }),
      403,
    );
    const res = await t.app.inject({
      method: 'POST',
      url: `/segments/${segment.id}/reanalyse`,
      headers: bearer(t.keys.ops),
    });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual({
      pipelineVersion: t.deps.config.PIPELINE_VERSION,
      queued: [segment.id],
      skipped: [],
      zoneCount: 0,
    });
    const queuedJob = await t.queue.getJob(analyzeJobId(segment.sha256, t.deps.config.PIPELINE_VERSION));
    expect(await queuedJob!.getState()).toBe('waiting');
    expect(queuedJob!.data).toMatchObject({ segmentId: segment.id, pipelineVersion: t.deps.config.PIPELINE_VERSION });
    expect((await t.prisma.segment.findUniqueOrThrow({ where: { id: segment.id } })).status).toBe('queued');
    const audit = await t.prisma.auditLog.findFirstOrThrow({
      where: { action: 'segment.reanalyse', entityId: segment.id },
    });
    expect(audit).toMatchObject({ actor: `api-key:${t.keyIds.ops}`, details: { queued: [segment.id] } });

    // Asked again while the job still waits: it will read the zones when it starts, so nothing more is queued.
    const again = await t.app.inject({
      method: 'POST',
      url: `/cameras/${cameraId}/reanalyse`,
      headers: bearer(t.keys.ops),
      payload: {},
    });
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ queued: [], skipped: [{ segmentId: segment.id, reason: 'already_queued' }] });
  });

  it('refuses unknown ids and a half-given time range', async () => {
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/cameras/00000000-0000-4000-8000-000000000000/reanalyse',
        headers: bearer(t.keys.ops),
        payload: {},
      }),
      404,
    );
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/cameras/${cameraId}/reanalyse`,
        headers: bearer(t.keys.ops),
        payload: { from: '2026-12-01T00:00:00Z' },
      }),
      400,
    );
  });
});

describe('a re-analysis stores a new run without doubling or dropping cases', () => {
  const start = new Date('2026-12-05T01:00:00Z');
  const violation = (
    trackId: number,
    startSec: number,
    endSec: number,
    plate: string | null = null,
  ): ViolationRecord => ({
    trackId,
    label: 'motorcycle',
    zoneName: 'walk',
    zoneKind: 'sidewalk',
    startSec,
    endSec,
    startTime: new Date(start.getTime() + startSec * 1000),
    endTime: new Date(start.getTime() + endSec * 1000),
    entryFrame: 0,
    peakFrame: 1,
    exitFrame: 2,
    plate: { text: plate, confidence: plate ? 0.05 : 0, candidates: [], format: null, plateType: null, reads: 0 },
    evidenceDir: '/nowhere',
    evidence: [],
  });
  const analysis = (configHash: string, violations: ViolationRecord[]): SegmentAnalysis => ({
    videoPath: '/x.mp4',
    sourceSha256: 'b'.repeat(64),
    segmentStart: start,
    pipelineVersion: 'reanalysis',
    configHash,
    detector: 'picodet_s',
    fps: 5,
    modelFingerprints: {},
    source: { width: 960, height: 540, fps: 30, codec: 'h264', durationSec: 10 },
    analysedSize: { width: 960, height: 540 },
    framesAnalysed: 50,
    videoSeconds: 10,
    tracksSeen: 3,
    timings: {
      probeMs: 1,
      decodeWaitMs: 1,
      inferenceMs: 1,
      trackingMs: 1,
      keyframesMs: 1,
      plateMs: 1,
      evidenceMs: 1,
      packagingMs: 1,
      totalMs: 8,
    },
    violations,
  });

  it('replaces unreviewed cases, keeps reviewed ones, keeps what it no longer finds and adds what is new', async () => {
    const zone = await t.app.inject({
      method: 'POST',
      url: `/cameras/${cameraId}/zones`,
      headers: bearer(t.keys.ops),
      payload: {
        name: 'walk',
        kind: 'sidewalk',
        polygon: [
          [0, 0.5],
          [1, 0.5],
          [1, 1],
        ],
      },
    });
    zoneId = zone.json().id;
    const segment = await t.prisma.segment.create({
      data: { cameraId, fileUri: 'file:///x.mp4', sha256: 'b'.repeat(64), startTime: start },
    });
    const store = (configHash: string, vs: ViolationRecord[]) =>
      persistAnalysis(t.prisma, {
        segmentId: segment.id,
        cameraId,
        zonesByName: new Map([['walk', zoneId]]),
        analysis: analysis(configHash, vs),
      });
    // before the zone was redrawn: three riders, the last one a plate read far below the floor
    const first = await store('1'.repeat(64), [violation(1, 1, 2), violation(2, 4, 5), violation(3, 7, 8, '12가3456')]);
    const [pending, reviewed, dropped] = first.violationIds as [string, string, string];
    await t.prisma.violation.update({ where: { id: reviewed }, data: { status: 'confirmed' } });

    // after: the first two again (other track ids), the third not, a new one
    const second = await store('2'.repeat(64), [
      violation(11, 1.2, 2.2),
      violation(12, 4.1, 5.1),
      violation(13, 9, 9.5),
    ]);
    const [again, reviewedAgain, added] = second.violationIds as [string, string, string];

    const rows = await t.prisma.violation.findMany({ where: { cameraId }, select: { id: true, supersededById: true } });
    const by = Object.fromEntries(rows.map((r) => [r.id, r.supersededById]));
    expect(by).toEqual({
      [pending]: again,
      [reviewed]: null,
      [dropped]: null,
      [again]: null,
      [reviewedAgain]: reviewed,
      [added]: null,
    });
    const audit = await t.prisma.auditLog.findFirstOrThrow({
      where: { action: 'analysis.complete', details: { path: ['runId'], equals: second.run.id } },
    });
    expect((audit.details as { supersession: unknown[] }).supersession).toHaveLength(2);

    const list = await t.app.inject({
      method: 'GET',
      url: `/violations?cameraId=${cameraId}`,
      headers: bearer(t.keys.officer),
    });
    const items = list.json().items as { id: string; plateText: string | null; plateLowConfidence: boolean }[];
    expect(items.map((v) => v.id).sort()).toEqual([reviewed, dropped, again, added].sort());
    expect(list.json().counts.total).toBe(4);
    expect(items.find((v) => v.id === dropped)).toMatchObject({ plateText: '12가3456', plateLowConfidence: true });
    expect(items.find((v) => v.id === again)).toMatchObject({ plateText: null, plateLowConfidence: false });
    // the replaced case still opens by its id and says what stands for it
    const old = await t.app.inject({ method: 'GET', url: `/violations/${pending}`, headers: bearer(t.keys.officer) });
    expect(old.json()).toMatchObject({ id: pending, supersededById: again });
  });
});
