import { describe, expect, it } from 'vitest';
import { QUEUES, startQueueWorkers } from '../../src/queue/queues.js';

describe('startQueueWorkers', () => {
  it('starts one worker per queue of the registry, in registry order', () => {
    const started: string[] = [];
    const starter = (key: keyof typeof QUEUES) => () => {
      started.push(key);
      return key;
    };
    const workers = startQueueWorkers({
      webhookDelivery: starter('webhookDelivery'),
      analyze: starter('analyze'),
      batchComplete: starter('batchComplete'),
    });
    expect(workers).toEqual(Object.keys(QUEUES));
    expect(started).toEqual(Object.keys(QUEUES));
  });

  it('refuses to start anything when a queue has no worker', () => {
    let started = 0;
    const partial = { analyze: () => started++, batchComplete: () => started++ };
    expect(() => startQueueWorkers(partial as unknown as Parameters<typeof startQueueWorkers<number>>[0])).toThrow(
      /no worker for queue\(s\) webhook-delivery: refusing to start/,
    );
    expect(started).toBe(0);
  });
});

describe('QUEUES', () => {
  it('gives every queue its own Redis name', () => {
    const names = Object.values(QUEUES).map((q) => q.name);
    expect(new Set(names).size).toBe(names.length);
  });
});
