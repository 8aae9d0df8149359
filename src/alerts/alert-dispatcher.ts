import { Redis } from 'ioredis';
import type { Worker } from 'bullmq';
import { ChangeListener } from '../db/change-listener.js';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import { SIGN_CUE_CHANNEL, signCueSchema } from '../db/signs.js';
import { AlertHub } from './alert-hub.js';
import { loadSignWarning } from './sign-warning.js';
import { loadViolationAlert } from './violation-alert.js';
import { createQueue, type JobQueue } from '../queue/queues.js';
import { enqueueWebhookDeliveries, startWebhookWorker } from './webhook-deliveries.js';

/** The violations trigger announces each committed violation here, its id the payload (batches_live_alerts). */
const VIOLATION_CHANNEL = 'violation_recorded';

export interface AlertingOptions {
  prisma: PrismaClient;
  databaseUrl: string;
  redisUrl: string;
  logger: Logger;
  /**
   * footage registered longer than this after a violation is archive and not alerted; a sign drops cues older
   * than this (default 300)
   */
  maxAgeSec?: number;
  /** Redis key prefix of the analyze queue: QUEUE_PREFIX (tests use their own) */
  prefix: string;
  /** run the webhook delivery worker in this process (default true) */
  deliverWebhooks?: boolean;
  /** receivers allowed on internal addresses (WEBHOOK_ALLOWED_HOSTS) */
  webhookAllowedHosts: ReadonlySet<string>;
}

const STREAMED_KEPT = 10_000;
const SWEEP_BACK_MS = 24 * 3600_000;

export interface Alerting {
  hub: AlertHub;
  webhookQueue: JobQueue<'webhookDelivery'>;
  close(): Promise<void>;
}

/**
 * Violations reach subscribers through Postgres: a trigger NOTIFYs each committed violation id (see the
 * migration), this process LISTENs, loads the row and fans it out to SSE streams and webhook deliveries.
 * Chosen over the worker's BullMQ "completed" event because it fires for every writer (queue worker, batch,
 * anything calling persistAnalysis), only after commit, and needs nothing from the worker; notifications missed
 * while disconnected are caught up on every (re)connect by sweeping the violations whose alert no process has
 * decided yet (`alerted_at`), so a violation stored during or after an outage alerts once.
 */
export async function startAlerting(o: AlertingOptions): Promise<Alerting> {
  const maxAgeMs = (o.maxAgeSec ?? 300) * 1000;
  const hub = new AlertHub();
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  // the analyze queue's prefix: a deployment (or a test) never sees another's deliveries
  const webhookQueue = createQueue('webhookDelivery', { connection, prefix: o.prefix });
  const worker: Worker | null =
    o.deliverWebhooks === false
      ? null
      : startWebhookWorker(o.prisma, connection, o.logger, o.webhookAllowedHosts, o.prefix);

  // Ids this process streamed lately: a notification and a sweep may both bring the same violation.
  const streamed = new Set<string>();
  const dispatch = async (violationId: string) => {
    if (streamed.has(violationId)) return;
    const loaded = await loadViolationAlert(o.prisma, violationId);
    if (!loaded) return;
    if (loaded.live && loaded.arrivedAfterMs <= maxAgeMs) {
      streamed.add(violationId);
      if (streamed.size > STREAMED_KEPT) streamed.delete(streamed.values().next().value!);
      hub.publish(loaded.alert);
      await enqueueWebhookDeliveries(o.prisma, webhookQueue, violationId, loaded.alert.violation.cameraId);
    }
    await o.prisma.violation.updateMany({
      where: { id: violationId, alertedAt: null },
      data: { alertedAt: new Date() },
    });
  };

  // Violations stored while this process was not listening (Postgres restarted, or the process was down) and
  // that no process has alerted yet; a day back is as far as an alert is still worth sending.
  const sweep = async () => {
    const missed = await o.prisma.violation.findMany({
      where: { alertedAt: null, createdAt: { gte: new Date(Date.now() - SWEEP_BACK_MS) } },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
    });
    for (const v of missed) await dispatch(v.id);
  };

  // A sign's cue comes straight from the analysis worker as the rule fires; one that arrives too late is dropped
  // like a stale alert (a missed one is not caught up: a warning after the rider has gone helps no one).
  const cueSign = async (payload: string) => {
    const cue = signCueSchema.parse(JSON.parse(payload));
    if (Date.now() - Date.parse(cue.time) > maxAgeMs) return;
    const warning = await loadSignWarning(o.prisma, cue);
    if (warning) hub.publishSign(cue.cameraId, warning);
  };

  let cues: Promise<void> = Promise.resolve();
  const listener = new ChangeListener({
    databaseUrl: o.databaseUrl,
    channels: [VIOLATION_CHANNEL, SIGN_CUE_CHANNEL],
    logger: o.logger,
    whileDown: 'alerts wait for the sweep on reconnect, sign cues are lost',
    onNotification: (channel, payload) => {
      if (!payload) return;
      if (channel === VIOLATION_CHANNEL) {
        void dispatch(payload).catch((err: unknown) =>
          o.logger.error({ err, violationId: payload }, 'could not dispatch alert'),
        );
        return;
      }
      // One cue after another: each awaits its camera's settings, and a sign must end on the latest warning.
      cues = cues
        .then(() => cueSign(payload))
        .catch((err: unknown) => o.logger.error({ err, payload }, 'could not cue the sign'));
    },
    // notifications sent while disconnected are lost: the table is swept for violations not yet alerted
    onConnected: () => void sweep().catch((err: unknown) => o.logger.error({ err }, 'alert sweep failed')),
  });
  await listener.start();

  return {
    hub,
    webhookQueue,
    async close() {
      await listener.close();
      await worker?.close();
      await webhookQueue.close();
      connection.disconnect();
    },
  };
}
