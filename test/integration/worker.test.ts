import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, projectRoot } from '../../src/config.js';
import type { SegmentAnalysis } from '../../src/analysis/types.js';
import { persistAnalysis } from '../../src/db/analysis-store.js';
import { verifyAuditChain } from '../../src/db/audit.js';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { hashFile } from '../../src/evidence/file-hash.js';
import { createLogger } from '../../src/logger.js';
import { enqueueSegment } from '../../src/queue/producer.js';
import { createQueue, type AnalyzeSegmentQueue } from '../../src/queue/queues.js';
import { startAnalysisWorker, type AnalysisWorkerHandle } from '../../src/queue/analysis-worker.js';
import { CAMERA_DEFAULTS, ZONE_RULE_DEFAULTS } from '../../src/core/camera-config.js';

const FOOTAGE = path.resolve(projectRoot, '..', 'shared', 'footage', 'thanglm_traffic.mp4');
const env = loadConfig();
const prefix = `test-worker-${randomBytes(6).toString('hex')}`;
const pipelineVersion = `test-${randomBytes(3).toString('hex')}`;

let dir: string;
let prisma: PrismaClient;
let redis: Redis;
let queue: AnalyzeSegmentQueue;
let events: QueueEvents;
let handle: AnalysisWorkerHandle;
let cameraId: string;
let zoneId: string;
const progress: unknown[] = [];

async function registerSegment(file: string) {
  const { sha256 } = await hashFile(file);
  return prisma.segment.create({
    data: {
      cameraId,
      fileUri: pathToFileURL(file).href,
      sha256,
      startTime: new Date('2026-11-23T03:00:00Z'),
      durationSec: 3,
    },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'motoguard-worker-'));
  // 3 s of the demo clip at 960x540 keeps the test short on a busy machine; the traffic is the same.
  const clip = path.join(dir, 'boulevard.mp4');
  await promisify(execFile)('ffmpeg', [
    '-v',
    'error',
    '-i',
    FOOTAGE,
    '-t',
    '3',
    '-vf',
    'scale=960:540',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-an',
    clip,
  ]);
  // The first 40 kB of the original: no moov atom, as a copy cut short would be.
  const truncated = path.join(dir, 'truncated.mp4');
  const source = await open(FOOTAGE);
  const { buffer, bytesRead } = await source.read(Buffer.alloc(40_000), 0, 40_000, 0);
  await source.close();
  const out = await open(truncated, 'w');
  await out.write(buffer.subarray(0, bytesRead));
  await out.close();

  prisma = createPrisma(env.DATABASE_URL);
  const demo = JSON.parse(await readFile(path.join(projectRoot, 'fixtures', 'demo-camera.json'), 'utf8')) as {
    timezone: string;
    zones: Array<{
      name: string;
      kind: 'restricted_road';
      polygon: number[][];
      rules: { minDwellSeconds: number; minDisplacement: number };
    }>;
  };
  const zone = demo.zones[0]!;
  const camera = await prisma.camera.create({
    data: {
      name: `worker-test-${randomUUID()}`,
      ...CAMERA_DEFAULTS,
      timezone: demo.timezone,
      zones: {
        create: {
          name: zone.name,
          kind: zone.kind,
          polygon: zone.polygon,
          ...ZONE_RULE_DEFAULTS,
          classes: [...ZONE_RULE_DEFAULTS.classes],
          minDwellSeconds: zone.rules.minDwellSeconds,
          minDisplacement: zone.rules.minDisplacement,
        },
      },
    },
    include: { zones: true },
  });
  cameraId = camera.id;
  zoneId = camera.zones[0]!.id;

  redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  queue = createQueue('analyze', { connection: redis, prefix });
  events = new QueueEvents(queue.name, { connection: { url: env.REDIS_URL }, prefix });
  await events.waitUntilReady();
  handle = startWorker();
}, 120_000);

function startWorker(): AnalysisWorkerHandle {
  const started = startAnalysisWorker({
    prisma,
    config: {
      ...env,
      EVIDENCE_ROOT: path.join(dir, 'evidence'),
      PIPELINE_VERSION: pipelineVersion,
      WORKER_CONCURRENCY: 1,
    },
    logger: createLogger('silent'),
    prefix,
    reconcileIntervalMs: 0,
  });
  started.worker.on('progress', (_job, p) => progress.push(p));
  return started;
}

