import pLimit from 'p-limit';
import {
  EVIDENCE_PACKAGE_ENTITY,
  EVIDENCE_RECORDED_ACTION,
  type RecordedFile,
  type RecordedPackage,
} from '../core/evidence-ledger.js';
import { appendAudit } from '../db/audit.js';
import type { PrismaClient } from '../db/client.js';
import { evidenceOfViolation } from '../db/evidence.js';
import { digestBelow } from '../evidence/file-hash.js';

const BACKFILL_LOCK_KEY = 0x6d67_6266_696cn;

export interface BackfillRefusal {
  violationId: string;
  /** one line per file whose bytes are not what its evidence_files row says */
  problems: string[];
}

export interface BackfillResult {
  /** violations whose package got its `evidence.recorded` row now */
  recorded: string[];
  /** packages left unrecorded because their files no longer match their rows */
  refused: BackfillRefusal[];
}

/** Violations with evidence files and no `evidence.recorded` audit row, oldest first. */
async function unrecordedViolations(prisma: PrismaClient): Promise<{ id: string; runId: string }[]> {
  return prisma.$queryRaw`
    SELECT v.id, v.run_id AS "runId" FROM violations v
     WHERE EXISTS (SELECT FROM evidence_files e WHERE e.violation_id = v.id)
       AND NOT EXISTS (SELECT FROM audit_log a
                        WHERE a.entity_type = ${EVIDENCE_PACKAGE_ENTITY} AND a.entity_id = v.id::text
                          AND a.action = ${EVIDENCE_RECORDED_ACTION})
     ORDER BY v.created_at, v.id`;
}

/**
 * The one-off step for evidence stored before evidence hashes entered the audit chain (README: "Audit checkpoints"):
 * each such package gets its `evidence.recorded` row now, marked `backfilled`, once every file's bytes under
 * `evidenceRoot` match its evidence_files row. A package that does not match is refused and reported, not recorded:
 * recording it would vouch for the change. Running it again records nothing twice (a lock and a re-check per package).
 */
export async function backfillEvidenceRecords(input: {
  prisma: PrismaClient;
  evidenceRoot: string;
  actor: string;
}): Promise<BackfillResult> {
  const { prisma } = input;
  const result: BackfillResult = { recorded: [], refused: [] };
  const limit = pLimit(4);
  for (const violation of await unrecordedViolations(prisma)) {
    const files = await evidenceOfViolation(prisma, violation.id);
    const digests = await Promise.all(files.map((f) => limit(() => digestBelow(input.evidenceRoot, f.path))));
    const problems = files.flatMap((f, i) => {
      const disk = digests[i];
      if (!disk) return [`${f.path}: missing from the evidence store`];
      if (disk.sha256 !== f.sha256 || BigInt(disk.sizeBytes) !== f.sizeBytes) {
        return [
          `${f.path}: sha256 ${disk.sha256} (${disk.sizeBytes} bytes), its row says ${f.sha256} (${f.sizeBytes})`,
        ];
      }
      return [];
    });
    if (problems.length > 0) {
      result.refused.push({ violationId: violation.id, problems });
      continue;
    }
    const recordedFiles: RecordedFile[] = files.map((f) => ({
      id: f.id,
      role: f.role,
      path: f.path,
      sha256: f.sha256,
      sizeBytes: Number(f.sizeBytes),
    }));
    const details: RecordedPackage = {
      violationId: violation.id,
      runId: violation.runId,
      manifestSha256: files.find((f) => f.role === 'manifest')?.sha256 ?? null,
      files: recordedFiles,
      backfilled: true,
    };
    const written = await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BACKFILL_LOCK_KEY})`;
      const already = await tx.auditLog.findFirst({
        where: { action: EVIDENCE_RECORDED_ACTION, entityType: EVIDENCE_PACKAGE_ENTITY, entityId: violation.id },
        select: { id: true },
      });
      if (already) return false;
      await appendAudit(tx, {
        actor: input.actor,
        action: EVIDENCE_RECORDED_ACTION,
        entityType: EVIDENCE_PACKAGE_ENTITY,
        entityId: violation.id,
        details: { ...details },
      });
      return true;
    });
    if (written) result.recorded.push(violation.id);
  }
  return result;
}
