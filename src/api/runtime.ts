import type { Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { allowedHosts } from '../alerts/webhook-target.js';
import { startAlerting, type Alerting } from '../alerts/alert-dispatcher.js';
import { startBatchCompleter } from '../batch/batch-completer.js';
import { closeBatchRedis, createBatchRedis } from '../batch/batch-flow.js';
import type { BatchDeps } from '../batch/batch-service.js';
import type { ApiDeps } from './deps.js';

/**
 * What an API process runs besides answering requests. The process's entry point decides (see the
 * README's process list): `npm run api` runs no queue worker unless API_WORKERS names it, `npm start`
 * runs them all.
 */
export interface ApiBackground {
  /** closes batches whose segments are all analysed (a worker on the batch queue) */
  batchCompleter: boolean;
  /** delivers webhooks (a worker on the webhook queue) */
  webhookDeliveries: boolean;
}

export const NO_BACKGROUND: ApiBackground = { batchCompleter: false, webhookDeliveries: false };
export const ALL_BACKGROUND: ApiBackground = { batchCompleter: true, webhookDeliveries: true };

const WORKER_NAMES = { 'batch-completer': 'batchCompleter', webhooks: 'webhookDeliveries' } as const;

/** The API_WORKERS setting (comma-separated: batch-completer, webhooks; empty = none) as background work. */
export function backgroundFrom(setting: string): ApiBackground {
  const background = { ...NO_BACKGROUND };
  for (const name of setting
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(name in WORKER_NAMES)) {
      throw new Error(`API_WORKERS: unknown worker "${name}" (known: ${Object.keys(WORKER_NAMES).join(', ')})`);
    }
    background[WORKER_NAMES[name as keyof typeof WORKER_NAMES]] = true;
  }
  return background;
}

/** The connections routes use, opened when the server starts so that building the app opens nothing. */
export interface ApiRuntime {
  /** batch producer (flows, the batch queue); null until the server is ready */
  batches: BatchDeps | null;
  /** Postgres LISTEN for new violations, fanned out to SSE streams (and webhooks when this process delivers them) */
  alerting: Alerting | null;
}

/** Opens the runtime's connections and the background workers `background` asks for on ready; closes them with the app. */
export function attachRuntime(app: FastifyInstance, deps: ApiDeps, background: ApiBackground): ApiRuntime {
  const runtime: ApiRuntime = { batches: null, alerting: null };
  let connection: Redis | null = null;
  let completer: Worker | null = null;
  app.addHook('onReady', async () => {
    connection = new Redis(deps.config.REDIS_URL, { maxRetriesPerRequest: null });
    runtime.batches = {
      prisma: deps.prisma,
      redis: createBatchRedis(connection, deps.queue),
      logger: deps.logger.child({ component: 'batches' }),
    };
    if (background.batchCompleter) completer = startBatchCompleter(runtime.batches);
    runtime.alerting = await startAlerting({
      prisma: deps.prisma,
      databaseUrl: deps.config.DATABASE_URL,
      redisUrl: deps.config.REDIS_URL,
      prefix: deps.queue.opts.prefix ?? deps.config.QUEUE_PREFIX,
      logger: deps.logger.child({ component: 'alerts' }),
      deliverWebhooks: background.webhookDeliveries,
      webhookAllowedHosts: allowedHosts(deps.config.WEBHOOK_ALLOWED_HOSTS),
    });
  });
  app.addHook('onClose', async () => {
    await runtime.alerting?.close();
    await completer?.close();
    if (runtime.batches) await closeBatchRedis(runtime.batches.redis);
    connection?.disconnect();
  });
  return runtime;
}
