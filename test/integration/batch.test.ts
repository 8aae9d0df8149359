import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDiff } from '../../src/batch/run-diff.js';
import { syncCameraFromFile } from '../../src/batch/camera-sync.js';
import { parseCameraConfig } from '../../src/core/camera-config.js';
import { bearer, FOOTAGE, startTestApi, type TestApi } from './api-helpers.js';
import { cutClip, stopProcess, waitFor } from './live-helpers.js';

interface BatchBody {
  id: string;
  status: string;
  total: number;
  done: number;
  failed: number;
  cancelled: number;
  pending: number;
  items: Array<{ segmentId: string; status: string; runId: string | null; error: string | null }>;
}

const CLIPS = 3;
const CLIP_SECONDS = 3;
let api: TestApi;
let cameraId: string;
let zoneId: string;
const workers: ChildProcess[] = [];

/** An analysis worker process on the test's queue prefix; resolves once it is consuming. */
async function startWorker(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'batch-worker-process.ts')],
    {
      env: {
        ...process.env,
        DATABASE_URL: api.deps.config.DATABASE_URL,
        EVIDENCE_ROOT: api.evidenceRoot,
        QUEUE_PREFIX: api.queue.opts.prefix,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  workers.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return child;
}

async function getBatch(id: string): Promise<BatchBody> {
  const res = await api.app.inject({ method: 'GET', url: `/batches/${id}`, headers: bearer(api.keys.ops) });
  expect(res.statusCode, res.body).toBe(200);
  // batches are ops' work (README): an officer's key is refused
  const officer = await api.app.inject({ method: 'GET', url: `/batches/${id}`, headers: bearer(api.keys.officer) });
  expect(officer.statusCode).toBe(403);
  return res.json<BatchBody>();
}

async function postBatch(payload: Record<string, unknown>): Promise<BatchBody> {
  const res = await api.app.inject({
    method: 'POST',
    url: '/batches',
    headers: bearer(api.keys.ops),
    payload: { cameraId, ...payload },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<BatchBody>();
}

const finished = (id: string, timeoutMs: number) =>
  waitFor(
    async () => {
      const b = await getBatch(id);
      return b.status !== 'running' ? b : undefined;
    },
    timeoutMs,
    `batch ${id} to finish`,
  );

const runCount = () => api.prisma.analysisRun.count({ where: { segment: { cameraId } } });

beforeAll(async () => {
  api = await startTestApi({ ANALYSIS_FPS: '5' });
  const folder = path.join(api.footageRoot, 'archive');
  await mkdir(folder, { recursive: true });
  const t0 = Date.parse('2026-11-20T08:00:00Z');
  for (let i = 0; i < CLIPS; i++) {
    const file = path.join(folder, `boulevard-${i}.mp4`);
    await cutClip(path.join(FOOTAGE, 'thanglm_traffic.mp4'), file, i * CLIP_SECONDS, CLIP_SECONDS);
    // archive files are written as they end: start time = mtime - duration, CLIP_SECONDS apart
    const end = new Date(t0 + (i + 1) * CLIP_SECONDS * 1000);
    await utimes(file, end, end);
  }
  await writeFile(path.join(folder, 'broken.mp4'), 'not a video, only a name that says so');
  const demo = JSON.parse(await readFile(path.join(import.meta.dirname, '../../fixtures/demo-camera.json'), 'utf8'));
  const camera = await syncCameraFromFile(
    api.prisma,
    parseCameraConfig({ ...demo, name: `batch-${Date.now()}` }),
    'test',
  );
  cameraId = camera.id;
  zoneId = (await api.prisma.zone.findFirstOrThrow({ where: { cameraId } })).id;
}, 180_000);

afterAll(async () => {
  for (const w of workers) await stopProcess(w);
  await api?.close();
});

describe('batch reprocessing', () => {
  let first: BatchBody;

  it('analyses a folder of real clips across a worker restart, with the right counts', async () => {
    first = await postBatch({ folder: 'archive' });
    expect(first).toMatchObject({ status: 'running', total: CLIPS + 1, failed: 1, pending: CLIPS });

    const a = await startWorker();
    await waitFor(async () => (await getBatch(first.id)).done >= 1 || undefined, 240_000, 'the first segment');
    await stopProcess(a, 'SIGKILL'); // the worker dies with a job in hand: BullMQ's stalled check hands it on
    await startWorker();

    const done = await finished(first.id, 300_000);
    expect(done).toMatchObject({
      status: 'completed',
      total: CLIPS + 1,
      done: CLIPS,
      failed: 1,
      pending: 0,
      cancelled: 0,
    });
    const broken = done.items.find((i) => i.status === 'failed')!;
    expect(broken.error).toMatch(/broken\.mp4/);
    const runs = await api.prisma.analysisRun.findMany({ where: { segment: { cameraId } } });
    expect(runs).toHaveLength(CLIPS);
    expect(new Set(runs.map((r) => r.segmentId)).size).toBe(CLIPS);
    expect(
      done.items
        .filter((i) => i.status === 'done')
        .map((i) => i.runId)
        .sort(),
    ).toEqual(runs.map((r) => r.id).sort());
    expect(await api.prisma.violation.count({ where: { cameraId } })).toBeGreaterThan(0);
  }, 600_000);

  it('is a no-op to run the same version and configuration again', async () => {
    const again = await finished((await postBatch({ folder: 'archive' })).id, 120_000);
    expect(again).toMatchObject({ status: 'completed', done: CLIPS, failed: 1 });
    expect(await runCount()).toBe(CLIPS);
    const runIds = (b: BatchBody) =>
      b.items
        .map((i) => i.runId)
        .filter(Boolean)
        .sort();
    expect(runIds(again)).toEqual(runIds(await getBatch(first.id)));
  }, 180_000);

  it('makes a new run after a rule change and diffs it against the old one', async () => {
    // Pick the segment whose violations' durations are furthest apart and a dwell threshold between them.
    const violations = await api.prisma.violation.findMany({ where: { cameraId }, include: { run: true } });
    let best: { runId: string; segmentId: string; threshold: number; gap: number } | null = null;
    for (const runId of new Set(violations.flatMap((v) => (v.runId ? [v.runId] : [])))) {
      const durations = violations
        .filter((v) => v.runId === runId)
        .map((v) => v.endSec - v.startSec)
        .sort((x, y) => x - y);
      for (let i = 1; i < durations.length; i++) {
        const gap = durations[i]! - durations[i - 1]!;
        if (!best || gap > best.gap) {
          const segmentId = violations.find((v) => v.runId === runId)!.run!.segmentId;
          best = { runId, segmentId, threshold: (durations[i]! + durations[i - 1]!) / 2, gap };
        }
      }
    }
    expect(best, 'a segment with violations of different lengths').not.toBeNull();
    const { runId: runA, segmentId, threshold } = best!;

    const patch = await api.app.inject({
      method: 'PATCH',
      url: `/zones/${zoneId}`,
      headers: bearer(api.keys.ops),
      payload: { minDwellSeconds: threshold },
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const segment = await api.prisma.segment.findUniqueOrThrow({ where: { id: segmentId } });
    const rerun = await finished(
      (
        await postBatch({
          from: segment.startTime.toISOString(),
          to: new Date(segment.startTime.getTime() + 1).toISOString(),
        })
      ).id,
      300_000,
    );
    expect(rerun).toMatchObject({ status: 'completed', total: 1, done: 1, failed: 0 });
    const runB = rerun.items[0]!.runId!;
    expect(runB).not.toBe(runA);

    const res = await api.app.inject({
      method: 'GET',
      url: `/runs/${runA}/diff/${runB}`,
      headers: bearer(api.keys.ops),
    });
    expect(res.statusCode, res.body).toBe(200);
    const asOfficer = await api.app.inject({
      method: 'GET',
      url: `/runs/${runA}/diff/${runB}`,
      headers: bearer(api.keys.officer),
    });
    expect(asOfficer.statusCode).toBe(403);
    const diff = res.json<RunDiff>();
    const before = violations.filter((v) => v.runId === runA);
    const short = before
      .filter((v) => v.endSec - v.startSec < threshold)
      .map((v) => v.id)
      .sort();
    const long = before.filter((v) => v.endSec - v.startSec >= threshold);
    expect(short.length).toBeGreaterThan(0);
    // A short event vanishes, unless its vehicle's stay, no longer judged in a piece too short, now makes
    // one event with the next piece (core/track-pieces.ts): then it is the same track, long enough.
    const grown = diff.changed.filter((c) => short.includes(c.before.id));
    for (const g of grown) expect(g.after.endSec - g.after.startSec).toBeGreaterThanOrEqual(threshold);
    expect(diff.vanished.length).toBeGreaterThan(0);
    expect([...diff.vanished.map((v) => v.id), ...grown.map((g) => g.before.id)].sort()).toEqual(short);
    expect(diff.added).toEqual([]);
    expect(diff.unchanged + diff.changed.length - grown.length).toBe(long.length);
    for (const c of diff.changed) expect(c.before.trackId).toBe(c.after.trackId);

    const other = await api.prisma.analysisRun.findFirstOrThrow({
      where: { segment: { cameraId }, segmentId: { not: segmentId } },
    });
    const mismatch = await api.app.inject({
      method: 'GET',
      url: `/runs/${runA}/diff/${other.id}`,
      headers: bearer(api.keys.ops),
    });
    expect(mismatch.statusCode).toBe(422);
    // back to the original rule so the next batch finds every segment analysed
    await api.app.inject({
      method: 'PATCH',
      url: `/zones/${zoneId}`,
      headers: bearer(api.keys.ops),
      payload: { minDwellSeconds: 1 },
    });
  }, 400_000);

  it('cancels waiting jobs and resumes the ones not done', async () => {
    for (const w of workers) await stopProcess(w);
    const batch = await postBatch({ folder: 'archive' });
    expect(await api.queue.getWaitingCount()).toBe(CLIPS);
    const cancel = await api.app.inject({
      method: 'POST',
      url: `/batches/${batch.id}/cancel`,
      headers: bearer(api.keys.ops),
    });
    expect(cancel.statusCode, cancel.body).toBe(200);
    expect(cancel.json()).toMatchObject({ status: 'cancelled', cancelled: CLIPS, done: 0, failed: 1 });
    expect(await api.queue.getWaitingCount()).toBe(0);
    const twice = await api.app.inject({
      method: 'POST',
      url: `/batches/${batch.id}/cancel`,
      headers: bearer(api.keys.ops),
    });
    expect(twice.statusCode).toBe(409);

    const resume = await api.app.inject({
      method: 'POST',
      url: `/batches/${batch.id}/resume`,
      headers: bearer(api.keys.ops),
    });
    expect(resume.statusCode, resume.body).toBe(200);
    expect(resume.json()).toMatchObject({ status: 'running', pending: CLIPS + 1, cancelled: 0 });
    await startWorker();
    const done = await finished(batch.id, 180_000);
    // the broken file fails again; the clips were analysed before with this config, so no new runs
    expect(done).toMatchObject({ status: 'completed', done: CLIPS, failed: 1, total: CLIPS + 1 });
    expect(await runCount()).toBe(CLIPS + 1);
  }, 300_000);

  it('refuses bad batch requests', async () => {
    const post = (payload: Record<string, unknown>) =>
      api.app.inject({
        method: 'POST',
        url: '/batches',
        headers: bearer(api.keys.ops),
        payload: { cameraId, ...payload },
      });
    expect((await post({ folder: '../../etc' })).statusCode).toBe(400);
    expect((await post({ folder: 'nope' })).statusCode).toBe(422);
    expect((await post({})).statusCode).toBe(400);
    expect((await post({ folder: 'archive', from: new Date().toISOString() })).statusCode).toBe(400);
    expect((await post({ from: '2026-11-20T09:00:00Z', to: '2026-11-20T08:00:00Z' })).statusCode).toBe(400);
    const officer = await api.app.inject({
      method: 'POST',
      url: '/batches',
      headers: bearer(api.keys.officer),
      payload: { cameraId, folder: 'archive' },
    });
    expect(officer.statusCode).toBe(403);
    const unknown = await api.app.inject({
      method: 'GET',
      url: `/batches/${crypto.randomUUID()}`,
      headers: bearer(api.keys.ops),
    });
    expect(unknown.statusCode).toBe(404);
  });
});
