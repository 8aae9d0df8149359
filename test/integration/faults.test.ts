import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlerting, type Alerting } from '../../src/alerts/alert-dispatcher.js';
import { syncCameraFromFile } from '../../src/batch/camera-sync.js';
import { closeBatchRedis, createBatchRedis, type BatchRedis } from '../../src/batch/batch-flow.js';
import { createBatch, RECONCILER_ACTOR } from '../../src/batch/batch-service.js';
import { DEFAULT_QUEUE_PREFIX, projectRoot } from '../../src/config.js';
import { parseCameraConfig } from '../../src/core/camera-config.js';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { enqueueSegment } from '../../src/queue/producer.js';
import { createQueue, type AnalyzeSegmentQueue } from '../../src/queue/queues.js';
import { registerSegment } from '../../src/queue/segment-registry.js';
import { FOOTAGE } from './api-helpers.js';
import { cutClip, stopProcess, waitFor } from './live-helpers.js';
import { PrivatePostgres, PrivateRedis } from './private-services.js';

/**
 * The fault campaign of issue 16 as tests: the real worker process (`workers/analysis-worker.ts`) against a
 * Postgres and a Redis of the test's own, which it stops, starts and flushes. Nothing is done by hand: no resume,
 * no re-enqueue. Each test prints how long recovery took.
 */

const OUTAGE_MS = Number(process.env.FAULT_OUTAGE_SEC ?? 60) * 1000;
const CLIP_SECONDS = 2.5;
/** the worker's lock (a killed worker's job goes on within twice this) and its reconciler's interval */
const WORKER_ENV = { WORKER_LOCK_MS: '5000', RECONCILE_INTERVAL_MS: '10000' };
const PIPELINE_VERSION = 'faults';

let pg: PrivatePostgres;
let redis: PrivateRedis;
let prisma: PrismaClient;
let work: string;
let cameraId: string;
let worker: ChildProcess | null = null;
let alerting: Alerting;
let queue: AnalyzeSegmentQueue;
let queueConnection: ReturnType<typeof createRedisConnection>;
let batchRedis: BatchRedis;
let receiver: http.Server;
/** violation ids, once per webhook delivery and once per SSE alert */
const delivered: string[] = [];
const streamed: string[] = [];
const log = createLogger('warn', 'faults-test');

