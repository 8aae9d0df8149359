import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { ALL_BACKGROUND, backgroundFrom, NO_BACKGROUND } from '../../src/api/runtime.js';
import { loadConfig } from '../../src/config.js';
import { createPrisma } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createQueue } from '../../src/queue/queues.js';

/** Which queue workers an API process runs is its entry point's choice: none unless asked. */
describe("the API process's background workers", () => {
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL,
  });
  const prisma = createPrisma(config.DATABASE_URL);
  const redis = createRedisConnection(config.REDIS_URL, 'producer');
  afterAll(async () => {
    redis.disconnect();
    await prisma.$disconnect();
  });

  /** How many workers serve the batch and webhook queues while an app with `background` is up. */
  async function workersWith(background: typeof NO_BACKGROUND): Promise<{ batch: number; webhooks: number }> {
    const prefix = `mgtest-bg-${process.pid}-${Date.now()}`;
    const queue = createQueue('analyze', { connection: redis, prefix });
    const app = await buildApp({ prisma, queue, config, logger: createLogger('silent') }, background);
    await app.ready();
    const connection = createRedisConnection(config.REDIS_URL, 'worker');
    const batch = createQueue('batchComplete', { connection, prefix });
    const webhooks = createQueue('webhookDelivery', { connection, prefix });
    try {
      return { batch: (await batch.getWorkers()).length, webhooks: (await webhooks.getWorkers()).length };
    } finally {
      await Promise.all([batch.close(), webhooks.close()]);
      connection.disconnect();
      await app.close();
      await queue.close();
    }
  }

  it('runs no queue worker by default (npm run api)', async () => {
    expect(await workersWith(NO_BACKGROUND)).toEqual({ batch: 0, webhooks: 0 });
  });

  it('runs the batch completer and the webhook deliveries when its entry point asks (npm start)', async () => {
    expect(await workersWith(ALL_BACKGROUND)).toEqual({ batch: 1, webhooks: 1 });
  });

  it('reads API_WORKERS, and refuses a name it does not know', () => {
    expect(backgroundFrom('')).toEqual(NO_BACKGROUND);
    expect(backgroundFrom('webhooks')).toEqual({ batchCompleter: false, webhookDeliveries: true });
    expect(backgroundFrom(' batch-completer , webhooks ')).toEqual(ALL_BACKGROUND);
    expect(() => backgroundFrom('webhooks,reports')).toThrow(/unknown worker "reports"/);
  });
});
