import { createHash, randomBytes } from 'node:crypto';
import type { User } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';
import { userActor } from './users.js';

/** Only the token's sha256 is stored: a copy of the table opens no session. */
const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** A request seen within this of the last one does not move `last_seen_at` again (one write a minute at most). */
const TOUCH_EVERY_MS = 60_000;

export interface SessionPolicy {
  idleMs: number;
  maxMs: number;
}

export interface LiveSession {
  id: string;
  csrfToken: string;
  user: Pick<User, 'id' | 'username' | 'displayName' | 'role'>;
}

/** Opens a session for a user who just proved their password; the token is returned once, for the cookie. */
export async function openSession(
  prisma: PrismaClient,
  userId: string,
  policy: SessionPolicy,
): Promise<{ token: string; session: LiveSession }> {
  const token = randomBytes(32).toString('base64url');
  // the user's sessions that ran out are swept here, so the table holds live ones and a few stale at most
  const now = Date.now();
  await prisma.userSession.deleteMany({
    where: {
      userId,
      OR: [{ expiresAt: { lte: new Date(now) } }, { lastSeenAt: { lte: new Date(now - policy.idleMs) } }],
    },
  });
  const row = await prisma.userSession.create({
    data: {
      tokenHash: hashToken(token),
      userId,
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: new Date(Date.now() + policy.maxMs),
    },
    include: { user: true },
  });
  return { token, session: { id: row.id, csrfToken: row.csrfToken, user: row.user } };
}

const live = (policy: SessionPolicy, now = Date.now()) => ({
  expiresAt: { gt: new Date(now) },
  lastSeenAt: { gt: new Date(now - policy.idleMs) },
  user: { disabledAt: null },
});

/** The live session holding this token: not past its end, not idle too long, its user not disabled. */
export async function findSession(
  prisma: PrismaClient,
  token: string,
  policy: SessionPolicy,
): Promise<LiveSession | null> {
  const now = Date.now();
  const row = await prisma.userSession.findFirst({
    where: { tokenHash: hashToken(token), ...live(policy, now) },
    include: { user: true },
  });
  if (!row) return null;
  if (now - row.lastSeenAt.getTime() > TOUCH_EVERY_MS)
    await prisma.userSession.updateMany({ where: { id: row.id }, data: { lastSeenAt: new Date(now) } });
  return { id: row.id, csrfToken: row.csrfToken, user: row.user };
}

/** Whether the session still holds: long-lived connections opened with it check this as they go. */
export async function isSessionActive(prisma: PrismaClient, id: string, policy: SessionPolicy): Promise<boolean> {
  return (await prisma.userSession.count({ where: { id, ...live(policy) } })) === 1;
}

/** Ends a session (sign-out), audited; ending one that is already gone is a no-op. */
export async function endSession(prisma: PrismaClient, session: { id: string; userId: string }): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const { count } = await tx.userSession.deleteMany({ where: { id: session.id } });
    if (count === 1)
      await appendAudit(tx, {
        actor: userActor(session.userId),
        action: 'user.logout',
        entityType: 'user',
        entityId: session.userId,
        details: {},
      });
  });
}

/** Ends the session a token names, if any (sign-in does this first, so an earlier session is never carried on). */
export async function endSessionByToken(prisma: PrismaClient, token: string): Promise<void> {
  await prisma.userSession.deleteMany({ where: { tokenHash: hashToken(token) } });
}
