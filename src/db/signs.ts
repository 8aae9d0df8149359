import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SIGN_DEFAULTS } from '../core/sign-warning.js';
import type { SignToken } from '../generated/prisma/client.js';
import { ZoneKind as ZoneKinds } from '../generated/prisma/enums.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';

/*
 * The warning sign beside a camera: its settings, the read-only tokens its page connects with, and the cue the
 * analysis sends the moment a rule fires.
 */

// ---- Cues: analysis worker → Postgres NOTIFY → API process → sign streams ----

/** The channel the analysis worker NOTIFYs a cue on as a violation's rule fires (before its evidence is written). */
export const SIGN_CUE_CHANNEL = 'sign_cue';

export const signCueSchema = z.object({
  cameraId: z.uuid(),
  /** the plate of record, or null when none was read surely: the sign then shows the warning alone */
  plate: z.string().min(1).max(32).nullable(),
  zoneKind: z.enum(ZoneKinds),
  /** capture time of the violation's last frame in the zone */
  time: z.iso.datetime({ offset: true }),
  /** wall-clock time the rule fired in the worker */
  firedAt: z.iso.datetime({ offset: true }),
});
export type SignCue = z.infer<typeof signCueSchema>;

/** Announces a cue to every API process (a few hundred bytes: far under NOTIFY's 8000-byte payload limit). */
export async function publishSignCue(prisma: PrismaClient, cue: SignCue): Promise<void> {
  await prisma.$executeRaw`SELECT pg_notify(${SIGN_CUE_CHANNEL}, ${JSON.stringify(cue)})`;
}

// ---- Settings ----

export interface SignSettingsView {
  cameraId: string;
  /** null = the default warning for the violation's zone kind */
  warningText: string | null;
  displaySeconds: number;
  speak: boolean;
  /** null while the camera's sign has its defaults */
  updatedAt: Date | null;
}

export type SignSettingsInput = Pick<SignSettingsView, 'warningText' | 'displaySeconds' | 'speak'>;

export async function getSignSettings(prisma: PrismaClient, cameraId: string): Promise<SignSettingsView> {
  const row = await prisma.signSettings.findUnique({ where: { cameraId } });
  return row ?? { cameraId, warningText: null, ...SIGN_DEFAULTS, updatedAt: null };
}

export async function putSignSettings(
  prisma: PrismaClient,
  cameraId: string,
  input: SignSettingsInput,
  actor: string,
): Promise<SignSettingsView> {
  return prisma.$transaction(async (tx) => {
    const row = await tx.signSettings.upsert({
      where: { cameraId },
      create: { cameraId, ...input },
      update: input,
    });
    await appendAudit(tx, {
      actor,
      action: 'sign.update',
      entityType: 'camera',
      entityId: cameraId,
      details: { ...input },
    });
    return row;
  });
}

// ---- Tokens ----

export function hashSignToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** `mgs_` + 43 base64url characters (256 random bits): told apart from API keys (`mg_`) at a glance. */
function newSecret(): string {
  return `mgs_${randomBytes(32).toString('base64url')}`;
}

export interface SignTokenView {
  id: string;
  cameraId: string;
  prefix: string;
  label: string;
  createdAt: Date;
  revokedAt: Date | null;
}

function view(t: SignToken): SignTokenView {
  return {
    id: t.id,
    cameraId: t.cameraId,
    prefix: t.prefix,
    label: t.label,
    createdAt: t.createdAt,
    revokedAt: t.revokedAt,
  };
}

const auditDetails = (t: SignToken) => ({ cameraId: t.cameraId, label: t.label, prefix: t.prefix });

/** Creates a token for one camera's sign; the secret is returned here once and only its hash is stored. */
export async function createSignToken(
  prisma: PrismaClient,
  input: { cameraId: string; label: string; actor: string },
): Promise<SignTokenView & { secret: string }> {
  const secret = newSecret();
  const token = await prisma.$transaction(async (tx) => {
    const created = await tx.signToken.create({
      data: {
        cameraId: input.cameraId,
        tokenHash: hashSignToken(secret),
        prefix: secret.slice(0, 11),
        label: input.label,
      },
    });
    await appendAudit(tx, {
      actor: input.actor,
      action: 'sign_token.create',
      entityType: 'sign_token',
      entityId: created.id,
      details: auditDetails(created),
    });
    return created;
  });
  return { ...view(token), secret };
}

export async function listSignTokens(prisma: PrismaClient, cameraId: string): Promise<SignTokenView[]> {
  const tokens = await prisma.signToken.findMany({ where: { cameraId }, orderBy: { createdAt: 'asc' } });
  return tokens.map(view);
}

/** The live (not revoked) token with this secret, or null. */
export async function findActiveSignToken(prisma: PrismaClient, secret: string): Promise<SignTokenView | null> {
  const token = await prisma.signToken.findUnique({ where: { tokenHash: hashSignToken(secret) } });
  return token && !token.revokedAt ? view(token) : null;
}

/** Whether the token still exists unrevoked: an open sign stream checks this as it goes. */
export async function isSignTokenActive(prisma: PrismaClient, id: string): Promise<boolean> {
  const token = await prisma.signToken.findUnique({ where: { id }, select: { revokedAt: true } });
  return token !== null && token.revokedAt === null;
}

/** Revokes a token; null when it does not exist. Revoking twice keeps the first revocation time. */
export async function revokeSignToken(
  prisma: PrismaClient,
  input: { id: string; actor: string },
): Promise<SignTokenView | null> {
  return prisma.$transaction(async (tx) => {
    const token = await tx.signToken.findUnique({ where: { id: input.id } });
    if (!token) return null;
    if (token.revokedAt) return view(token);
    const revoked = await tx.signToken.update({ where: { id: token.id }, data: { revokedAt: new Date() } });
    await appendAudit(tx, {
      actor: input.actor,
      action: 'sign_token.revoke',
      entityType: 'sign_token',
      entityId: token.id,
      details: auditDetails(token),
    });
    return view(revoked);
  });
}
