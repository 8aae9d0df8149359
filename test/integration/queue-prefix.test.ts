import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addBatchFlow,
  closeBatchRedis,
  createBatchRedis,
  flowJobId,
  type BatchRedis,
} from '../../src/batch/batch-flow.js';
import { DEFAULT_QUEUE_PREFIX, loadConfig } from '../../src/config.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createQueue, createWorker, type AnalyzeSegmentQueue, type JobWorker } from '../../src/queue/queues.js';
import type { Segment } from '../../src/generated/prisma/client.js';

const env = loadConfig();
const connection = createRedisConnection(env.REDIS_URL, 'worker');

/** One installation on the shared Redis: its configuration, analyze queue, batch flows and an analyze worker. */
function installation(name: string) {
  const config = loadConfig({ ...process.env, QUEUE_PREFIX: `mgtest-${name}-${randomBytes(4).toString('hex')}` });
  const queue: AnalyzeSegmentQueue = createQueue('analyze', { connection, prefix: config.QUEUE_PREFIX });
  const batches: BatchRedis = createBatchRedis(connection, queue);
  const seen: string[] = [];
  const worker: JobWorker<'analyze'> = createWorker(
    'analyze',
    (job) => {
      seen.push(job.data.segmentId);
      return Promise.resolve({ runId: randomUUID(), violations: 0, reused: false });
    },
    { connection: createRedisConnection(env.REDIS_URL, 'worker'), prefix: config.QUEUE_PREFIX },
  );
  return { config, queue, batches, worker, seen };
}

const installs: ReturnType<typeof installation>[] = [];

afterAll(async () => {
  for (const i of installs) {
    await i.worker.close();
    await i.queue.obliterate({ force: true });
    await i.batches.batchQueue.obliterate({ force: true });
    await closeBatchRedis(i.batches);
    await i.queue.close();
  }
  connection.disconnect();
});

describe('QUEUE_PREFIX', () => {
  it("defaults to BullMQ's own prefix and refuses one that is not a plain name", () => {
    expect(loadConfig({}).QUEUE_PREFIX).toBe(DEFAULT_QUEUE_PREFIX);
    expect(() => loadConfig({ QUEUE_PREFIX: 'a b:c' })).toThrow(/QUEUE_PREFIX/);
  });

  it("keeps two installations on one Redis apart: neither's worker takes the other's jobs or batch flows", async () => {
    const a = installation('a');
    const b = installation('b');
    installs.push(a, b);
    const [segA, segB, batchSegA] = [randomUUID(), randomUUID(), randomUUID()];
    await a.queue.add('analyze-segment', { segmentId: segA, sha256: 'a'.repeat(64), pipelineVersion: 't' });
    await b.queue.add('analyze-segment', { segmentId: segB, sha256: 'b'.repeat(64), pipelineVersion: 't' });
    const parentId = flowJobId(randomUUID(), 1);
    await addBatchFlow(a.batches, randomUUID(), parentId, [{ id: batchSegA, sha256: 'c'.repeat(64) } as Segment], 't');
    await expect.poll(() => a.seen.length, { timeout: 10_000 }).toBe(2);
    await expect.poll(() => b.seen.length, { timeout: 10_000 }).toBe(1);
    expect(a.seen.sort()).toEqual([segA, batchSegA].sort());
    expect(b.seen).toEqual([segB]);
    expect(await b.batches.batchQueue.getJobCounts()).toMatchObject({
      waiting: 0,
      'waiting-children': 0,
      completed: 0,
    });
    // the batch's parent job waits under A's prefix only
    const parentKey = (prefix: string) => `${prefix}:batch-complete:${parentId}`;
    expect(await connection.exists(parentKey(a.config.QUEUE_PREFIX))).toBe(1);
    expect(await connection.exists(parentKey(b.config.QUEUE_PREFIX))).toBe(0);
  });
});
