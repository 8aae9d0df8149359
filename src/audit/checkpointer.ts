import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import {
  CHECKPOINT_GENESIS,
  parseCheckpoints,
  signCheckpoint,
  type CheckpointLine,
  type SignedCheckpoint,
} from '../core/audit-checkpoint.js';
import { auditHash, GENESIS_HASH } from '../db/audit.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from '../db/client.js';
import type { Logger } from '../logger.js';
import { auditRows } from './chain-rows.js';
import { loadSigningKey, type SigningKey } from './signing-key.js';

/**
 * Writes signed checkpoints of the audit chain's head to a JSON-lines file outside the database
 * (core/audit-checkpoint.ts says what one holds and how it is checked).
 *
 * Who writes them: the API process (`npm start`, `npm run api`), not the analysis workers. The API runs all the
 * time and there is one per deployment, while workers are scaled out and stopped at will; the file sits with the
 * API, away from Postgres. Several API processes are still safe: a Postgres advisory lock lets one write at a
 * time, and each re-reads the file's last line first, so lines sharing a file never fork.
 *
 * When: once AUDIT_CHECKPOINT_EVERY rows are past the last checkpoint, or AUDIT_CHECKPOINT_SECONDS (10) after it
 * while any row is, checked as often (a cheap look at the newest row); and on shutdown. Rows past the last
 * checkpoint are the ones someone with write access to Postgres could cut unseen, so the window is kept short. Before signing, the
 * rows since the last checkpoint are checked to extend it, so a checkpoint never vouches for a chain that was cut
 * or rewritten.
 */

const CHECKPOINT_LOCK_KEY = 0x6d67_636b_7074n;
const TAIL_BYTES = 64 * 1024;
const MAX_POLL_MS = 10_000;

export interface CheckpointerOptions {
  prisma: PrismaClient;
  /** the JSON-lines file checkpoints are appended to */
  file: string;
  key: SigningKey;
  /** write one once this many audit rows are past the last checkpoint */
  everyEntries: number;
  /** and once this long has passed since the last checkpoint while any row is past it */
  everyMs: number;
  logger: Logger;
}

/** The file's last checkpoint; null for a file that does not exist or is empty. */
export async function readLastCheckpoint(file: string): Promise<CheckpointLine | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return null;
    const length = Math.min(size, TAIL_BYTES);
    const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
    const text = buffer.toString('utf8');
    if (!text.endsWith('\n')) throw new Error(`${file} ends with an incomplete line`);
    const lastLine = text.trimEnd().split('\n').at(-1) ?? '';
    const { lines, findings } = parseCheckpoints(lastLine);
    if (!lines[0] || findings.length > 0) {
      throw new Error(`${file}: the last line is not a checkpoint (${findings[0]?.detail ?? 'empty'})`);
    }
    return lines[0];
  } finally {
    await handle.close();
  }
}

async function appendLine(file: string, line: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const handle = await open(file, 'a', 0o644);
  try {
    await handle.write(`${line}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** The number of rows up to `headId`, having checked that the rows after the last checkpoint extend it. */
async function rowsUpTo(tx: Prisma.TransactionClient, last: CheckpointLine | null, headId: bigint): Promise<number> {
  let expectedPrev = last?.checkpoint.headHash ?? GENESIS_HASH;
  let count = last?.checkpoint.count ?? 0;
  for await (const row of auditRows(tx, { afterId: BigInt(last?.checkpoint.headId ?? 0), untilId: headId })) {
    if (row.prevHash !== expectedPrev || auditHash(row.prevHash, row) !== row.hash) {
      throw new Error(`audit row ${row.id} does not extend the chain from the last checkpoint; no checkpoint written`);
    }
    expectedPrev = row.hash;
    count++;
  }
  return count;
}

/**
 * Writes a checkpoint of the current head when one is due (`force`: whenever a row is past the last one).
 * Returns it, or null when none was due or another process holds the lock. Throws when the chain no longer holds
 * the last checkpoint's head with its hash, or does not extend it.
 */
export async function writeCheckpointIfDue(
  options: CheckpointerOptions,
  { force = false, now = new Date() }: { force?: boolean; now?: Date } = {},
): Promise<SignedCheckpoint | null> {
  return options.prisma.$transaction(
    async (tx) => {
      const [lock] = await tx.$queryRaw<{ locked: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(${CHECKPOINT_LOCK_KEY}) AS locked`;
      if (!lock?.locked) return null;
      const last = await readLastCheckpoint(options.file);
      if (last) {
        const anchored = await tx.auditLog.findUnique({
          where: { id: BigInt(last.checkpoint.headId) },
          select: { hash: true },
        });
        if (anchored?.hash !== last.checkpoint.headHash) {
          throw new Error(
            `audit row ${last.checkpoint.headId}, the last checkpoint's head, is ${anchored ? 'rewritten' : 'gone'}`,
          );
        }
      }
      const head = await tx.auditLog.findFirst({ orderBy: { id: 'desc' }, select: { id: true, hash: true } });
      if (!head || head.hash === last?.checkpoint.headHash) return null;
      if (last && !force) {
        const pending = await tx.auditLog.count({ where: { id: { gt: BigInt(last.checkpoint.headId) } } });
        const age = now.getTime() - Date.parse(last.checkpoint.at);
        if (pending < options.everyEntries && age < options.everyMs) return null;
      }
      const line = signCheckpoint(
        {
          v: 1,
          seq: (last?.checkpoint.seq ?? 0) + 1,
          headId: head.id.toString(),
          headHash: head.hash,
          count: await rowsUpTo(tx, last, head.id),
          at: now.toISOString(),
          prev: last?.lineHash ?? CHECKPOINT_GENESIS,
          keyId: options.key.keyId,
        },
        options.key.privateKey,
      );
      await appendLine(options.file, line);
      return JSON.parse(line) as SignedCheckpoint;
    },
    // The first checkpoint of an existing database walks its whole chain.
    { timeout: 10 * 60_000 },
  );
}

export interface Checkpointer {
  /** stops the timer and writes a last checkpoint of whatever is not anchored yet */
  close(): Promise<void>;
}

/** Checks every few seconds whether a checkpoint is due (and once at once, to anchor a chain that has none). */
export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  let running: Promise<void> | null = null;
  const tick = (force: boolean): Promise<void> => {
    running ??= writeCheckpointIfDue(options, { force })
      .then(
        (written) => {
          if (written) options.logger.info({ seq: written.seq, headId: written.headId }, 'audit checkpoint written');
        },
        (err: unknown) => options.logger.error({ err, file: options.file }, 'audit checkpoint not written'),
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void tick(false), Math.min(options.everyMs, MAX_POLL_MS));
  timer.unref();
  void tick(false);
  return {
    async close() {
      clearInterval(timer);
      if (running) await running;
      await tick(true);
    },
  };
}

/** The API process's checkpointer, configured from AUDIT_* (README: "Audit checkpoints"). */
export async function startAuditCheckpoints(deps: {
  prisma: PrismaClient;
  config: Config;
  logger: Logger;
}): Promise<Checkpointer> {
  const logger = deps.logger.child({ component: 'audit-checkpoints' });
  const key = await loadSigningKey({ pem: deps.config.AUDIT_SIGNING_KEY, dir: deps.config.AUDIT_KEY_DIR }, logger);
  return startCheckpointer({
    prisma: deps.prisma,
    file: deps.config.AUDIT_CHECKPOINT_FILE,
    key,
    everyEntries: deps.config.AUDIT_CHECKPOINT_EVERY,
    everyMs: deps.config.AUDIT_CHECKPOINT_SECONDS * 1000,
    logger,
  });
}
