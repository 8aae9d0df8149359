import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey, ApiRole } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** `mg_` + 43 base64url characters (256 random bits); the prefix tells keys apart in listings. */
function newSecret(): string {
  return `mg_${randomBytes(32).toString('base64url')}`;
}

export interface ApiKeyView {
  id: string;
  prefix: string;
  role: ApiRole;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
}

function view(k: ApiKey): ApiKeyView {
  return { id: k.id, prefix: k.prefix, role: k.role, label: k.label, createdAt: k.createdAt, revokedAt: k.revokedAt };
}

/** Creates a key; the secret is returned here once and only its hash is stored. */
export async function createApiKey(
  prisma: PrismaClient,
  input: { role: ApiRole; label: string; actor: string },
): Promise<ApiKeyView & { secret: string }> {
  const secret = newSecret();
  const key = await prisma.$transaction(async (tx) => {
    const created = await tx.apiKey.create({
      data: { keyHash: hashApiKey(secret), prefix: secret.slice(0, 10), role: input.role, label: input.label },
    });
    await appendAudit(tx, {
      actor: input.actor,
      action: 'api_key.create',
      entityType: 'api_key',
      entityId: created.id,
      details: { role: created.role, label: created.label, prefix: created.prefix },
    });
    return created;
  });
  return { ...view(key), secret };
}

/** The live (not revoked) key with this secret, or null. */
export function findActiveApiKey(prisma: PrismaClient, secret: string): Promise<ApiKeyView | null> {
  return findActiveApiKeyByHash(prisma, hashApiKey(secret));
}

/** The live key whose secret hashes to `keyHash`, or null. */
export async function findActiveApiKeyByHash(prisma: PrismaClient, keyHash: string): Promise<ApiKeyView | null> {
  const key = await prisma.apiKey.findUnique({ where: { keyHash } });
  return key && !key.revokedAt ? view(key) : null;
}

/** Whether the key still exists unrevoked: long-lived connections opened with it check this as they go. */
export async function isApiKeyActive(prisma: PrismaClient, id: string): Promise<boolean> {
  const key = await prisma.apiKey.findUnique({ where: { id }, select: { revokedAt: true } });
  return key !== null && key.revokedAt === null;
}

export async function listApiKeys(prisma: PrismaClient): Promise<ApiKeyView[]> {
  const keys = await prisma.apiKey.findMany({ orderBy: { createdAt: 'asc' } });
  return keys.map(view);
}

/** Revokes a key; null when it does not exist. Revoking twice keeps the first revocation time. */
export async function revokeApiKey(
  prisma: PrismaClient,
  input: { id: string; actor: string },
): Promise<ApiKeyView | null> {
  return prisma.$transaction(async (tx) => {
    const key = await tx.apiKey.findUnique({ where: { id: input.id } });
    if (!key) return null;
    if (key.revokedAt) return view(key);
    const revoked = await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await appendAudit(tx, {
      actor: input.actor,
      action: 'api_key.revoke',
      entityType: 'api_key',
      entityId: key.id,
      details: { role: key.role, label: key.label, prefix: key.prefix },
    });
    return view(revoked);
  });
}
