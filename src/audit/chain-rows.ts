import type { AuditLog, Prisma } from '../generated/prisma/client.js';
import type { PrismaClient } from '../db/client.js';

/** Audit rows in id order after `afterId` (and up to `untilId` when given), read in batches so any chain fits in memory. */
export async function* auditRows(
  db: PrismaClient | Prisma.TransactionClient,
  range: { afterId: bigint; untilId?: bigint },
  batchSize = 1000,
): AsyncGenerator<AuditLog> {
  let after = range.afterId;
  for (;;) {
    const rows = await db.auditLog.findMany({
      where: { id: range.untilId === undefined ? { gt: after } : { gt: after, lte: range.untilId } },
      orderBy: { id: 'asc' },
      take: batchSize,
    });
    yield* rows;
    if (rows.length < batchSize) return;
    after = rows[rows.length - 1]!.id;
  }
}