afterAll(async () => {
  await handle?.close();
  await events?.close();
  await queue?.obliterate({ force: true });
  await queue?.close();
  redis?.disconnect();
  await prisma?.$disconnect();
  await rm(dir, { recursive: true, force: true });
});

describe('analysis worker', () => {
  it('fails a segment whose file is not a usable video, once, and stays up', async () => {
    const segment = await registerSegment(path.join(dir, 'truncated.mp4'));
    const job = await enqueueSegment(queue, segment, pipelineVersion);
    await expect(job.waitUntilFinished(events, 60_000)).rejects.toThrow(/corrupt|not_video|truncated/);

    const row = await prisma.segment.findUniqueOrThrow({ where: { id: segment.id } });
    expect(row.status).toBe('failed');
    expect(row.error).toMatch(/^(corrupt|not_video|truncated): .*truncated\.mp4/);
    const finished = await queue.getJob(job.id!);
    expect(await finished?.getState()).toBe('failed');
    expect(finished?.attemptsMade).toBe(1);
    expect(handle.worker.isRunning()).toBe(true);
  }, 90_000);

  it('analyses a real clip into a run, violations with verifiable evidence, and an audit row, finishing it on shutdown', async () => {
    const segment = await registerSegment(path.join(dir, 'boulevard.mp4'));
    const job = await enqueueSegment(queue, segment, pipelineVersion, { prisma });
    // Shut the worker down while it is analysing: close() must let the running job finish.
    await new Promise<void>((resolve) => handle.worker.once('progress', () => resolve()));
    expect((await prisma.segment.findUniqueOrThrow({ where: { id: segment.id } })).status).toBe('processing');
    await handle.close();
    expect(await job.getState()).toBe('completed');
    const result = (await queue.getJob(job.id!))!.returnvalue;
    handle = startWorker();

    expect(result.reused).toBe(false);
    expect(result.violations).toBeGreaterThan(0);
    expect((await prisma.segment.findUniqueOrThrow({ where: { id: segment.id } })).status).toBe('done');
    expect(progress.length).toBeGreaterThan(0);

    const run = await prisma.analysisRun.findUniqueOrThrow({
      where: { id: result.runId },
      include: { violations: { include: { evidence: true } } },
    });
    expect(run.segmentId).toBe(segment.id);
    expect(run.pipelineVersion).toBe(pipelineVersion);
    expect(run.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.framesAnalysed).toBeGreaterThanOrEqual(14);
    const fingerprints = Object.values(run.modelFingerprints as Record<string, string>);
    expect(fingerprints.length).toBeGreaterThan(0);
    for (const sha of fingerprints) expect(sha).toMatch(/^[0-9a-f]{64}$/);
    expect(run.violations).toHaveLength(result.violations);

    for (const violation of run.violations) {
      expect(violation).toMatchObject({
        cameraId,
        zoneId,
        zoneName: 'motorbike lanes',
        zoneKind: 'restricted_road',
        status: 'pending',
        version: 1,
      });
      expect(violation.endSec).toBeGreaterThan(violation.startSec);
      const roles = new Set(violation.evidence.map((e) => e.role));
      for (const role of ['clip', 'keyframe', 'manifest'] as const) expect(roles).toContain(role);
      for (const file of violation.evidence) {
        expect(path.isAbsolute(file.path)).toBe(false);
        const digest = await hashFile(path.join(dir, 'evidence', file.path));
        expect(digest.sha256).toBe(file.sha256);
        expect(BigInt(digest.sizeBytes)).toBe(file.sizeBytes);
      }
    }

    const audit = await prisma.auditLog.findFirstOrThrow({
      where: { entityType: 'segment', entityId: segment.id, action: 'analysis.complete' },
    });
    expect(audit.details).toMatchObject({ runId: run.id, violations: run.violations.length });
    expect((await verifyAuditChain(prisma)).ok).toBe(true);
  }, 320_000);

  it('does not analyse the same segment twice for one pipeline version', async () => {
    const segment = await prisma.segment.findFirstOrThrow({ where: { cameraId, status: 'done' } });
    const again = await enqueueSegment(queue, segment, pipelineVersion);
    expect(await again.getState()).toBe('completed');

    // Even when Redis forgot the job, the worker finds the stored run instead of analysing again.
    await again.remove();
    const rerun = await enqueueSegment(queue, segment, pipelineVersion);
    const result = await rerun.waitUntilFinished(events, 60_000);
    expect(result.reused).toBe(true);
    expect(await prisma.analysisRun.count({ where: { segmentId: segment.id } })).toBe(1);
    expect(existsSync(path.join(dir, 'evidence'))).toBe(true);
  }, 90_000);
});

