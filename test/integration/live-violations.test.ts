import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncCameraFromFile } from '../../src/batch/camera-sync.js';
import { parseCameraConfig } from '../../src/core/camera-config.js';
import {
  completeLiveViolation,
  createLiveViolation,
  failLiveViolation,
  pendingLiveViolations,
  recordLiveRun,
  type LiveViolationCreate,
} from '../../src/db/live-violations.js';
import { bearer, startTestApi, type TestApi } from './api-helpers.js';

/** A violation found live, through its states: evidence_pending (no run) → ready (run, files, ledger) or failed. */
let api: TestApi;
let cameraId: string;

const found = (trackId: number): LiveViolationCreate => ({
  cameraId,
  zoneId: null,
  zoneName: 'sidewalk',
  zoneKind: 'sidewalk',
  trackId,
  startTime: new Date(Date.now() - 4000),
  endTime: new Date(Date.now() - 1000),
  startSec: 11,
  endSec: 14,
  plate: {
    text: '서울12가3456',
    confidence: 0.95,
    candidates: [{ text: '서울12가3456', confidence: 0.95 }],
    format: 'kr',
    plateType: 'P1',
    reads: 3,
  },
  connectionId: `${Date.now()}`,
  streamStart: new Date(Date.now() - 15_000),
  event: { trackId, startSec: 11, endSec: 14 },
  plateDetail: { reading: null, detail: [], cropPng: null },
  analysedSize: { width: 1280, height: 720 },
  actor: 'test',
});

beforeAll(async () => {
  api = await startTestApi();
  const camera = await syncCameraFromFile(
    api.prisma,
    parseCameraConfig({
      name: `live-states-${Date.now()}`,
      timezone: 'Asia/Seoul',
      plateFormat: 'kr',
      zones: [
        {
          name: 'sidewalk',
          kind: 'sidewalk',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 1],
          ],
          rules: { minDwellSeconds: 1, minDisplacement: 0, classes: ['motorcycle'] },
        },
      ],
    }),
    'test',
  );
  cameraId = camera.id;
}, 60_000);

afterAll(async () => {
  await api?.close();
});

describe('live violation states', () => {
  it('is listed and shown as evidence_pending without a run, and cannot be reviewed', async () => {
    const id = await createLiveViolation(api.prisma, found(1));
    const list = await api.app.inject({
      method: 'GET',
      url: `/violations?cameraId=${cameraId}`,
      headers: bearer(api.keys.officer),
    });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({ id, runId: null, evidenceState: 'evidence_pending', timeSource: 'recorder' }),
    ]);
    const detail = await api.app.inject({ method: 'GET', url: `/violations/${id}`, headers: bearer(api.keys.officer) });
    expect(detail.json()).toMatchObject({ evidenceState: 'evidence_pending', run: null, canReview: false });
    const review = await api.app.inject({
      method: 'POST',
      url: `/violations/${id}/review`,
      headers: bearer(api.keys.officer),
      payload: { decision: 'confirm', expectedVersion: 1 },
    });
    expect(review.statusCode).toBe(409);
    expect(review.json()).toMatchObject({ type: expect.stringContaining('evidence-not-ready') });
    expect((await pendingLiveViolations(api.prisma, cameraId)).map((p) => p.violationId)).toContain(id);
  });

  it('turns ready once: its run, evidence rows and ledger row, and the pending row gone', async () => {
    const id = await createLiveViolation(api.prisma, found(2));
    const segment = await api.prisma.segment.create({
      data: {
        cameraId,
        fileUri: 'file:///live/seg.mp4',
        sha256: createHash('sha256').update(`seg-${Date.now()}`).digest('hex'),
        startTime: new Date(),
        startTimeSource: 'recorder',
        status: 'done',
        liveAnalysed: true,
      },
    });
    const run = await recordLiveRun(api.prisma, {
      segmentId: segment.id,
      pipelineVersion: 'test',
      configHash: '0'.repeat(64),
      modelFingerprints: {},
      framesAnalysed: 50,
      startedAt: new Date(),
      finishedAt: new Date(),
    });
    const file = { role: 'clip' as const, path: '/x/clip.mp4', relPath: 'x/clip.mp4', sha256: 'a'.repeat(64) };
    const evidence = { violationId: id, runId: run, startSec: 1, endSec: 4, actor: 'test' };
    const files = [{ ...file, sizeBytes: 10, mime: 'video/mp4' }];
    expect(await completeLiveViolation(api.prisma, { ...evidence, files })).toBe(true);
    expect(await completeLiveViolation(api.prisma, { ...evidence, files })).toBe(false);
    const v = await api.prisma.violation.findUniqueOrThrow({
      where: { id },
      include: { evidence: true, live: true, run: true },
    });
    expect(v).toMatchObject({ evidenceState: 'ready', runId: run, startSec: 1, endSec: 4, live: null });
    expect(v.run?.segmentId).toBe(segment.id);
    expect(v.evidence).toHaveLength(1);
    expect(await api.prisma.auditLog.count({ where: { action: 'evidence.recorded', entityId: id } })).toBe(1);
    // the same run for the same key: a segment's live run is stored once
    expect(
      await recordLiveRun(api.prisma, {
        segmentId: segment.id,
        pipelineVersion: 'test',
        configHash: '0'.repeat(64),
        modelFingerprints: {},
        framesAnalysed: 0,
        startedAt: new Date(),
        finishedAt: new Date(),
      }),
    ).toBe(run);
  });

  it('turns failed with its reason when its footage was not recorded, and is pending no more', async () => {
    const id = await createLiveViolation(api.prisma, found(3));
    await failLiveViolation(api.prisma, id, 'the footage of this violation was not all recorded');
    const v = await api.prisma.violation.findUniqueOrThrow({ where: { id }, include: { live: true } });
    expect(v.evidenceState).toBe('failed');
    expect(v.live?.error).toMatch(/not all recorded/);
    expect((await pendingLiveViolations(api.prisma, cameraId)).map((p) => p.violationId)).not.toContain(id);
  });
});