async function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'workers', 'analysis-worker.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      ...WORKER_ENV,
      DATABASE_URL: pg.url,
      REDIS_URL: redis.url,
      EVIDENCE_ROOT: path.join(work, 'evidence'),
      PIPELINE_VERSION,
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      ANALYSIS_FPS: '5',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('webhook deliveries started')) {
        child.stdout.off('data', onData);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${out}`)));
  });
  // its warnings and errors go on to the test's output
  let partial = '';
  child.stdout.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (/"level":[456]0/.test(line)) process.stderr.write(`${line}\n`);
  });
  return child;
}

/** `count` clips of real footage, each cut at its own offset so no two have the same bytes. */
async function clips(folder: string, offsets: number[]): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const files: string[] = [];
  for (const [i, from] of offsets.entries()) {
    const file = path.join(folder, `clip-${i}.mp4`);
    await cutClip(path.join(FOOTAGE, 'thanglm_traffic.mp4'), file, from, CLIP_SECONDS);
    files.push(file);
  }
  return files;
}

/** Registers clips as a live camera's fresh segments and queues them, as the live recorder does. */
async function liveSegments(files: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const file of files) {
    const { segment } = await registerSegment(prisma, {
      cameraId,
      file,
      startTime: new Date(Date.now() - CLIP_SECONDS * 1000),
      startTimeSource: 'recorder',
      durationSec: CLIP_SECONDS,
      actor: 'test',
    });
    await enqueueSegment(queue, segment, PIPELINE_VERSION, { prisma });
    ids.push(segment.id);
  }
  return ids;
}

const statuses = async (ids: string[]) =>
  (await prisma.segment.findMany({ where: { id: { in: ids } }, select: { status: true } })).map((s) => s.status);

/** Neither lost nor duplicated: every segment done with exactly one run, and no job left behind in Redis. */
async function expectEachAnalysedOnce(ids: string[]): Promise<void> {
  expect(await statuses(ids)).toEqual(ids.map(() => 'done'));
  const runs = await prisma.analysisRun.groupBy({ by: ['segmentId'], where: { segmentId: { in: ids } }, _count: true });
  expect(runs.map((r) => r._count).sort()).toEqual(ids.map(() => 1));
  const left = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized');
  expect(
    Object.values(left).reduce((a, b) => a + b, 0),
    JSON.stringify(left),
  ).toBe(0);
}

/** Every live violation of these segments alerted exactly once, on webhooks and on the alert stream. */
async function expectAlertedOnce(ids: string[]): Promise<void> {
  const violations = (
    await prisma.violation.findMany({ where: { run: { segmentId: { in: ids } } }, select: { id: true } })
  ).map((v) => v.id);
  expect(violations.length).toBeGreaterThan(0);
  await waitFor(() => violations.every((id) => delivered.includes(id)), 60_000, 'every alert delivered');
  await sleep(3000); // room for a second delivery, were there one
  for (const id of violations) {
    expect(delivered.filter((d) => d === id)).toHaveLength(1);
    expect(streamed.filter((d) => d === id)).toHaveLength(1);
  }
}

function report(what: string, ms: number): void {
  process.stdout.write(`[faults] ${what}: ${(ms / 1000).toFixed(1)} s\n`);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'motoguard-faults-'));
  [pg, redis] = await Promise.all([PrivatePostgres.start(), PrivateRedis.start()]);
  await pg.createDatabase();
  await migrate(pg.url);
  prisma = createPrisma(pg.url);
  queueConnection = createRedisConnection(redis.url, 'worker');
  // the worker process's queues: it sets no QUEUE_PREFIX
  queue = createQueue('analyze', { connection: queueConnection, prefix: DEFAULT_QUEUE_PREFIX });
  batchRedis = createBatchRedis(queueConnection, queue);

  const demo: unknown = JSON.parse(await readFile(path.join(projectRoot, 'fixtures', 'demo-camera.json'), 'utf8'));
  cameraId = (await syncCameraFromFile(prisma, parseCameraConfig(demo), 'test')).id;

  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      delivered.push((JSON.parse(body) as { violation: { id: string } }).violation.id);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  await prisma.webhookSubscription.create({
    data: {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      secret: 'faults',
      label: 'faults',
      cameraId,
    },
  });
  // the API process's part: alerts from Postgres notifications; the worker process delivers the webhooks
  alerting = await startAlerting({
    prisma,
    databaseUrl: pg.url,
    redisUrl: redis.url,
    logger: log,
    prefix: DEFAULT_QUEUE_PREFIX,
    deliverWebhooks: false,
    webhookAllowedHosts: new Set(['127.0.0.1']),
  });
  alerting.hub.subscribe((alert) => streamed.push(alert.violation.id));
  worker = await startWorker();
}, 120_000);

afterAll(async () => {
  await stopProcess(worker);
  await alerting?.close();
  await closeBatchRedis(batchRedis);
  await queue?.close();
  queueConnection?.disconnect();
  await prisma?.$disconnect();
  await new Promise((resolve) => receiver?.close(resolve));
  await Promise.all([pg?.destroy(), redis?.stop()]);
  await rm(work, { recursive: true, force: true });
});

describe('faults', () => {
  it(`Postgres down ${OUTAGE_MS / 1000} s mid-run: every segment analysed once, every alert sent once`, async () => {
    const ids = await liveSegments(await clips(path.join(work, 'live'), [0, 3.5, 7]));
    await waitFor(async () => (await statuses(ids)).includes('processing'), 60_000, 'a segment in analysis');

    await pg.down();
    await sleep(OUTAGE_MS);
    await pg.up();
    const up = Date.now();

    await waitFor(async () => (await statuses(ids)).includes('done') || undefined, 120_000, 'the first segment');
    report('Postgres back -> first segment stored', Date.now() - up);
    await waitFor(async () => (await statuses(ids)).every((s) => s === 'done'), 180_000, 'every segment');
    report(`Postgres back -> all ${ids.length} segments stored`, Date.now() - up);

    await expectEachAnalysedOnce(ids);
    await expectAlertedOnce(ids);
  }, 360_000);

  it('Redis flushed mid-batch: the batch completes by itself', async () => {
    const folder = path.join(work, 'footage', 'archive');
    // enough clips that the batch is still going when the reconciler's 10 s grace for a new batch is over, on a fast
    // machine too (six were all done within it where the frame loop runs 4.6x real time); windows of their
    // own, none another test cuts (a file seen before is the same segment)
    const files = await clips(
      folder,
      Array.from({ length: 14 }, (_, k) => 0.25 + k * 0.5),
    );
    const batch = await createBatch(
      { prisma, redis: batchRedis, logger: log },
      { cameraId, scope: { kind: 'folder', folder }, pipelineVersion: PIPELINE_VERSION, actor: 'test' },
    );
    expect(batch.total).toBe(files.length);
    // past the reconciler's grace for a batch being created, with a segment done
    await waitFor(
      async () =>
        (await prisma.batchItem.count({ where: { batchId: batch.id, segment: { status: 'done' } } })) >= 1 &&
        Date.now() - batch.createdAt.getTime() > 10_000,
      120_000,
      'the first segment of the batch',
    );
    // the flush must land mid-batch, or there is nothing to resume
    expect(await prisma.batchItem.count({ where: { batchId: batch.id, segment: { status: 'done' } } })).toBeLessThan(
      files.length,
    );

    await redis.flushAll();
    const wiped = Date.now();
    const row = await waitFor(
      async () => {
        const b = await prisma.batch.findUniqueOrThrow({ where: { id: batch.id } });
        return b.status !== 'running' ? b : undefined;
      },
      180_000,
      'the batch to finish',
    );
    report('Redis flushed -> batch completed', Date.now() - wiped);

    expect(row).toMatchObject({ status: 'completed', done: files.length, failed: 0 });
    const items = await prisma.batchItem.findMany({ where: { batchId: batch.id } });
    await expectEachAnalysedOnce(items.map((i) => i.segmentId));
    const resumes = await prisma.auditLog.findMany({ where: { entityId: batch.id, action: 'batch.resume' } });
    expect(resumes.length).toBeGreaterThan(0);
    expect(resumes.every((r) => r.actor === RECONCILER_ACTOR)).toBe(true);
  }, 300_000);

  it('worker killed with SIGKILL mid-job: the job completes after a restart', async () => {
    const ids = await liveSegments(await clips(path.join(work, 'killed'), [4]));
    await waitFor(async () => (await statuses(ids)).includes('processing'), 60_000, 'the segment in analysis');
    await stopProcess(worker, 'SIGKILL');
    const killed = Date.now();
    worker = await startWorker();
    await waitFor(async () => (await statuses(ids)).every((s) => s === 'done'), 120_000, 'the segment');
    report('worker killed -> segment stored by its successor', Date.now() - killed);
    await expectEachAnalysedOnce(ids);
    await expectAlertedOnce(ids);
  }, 180_000);
});
