import { loadConfig, type Config } from '../config.js';
import { createPrisma } from '../db/client.js';
import { createLogger } from '../logger.js';
import { createRedisConnection } from '../queue/connection.js';
import { createQueue } from '../queue/queues.js';
import type { ApiDeps } from './deps.js';

export interface Services {
  deps: ApiDeps;
  /** Registers a step to run on SIGINT/SIGTERM, before connections close (last registered runs first). */
  onShutdown(step: () => Promise<unknown>): void;
}

/** Config, logger, Postgres and the analysis queue for a process entry point, with orderly shutdown. */
export function startServices(config: Config = loadConfig()): Services {
  const logger = createLogger(config.LOG_LEVEL);
  const prisma = createPrisma(config.DATABASE_URL);
  const redis = createRedisConnection(config.REDIS_URL, 'producer');
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queue = createQueue('analyze', { connection: redis, prefix: config.QUEUE_PREFIX });
  const steps: (() => Promise<unknown>)[] = [];

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    for (const step of steps.reverse())
      await step().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
    await queue.close();
    redis.disconnect();
    await prisma.$disconnect();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  return { deps: { prisma, queue, config, logger }, onShutdown: (step) => steps.push(step) };
}