describe('persistAnalysis', () => {
  it('stores a run once when two workers persist the same analysis at the same moment', async () => {
    const segment = await prisma.segment.create({
      data: {
        cameraId,
        fileUri: 'file:///footage/elsewhere.mp4',
        sha256: randomBytes(32).toString('hex'),
        startTime: new Date('2026-11-23T03:00:00Z'),
      },
    });
    const evidenceDir = path.join(dir, 'evidence', 'manual');
    await mkdir(evidenceDir, { recursive: true });
    const manifest = path.join(evidenceDir, 'manifest.json');
    await writeFile(manifest, '{}');
    const digest = await hashFile(manifest);
    const start = new Date('2026-11-23T03:00:01Z');
    const analysis: SegmentAnalysis = {
      videoPath: path.join(dir, 'boulevard.mp4'),
      sourceSha256: segment.sha256,
      segmentStart: segment.startTime,
      pipelineVersion,
      configHash: 'c'.repeat(64),
      detector: 'picodet_s',
      fps: 5,
      modelFingerprints: { picodet_s: 'd'.repeat(64) },
      source: { width: 960, height: 540, fps: 30, codec: 'h264', durationSec: 3 },
      analysedSize: { width: 960, height: 540 },
      framesAnalysed: 15,
      videoSeconds: 3,
      tracksSeen: 1,
      timings: {
        probeMs: 1,
        decodeWaitMs: 1,
        inferenceMs: 1,
        trackingMs: 1,
        keyframesMs: 1,
        plateMs: 1,
        evidenceMs: 1,
        packagingMs: 2,
        totalMs: 7,
      },
      violations: [
        {
          trackId: 7,
          label: 'motorcycle',
          zoneName: 'motorbike lanes',
          zoneKind: 'restricted_road',
          startSec: 1,
          endSec: 2.4,
          startTime: start,
          endTime: new Date(start.getTime() + 1400),
          entryFrame: 5,
          peakFrame: 8,
          exitFrame: 12,
          plate: { text: null, confidence: 0, candidates: [], format: null, plateType: null, reads: 0 },
          evidenceDir,
          evidence: [
            { role: 'manifest', path: manifest, relPath: 'manual/manifest.json', mime: 'application/json', ...digest },
          ],
        },
      ],
    };
    const input = { segmentId: segment.id, cameraId, zonesByName: new Map([['motorbike lanes', zoneId]]), analysis };
    const [a, b] = await Promise.all([persistAnalysis(prisma, input), persistAnalysis(prisma, input)]);

    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.run.id).toBe(b.run.id);
    expect(a.violationIds).toEqual(b.violationIds);
    expect(await prisma.analysisRun.count({ where: { segmentId: segment.id } })).toBe(1);
    const violation = await prisma.violation.findUniqueOrThrow({
      where: { id: a.violationIds[0]! },
      include: { evidence: true },
    });
    expect(violation).toMatchObject({ zoneId, trackId: 7, plateText: null, plateConfidence: null, status: 'pending' });
    expect(violation.evidence).toMatchObject([
      { role: 'manifest', path: 'manual/manifest.json', sha256: digest.sha256 },
    ]);
    expect((await prisma.segment.findUniqueOrThrow({ where: { id: segment.id } })).status).toBe('done');
    expect(await prisma.auditLog.count({ where: { entityId: segment.id, action: 'analysis.complete' } })).toBe(1);
  });
});
