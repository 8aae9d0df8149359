import type { ConnectionOptions, Job } from 'bullmq';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import { loadViolationAlert } from './violation-alert.js';
import { webhookTargetProblem } from './webhook-target.js';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './webhook-signature.js';
import { createWorker, type JobQueue, type JobWorker, type WebhookJobData } from '../queue/queues.js';

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * One delivery row per live subscription that wants this violation's camera, and one job per new row. The row's
 * unique (subscription, violation) key makes this safe to call again for the same violation (sweeps, several
 * API processes): nothing is delivered twice.
 */
export async function enqueueWebhookDeliveries(
  prisma: PrismaClient,
  queue: JobQueue<'webhookDelivery'>,
  violationId: string,
  cameraId: string,
): Promise<number> {
  const subscriptions = await prisma.webhookSubscription.findMany({
    where: { revokedAt: null, OR: [{ cameraId: null }, { cameraId }] },
    select: { id: true },
  });
  if (subscriptions.length === 0) return 0;
  await prisma.webhookDelivery.createMany({
    data: subscriptions.map((s) => ({ subscriptionId: s.id, violationId })),
    skipDuplicates: true,
  });
  const pending = await prisma.webhookDelivery.findMany({
    where: { violationId, status: 'pending', subscriptionId: { in: subscriptions.map((s) => s.id) } },
    select: { id: true },
  });
  await queue.addBulk(
    pending.map((d) => ({
      name: 'deliver',
      data: { deliveryId: d.id },
      opts: { jobId: `delivery_${d.id}` },
    })),
  );
  return pending.length;
}

async function deliver(prisma: PrismaClient, job: Job<WebhookJobData>, allowed: ReadonlySet<string>): Promise<void> {
  const delivery = await prisma.webhookDelivery.findUnique({
    where: { id: job.data.deliveryId },
    include: { subscription: true },
  });
  if (!delivery || delivery.status !== 'pending') return;
  if (delivery.subscription.revokedAt) {
    await prisma.webhookDelivery.update({
      where: { id: delivery.id },
      data: { status: 'failed', lastError: 'subscription revoked' },
    });
    return;
  }
  // checked again at each delivery: the receiver's name may have been re-pointed since it subscribed
  const refused = await webhookTargetProblem(delivery.subscription.url, allowed);
  if (refused) {
    await prisma.webhookDelivery.update({
      where: { id: delivery.id },
      data: { status: 'failed', lastError: `not delivered: ${refused}` },
    });
    return;
  }
  const loaded = await loadViolationAlert(prisma, delivery.violationId);
  if (!loaded) return;
  const body = JSON.stringify(loaded.alert);
  const timestamp = Math.floor(Date.now() / 1000);
  let status: number | null = null;
  let error: string | null = null;
  try {
    const res = await fetch(delivery.subscription.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'motoguard-webhooks/1',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signWebhook(delivery.subscription.secret, timestamp, body),
        [DELIVERY_HEADER]: delivery.id,
      },
      body,
    });
    status = res.status;
    await res.body?.cancel();
    if (!res.ok) error = `receiver answered HTTP ${res.status}`;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  await prisma.webhookDelivery.update({
    where: { id: delivery.id },
    data: {
      attempts: { increment: 1 },
      responseStatus: status,
      lastError: error,
      ...(error === null ? { status: 'delivered', deliveredAt: new Date() } : lastAttempt ? { status: 'failed' } : {}),
    },
  });
  // Thrown so BullMQ schedules the next attempt with its exponential backoff.
  if (error !== null) throw new Error(error);
}

export function startWebhookWorker(
  prisma: PrismaClient,
  connection: ConnectionOptions,
  logger: Logger,
  /** receivers allowed on internal addresses (WEBHOOK_ALLOWED_HOSTS) */
  allowed: ReadonlySet<string>,
  prefix: string,
): JobWorker<'webhookDelivery'> {
  const worker = createWorker('webhookDelivery', (job) => deliver(prisma, job, allowed), {
    connection,
    prefix,
  });
  worker.on('failed', (job, err) =>
    logger.warn(
      { deliveryId: job?.data.deliveryId, attempt: job?.attemptsMade, err: err.message },
      'webhook delivery attempt failed',
    ),
  );
  worker.on('error', (err) => logger.error({ err }, 'webhook worker error'));
  return worker;
}
