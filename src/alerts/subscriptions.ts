import { appendAudit } from '../db/audit.js';
import type { PrismaClient } from '../db/client.js';
import { newWebhookSecret } from './webhook-signature.js';
import { redactUrl } from '../core/redact.js';

const PUBLIC_FIELDS = { id: true, url: true, cameraId: true, label: true, createdAt: true, revokedAt: true } as const;

/** The secret is returned here, once; listings never show it. */
export async function createSubscription(
  prisma: PrismaClient,
  data: { url: string; label: string; cameraId?: string | null },
  actor: string,
) {
  return prisma.$transaction(async (tx) => {
    const row = await tx.webhookSubscription.create({
      data: { url: data.url, label: data.label, cameraId: data.cameraId ?? null, secret: newWebhookSecret() },
    });
    await appendAudit(tx, {
      actor,
      action: 'webhook.subscribe',
      entityType: 'webhook_subscription',
      entityId: row.id,
      details: { url: redactUrl(row.url), cameraId: row.cameraId, label: row.label },
    });
    return row;
  });
}

export function listSubscriptions(prisma: PrismaClient) {
  return prisma.webhookSubscription.findMany({ select: PUBLIC_FIELDS, orderBy: { createdAt: 'desc' } });
}

/** false when no live subscription has that id. */
export async function revokeSubscription(prisma: PrismaClient, id: string, actor: string): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const { count } = await tx.webhookSubscription.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (count === 0) return false;
    await appendAudit(tx, {
      actor,
      action: 'webhook.revoke',
      entityType: 'webhook_subscription',
      entityId: id,
      details: {},
    });
    return true;
  });
}

export function listDeliveries(prisma: PrismaClient, subscriptionId: string, limit: number) {
  return prisma.webhookDelivery.findMany({
    where: { subscriptionId },
    orderBy: { createdAt: 'desc' },
    take: limit,
  });
}
