import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical-json.js';
import type { AuditLog, Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from './client.js';

/**
 * Tamper-evident audit trail: each row stores the previous row's hash and sha256(prevHash + canonical JSON of
 * its own content, src/core/canonical-json.ts), so editing, inserting or deleting a row in the middle
 * breaks every later link. The table is append-only (a trigger in the migration rejects UPDATE/DELETE).
 */

export const GENESIS_HASH = '0'.repeat(64);

/** Serialises appenders so two transactions never chain onto the same previous row. */
const AUDIT_CHAIN_LOCK_KEY = 0x6d67_6175_6469_74n;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };

export interface AuditEntry {
  actor: string;
  action: string;
  entityType: string;
  entityId?: string | null;
  details: { [key: string]: JsonValue | undefined };
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** Id of the first row that does not fit the chain (string: the column is a BIGINT). */
  firstBadId?: string;
  reason?: string;
}

export function auditHash(
  prevHash: string,
  row: {
    createdAt: Date;
    actor: string;
    action: string;
    entityType: string;
    entityId: string | null;
    details: unknown;
  },
): string {
  const content = canonicalJson({
    createdAt: row.createdAt.toISOString(),
    actor: row.actor,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    details: row.details,
  });
  return createHash('sha256')
    .update(prevHash + content, 'utf8')
    .digest('hex');
}

/**
 * Appends one row inside the caller's transaction, so the audit row commits or rolls back with the change it
 * records. Callers must use the default READ COMMITTED isolation: the previous hash is read after taking the lock.
 */
export async function appendAudit(tx: Prisma.TransactionClient, entry: AuditEntry): Promise<AuditLog> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`;
  const last = await tx.auditLog.findFirst({ orderBy: { id: 'desc' }, select: { hash: true } });
  const prevHash = last?.hash ?? GENESIS_HASH;
  const details = JSON.parse(canonicalJson(entry.details)) as Prisma.InputJsonObject;
  const row = {
    createdAt: new Date(),
    actor: entry.actor,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    details,
  };
  return tx.auditLog.create({ data: { ...row, prevHash, hash: auditHash(prevHash, row) } });
}

/** Walks the whole chain in id order and reports the first row that was altered, inserted or follows a gap. */
export async function verifyAuditChain(prisma: PrismaClient, batchSize = 1000): Promise<AuditVerification> {
  let expectedPrev = GENESIS_HASH;
  let checked = 0;
  let after: bigint | undefined;
  for (;;) {
    const rows = await prisma.auditLog.findMany({
      where: after === undefined ? {} : { id: { gt: after } },
      orderBy: { id: 'asc' },
      take: batchSize,
    });
    for (const row of rows) {
      if (row.prevHash !== expectedPrev) {
        return {
          ok: false,
          checked,
          firstBadId: row.id.toString(),
          reason: 'prev_hash does not match the previous row: a row was removed or inserted',
        };
      }
      if (auditHash(row.prevHash, row) !== row.hash) {
        return {
          ok: false,
          checked,
          firstBadId: row.id.toString(),
          reason: 'hash does not match the row content: the row was altered',
        };
      }
      expectedPrev = row.hash;
      checked++;
    }
    if (rows.length < batchSize) return { ok: true, checked };
    after = rows[rows.length - 1]!.id;
  }
}

/** One audit row about a case, with whether it still fits the chain around it. */
export interface CaseAuditEntry extends AuditLog {
  /** the label of the API key that acted, when an API key did */
  actorLabel: string | null;
  /** its hash recomputes from its content, it links to the row before it, and the row after links to it */
  linked: boolean;
}

/**
 * The audit rows about one violation, newest first: its views, reviews and stored package, and the downloads and
 * tamper refusals of its evidence files. Each row is checked against its neighbours in the chain (not the whole
 * chain, which `verifyAuditChain` walks), so a case's own history shows an edited, inserted or removed row.
 */
export async function caseAuditTrail(
  prisma: PrismaClient,
  violationId: string,
  limit: number,
): Promise<CaseAuditEntry[]> {
  const rows = await prisma.$queryRaw<
    (AuditLog & { actorLabel: string | null; beforeHash: string | null; afterPrevHash: string | null })[]
  >`
    SELECT a.id, a.created_at AS "createdAt", a.actor, a.action, a.entity_type AS "entityType",
           a.entity_id AS "entityId", a.details, a.prev_hash AS "prevHash", a.hash,
           (SELECT k.label FROM api_keys k WHERE 'api-key:' || k.id::text = a.actor) AS "actorLabel",
           (SELECT b.hash FROM audit_log b WHERE b.id < a.id ORDER BY b.id DESC LIMIT 1) AS "beforeHash",
           (SELECT n.prev_hash FROM audit_log n WHERE n.id > a.id ORDER BY n.id ASC LIMIT 1) AS "afterPrevHash"
      FROM audit_log a
     WHERE (a.entity_type, a.entity_id) IN (('violation', ${violationId}), ('evidence_package', ${violationId}))
        OR (a.entity_type = 'evidence_file'
            AND a.entity_id IN (SELECT e.id::text FROM evidence_files e WHERE e.violation_id = ${violationId}::uuid))
     ORDER BY a.id DESC
     LIMIT ${limit}`;
  return rows.map(({ beforeHash, afterPrevHash, ...row }) => ({
    ...row,
    linked:
      auditHash(row.prevHash, row) === row.hash &&
      row.prevHash === (beforeHash ?? GENESIS_HASH) &&
      (afterPrevHash === null || afterPrevHash === row.hash),
  }));
}
