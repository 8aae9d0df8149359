import { dummyPasswordHash, hashPassword, verifyPassword } from '../auth/passwords.js';
import type { ApiRole, Prisma, User } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';

/** What any route may show of a user: never the password hash. */
export interface UserView {
  id: string;
  username: string;
  displayName: string;
  role: ApiRole;
  failedLogins: number;
  lockedUntil: Date | null;
  disabledAt: Date | null;
  passwordChangedAt: Date;
  createdAt: Date;
}

export function userView(u: User): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    failedLogins: u.failedLogins,
    lockedUntil: u.lockedUntil,
    disabledAt: u.disabledAt,
    passwordChangedAt: u.passwordChangedAt,
    createdAt: u.createdAt,
  };
}

/** How audit rows name a signed-in user. */
export const userActor = (userId: string) => `user:${userId}`;

const audit = (
  tx: Prisma.TransactionClient,
  actor: string,
  action: string,
  user: { id: string } | null,
  details = {},
) => appendAudit(tx, { actor, action, entityType: 'user', entityId: user?.id ?? null, details });

export async function createUser(
  prisma: PrismaClient,
  input: { username: string; displayName: string; password: string; role: ApiRole; actor: string },
): Promise<UserView> {
  const passwordHash = await hashPassword(input.password);
  return prisma.$transaction(async (tx) => {
    const user = await tx.user.create({
      data: { username: input.username, displayName: input.displayName, role: input.role, passwordHash },
    });
    await audit(tx, input.actor, 'user.create', user, { username: user.username, role: user.role });
    return userView(user);
  });
}

export async function listUsers(prisma: PrismaClient): Promise<UserView[]> {
  return (await prisma.user.findMany({ orderBy: { username: 'asc' } })).map(userView);
}

export async function findUser(prisma: PrismaClient, id: string): Promise<UserView | null> {
  const user = await prisma.user.findUnique({ where: { id } });
  return user && userView(user);
}

/**
 * Changes a user's role or disables/enables them, audited; a role change or disabling ends the user's sessions
 * (and so their open streams), so nobody keeps powers they lost. Null when there is no such user.
 */
export async function updateUser(
  prisma: PrismaClient,
  input: { id: string; role?: ApiRole; disabled?: boolean; actor: string },
): Promise<UserView | null> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.id } });
    if (!before) return null;
    const roleChange = input.role !== undefined && input.role !== before.role;
    const disable = input.disabled === true && before.disabledAt === null;
    const enable = input.disabled === false && before.disabledAt !== null;
    const user = await tx.user.update({
      where: { id: before.id },
      data: {
        ...(roleChange ? { role: input.role } : {}),
        ...(disable ? { disabledAt: new Date() } : {}),
        ...(enable ? { disabledAt: null } : {}),
      },
    });
    if (roleChange) await audit(tx, input.actor, 'user.role_change', user, { from: before.role, to: user.role });
    if (disable) await audit(tx, input.actor, 'user.disable', user, { username: user.username });
    if (enable) await audit(tx, input.actor, 'user.enable', user, { username: user.username });
    if (roleChange || disable) await tx.userSession.deleteMany({ where: { userId: user.id } });
    return userView(user);
  });
}

/** Lifts a lock-out and forgets the failures counted so far. */
export async function unlockUser(prisma: PrismaClient, input: { id: string; actor: string }): Promise<UserView | null> {
  return prisma.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: input.id } });
    if (!before) return null;
    const user = await tx.user.update({ where: { id: before.id }, data: { failedLogins: 0, lockedUntil: null } });
    await audit(tx, input.actor, 'user.unlock', user, { wasLockedUntil: before.lockedUntil?.toISOString() ?? null });
    return userView(user);
  });
}

/**
 * Sets a new password (the user's own change, or an operator's reset from the CLI) and ends the user's other
 * sessions: one opened with the old password is not kept. `keepSessionId` is the session that made the change.
 */
export async function setPassword(
  prisma: PrismaClient,
  input: { id: string; password: string; actor: string; keepSessionId?: string },
): Promise<void> {
  const passwordHash = await hashPassword(input.password);
  await prisma.$transaction(async (tx) => {
    const user = await tx.user.update({
      where: { id: input.id },
      data: { passwordHash, passwordChangedAt: new Date(), failedLogins: 0, lockedUntil: null },
    });
    await tx.userSession.deleteMany({
      where: { userId: user.id, ...(input.keepSessionId ? { id: { not: input.keepSessionId } } : {}) },
    });
    await audit(tx, input.actor, 'user.password_change', user, { username: user.username });
  });
}

export interface LoginPolicy {
  maxFailures: number;
  lockMs: number;
  /** the password check; tests wrap it to see the work an attempt does */
  verify?: typeof verifyPassword;
}

export type LoginResult =
  { ok: true; user: UserView } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'locked'; lockedUntil: Date };

/**
 * One sign-in attempt, audited whatever its outcome. A name that does not exist, or a disabled user, is checked
 * against a dummy hash so every attempt does one scrypt; `maxFailures` wrong passwords in a row lock the user
 * for `lockMs` (counted atomically, so parallel guesses cannot slip past the limit).
 */
export async function attemptLogin(
  prisma: PrismaClient,
  input: { username: string; password: string; ip: string },
  policy: LoginPolicy,
): Promise<LoginResult> {
  const verify = policy.verify ?? verifyPassword;
  const username = input.username.trim().toLowerCase();
  const user = await prisma.user.findUnique({ where: { username } });
  const failed = (reason: string, who: User | null) =>
    prisma.$transaction((tx) =>
      audit(tx, who ? userActor(who.id) : `login:${username}`, 'user.login_failed', who, {
        username,
        reason,
        ip: input.ip,
      }),
    );
  if (!user || user.disabledAt) {
    await verify(await dummyPasswordHash(), input.password);
    await failed(user ? 'disabled' : 'unknown_user', user);
    return { ok: false, reason: 'invalid' };
  }
  if (user.lockedUntil && user.lockedUntil > new Date()) {
    await failed('locked', user);
    return { ok: false, reason: 'locked', lockedUntil: user.lockedUntil };
  }
  if (await verify(user.passwordHash, input.password)) {
    const signedIn = await prisma.$transaction(async (tx) => {
      const u = await tx.user.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil: null } });
      await audit(tx, userActor(u.id), 'user.login', u, { username, ip: input.ip });
      return u;
    });
    return { ok: true, user: userView(signedIn) };
  }
  return prisma.$transaction(async (tx): Promise<LoginResult> => {
    const counted = await tx.user.update({ where: { id: user.id }, data: { failedLogins: { increment: 1 } } });
    await audit(tx, userActor(user.id), 'user.login_failed', user, {
      username,
      reason: 'wrong_password',
      failures: counted.failedLogins,
      ip: input.ip,
    });
    if (counted.failedLogins < policy.maxFailures) return { ok: false, reason: 'invalid' };
    const lockedUntil = new Date(Date.now() + policy.lockMs);
    await tx.user.update({ where: { id: user.id }, data: { failedLogins: 0, lockedUntil } });
    await audit(tx, userActor(user.id), 'user.lock', user, {
      username,
      failures: counted.failedLogins,
      lockedUntil: lockedUntil.toISOString(),
    });
    return { ok: false, reason: 'locked', lockedUntil };
  });
}

/** Whether `password` is the user's current one (a password change asks for it). */
export async function checkUserPassword(prisma: PrismaClient, id: string, password: string): Promise<boolean> {
  const user = await prisma.user.findUnique({ where: { id }, select: { passwordHash: true } });
  return user !== null && verifyPassword(user.passwordHash, password);
}
