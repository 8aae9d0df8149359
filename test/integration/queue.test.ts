import { randomBytes, randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { loadConfig } from '../../src/config.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { analyzeJobId, enqueueSegment } from '../../src/queue/producer.js';
import { createQueue, createWorker, QUEUES, type AnalyzeSegmentQueue } from '../../src/queue/queues.js';
import { reconcile } from '../../src/queue/reconciler.js';
import { InfrastructureError } from '../../src/queue/failure-kind.js';
import type { SegmentStatus } from '../../src/generated/prisma/client.js';
import { CAMERA_DEFAULTS } from '../../src/core/camera-config.js';

const config = loadConfig();
let prisma: PrismaClient;
let redis: Redis;
let cameraId: string;
const queues: AnalyzeSegmentQueue[] = [];

/** Each test gets its own Redis key prefix, removed afterwards. */
function freshQueue(): AnalyzeSegmentQueue {
  const queue = createQueue('analyze', { connection: redis, prefix: `test-queue-${randomBytes(6).toString('hex')}` });
  queues.push(queue);
  return queue;
}

async function segmentRow(status: SegmentStatus = 'pending') {
  return prisma.segment.create({
    data: {
      cameraId,
      fileUri: 'file:///footage/x.mp4',
      sha256: randomBytes(32).toString('hex'),
      startTime: new Date(),
      status,
    },
  });
}

beforeAll(async () => {
  prisma = createPrisma(config.DATABASE_URL);
  redis = createRedisConnection(config.REDIS_URL, 'producer');
  cameraId = (await prisma.camera.create({ data: { name: `queue-test-${randomUUID()}`, ...CAMERA_DEFAULTS } })).id;
});

afterEach(async () => {
  for (const queue of queues.splice(0)) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

afterAll(async () => {
  await prisma.$disconnect();
  redis.disconnect();
});

describe('enqueueSegment', () => {
  it('adds one typed job per content and pipeline version, with retries and backoff that outlast an outage', async () => {
    const queue = freshQueue();
    const segment = await segmentRow();
    const job = await enqueueSegment(queue, segment, '1.2.3');

    expect(job.id).toBe(`${segment.sha256}_1.2.3`);
    expect(job.name).toBe(QUEUES.analyze.name);
    expect(job.data).toEqual({ segmentId: segment.id, sha256: segment.sha256, pipelineVersion: '1.2.3' });
    expect(job.opts.attempts).toBe(30);
    expect(job.opts.backoff).toEqual({ type: 'capped-exponential', delay: 1000 });

    const again = await enqueueSegment(queue, segment, '1.2.3');
    expect(again.id).toBe(job.id);
    expect(await queue.getWaitingCount()).toBe(1);

    const nextVersion = await enqueueSegment(queue, segment, '1.2.4');
    expect(nextVersion.id).toBe(`${segment.sha256}_1.2.4`);
    expect(await queue.getWaitingCount()).toBe(2);
  });

  it('never uses a colon in a job id', () => {
    expect(analyzeJobId('ab'.repeat(32), 'v1:rc2')).not.toContain(':');
  });

  it('marks a pending segment queued once its job is in Redis', async () => {
    const queue = freshQueue();
    const segment = await segmentRow('pending');
    await enqueueSegment(queue, segment, config.PIPELINE_VERSION, { prisma });
    expect((await prisma.segment.findUniqueOrThrow({ where: { id: segment.id } })).status).toBe('queued');
  });
});

describe('reconcile', () => {
  it('re-enqueues unfinished segments whose job Redis lost, and nothing else', async () => {
    const queue = freshQueue();
    const version = config.PIPELINE_VERSION;
    const pending = await segmentRow('pending');
    const queuedButLost = await segmentRow('queued');
    const alreadyQueued = await segmentRow('queued');
    const lostMidAnalysis = await segmentRow('processing');
    const done = await segmentRow('done');
    const failed = await segmentRow('failed');
    await enqueueSegment(queue, alreadyQueued, version);

    const first = await reconcile(prisma, queue, { pipelineVersion: version, batchSize: 2 });
    expect(first.enqueued).toEqual(expect.arrayContaining([pending.id, queuedButLost.id, lostMidAnalysis.id]));
    for (const skipped of [alreadyQueued, done, failed]) expect(first.enqueued).not.toContain(skipped.id);
    for (const s of [pending, queuedButLost, alreadyQueued]) {
      expect(await queue.getJob(analyzeJobId(s.sha256, version))).toBeDefined();
    }
    expect(await queue.getJob(analyzeJobId(done.sha256, version))).toBeUndefined();
    expect((await prisma.segment.findUniqueOrThrow({ where: { id: pending.id } })).status).toBe('queued');

    const second = await reconcile(prisma, queue, { pipelineVersion: version });
    expect(second.enqueued).toEqual([]);
    expect(second.checked).toBeGreaterThanOrEqual(4);
  });

  it('rebuilds the queue after Redis lost everything', async () => {
    const queue = freshQueue();
    const segment = await segmentRow('pending');
    await enqueueSegment(queue, segment, config.PIPELINE_VERSION, { prisma });
    await queue.obliterate({ force: true });
    expect(await queue.getJob(analyzeJobId(segment.sha256, config.PIPELINE_VERSION))).toBeUndefined();

    const result = await reconcile(prisma, queue, { pipelineVersion: config.PIPELINE_VERSION });
    expect(result.enqueued).toContain(segment.id);
    const job = await queue.getJob(analyzeJobId(segment.sha256, config.PIPELINE_VERSION));
    expect(job?.data.segmentId).toBe(segment.id);
  });

  it('retries a job that failed for infrastructure reasons, and not one that failed on bad media', async () => {
    const queue = freshQueue();
    const version = config.PIPELINE_VERSION;
    const outage = await segmentRow('queued');
    const badMedia = await segmentRow('failed');
    // one attempt: as if the outage had outlasted all of them
    await queue.add(
      QUEUES.analyze.name,
      { segmentId: outage.id, sha256: outage.sha256, pipelineVersion: version },
      { jobId: analyzeJobId(outage.sha256, version), attempts: 1 },
    );
    await enqueueSegment(queue, badMedia, version);
    // fail both jobs the way the analysis worker does: an outage's error, and bad media's
    const connection = createRedisConnection(config.REDIS_URL, 'worker');
    const worker = createWorker(
      'analyze',
      (job) => {
        if (job.data.segmentId === outage.id) {
          throw new InfrastructureError(Object.assign(new Error("Can't reach database server"), { code: 'P1001' }));
        }
        throw new UnrecoverableError('unsupported: not a video');
      },
      { connection, prefix: queue.opts.prefix! },
    );
    try {
      await expect.poll(() => queue.getFailedCount(), { timeout: 10_000 }).toBe(2);
    } finally {
      await worker.close();
      connection.disconnect();
    }
    const result = await reconcile(prisma, queue, { pipelineVersion: version });
    expect(result.requeued).toEqual([outage.id]);
    expect(await queue.getJob(analyzeJobId(outage.sha256, version)).then((j) => j?.getState())).toBe('waiting');
    expect(await queue.getJob(analyzeJobId(badMedia.sha256, version)).then((j) => j?.getState())).toBe('failed');
  });
});
