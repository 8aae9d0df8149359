import {
  EVIDENCE_PACKAGE_ENTITY,
  EVIDENCE_RECORDED_ACTION,
  recordedPackage,
  type FileDigest,
  type RecordedFile,
  type RecordedPackage,
} from '../core/evidence-ledger.js';
import type { EvidenceFile } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';

export function getEvidenceFile(prisma: PrismaClient, id: string): Promise<EvidenceFile | null> {
  return prisma.evidenceFile.findUnique({ where: { id } });
}

export function evidenceOfViolation(prisma: PrismaClient, violationId: string): Promise<EvidenceFile[]> {
  return prisma.evidenceFile.findMany({ where: { violationId }, orderBy: [{ role: 'asc' }, { createdAt: 'asc' }] });
}

/** Who fetched which evidence bytes: each download is part of the chain of custody. */
export async function recordEvidenceDownload(
  prisma: PrismaClient,
  input: { actor: string; file: EvidenceFile; range: string | null; requestId: string },
): Promise<void> {
  await prisma.$transaction((tx) =>
    appendAudit(tx, {
      actor: input.actor,
      action: 'evidence.download',
      entityType: 'evidence_file',
      entityId: input.file.id,
      details: {
        violationId: input.file.violationId,
        role: input.file.role,
        sha256: input.file.sha256,
        range: input.range,
        requestId: input.requestId,
      },
    }),
  );
}

/** The packages the audit chain recorded for a violation, oldest first (a rerun's package is recorded anew). */
export async function recordedPackagesOf(prisma: PrismaClient, violationId: string): Promise<RecordedPackage[]> {
  const rows = await prisma.auditLog.findMany({
    where: { action: EVIDENCE_RECORDED_ACTION, entityType: EVIDENCE_PACKAGE_ENTITY, entityId: violationId },
    orderBy: { id: 'asc' },
    select: { details: true },
  });
  return rows.flatMap((row) => {
    const parsed = recordedPackage.safeParse(row.details);
    return parsed.success ? [parsed.data] : [];
  });
}

/** What the audit chain recorded for this file when its package was stored; null when no audit row records it. */
export async function recordedEvidenceFile(prisma: PrismaClient, file: EvidenceFile): Promise<RecordedFile | null> {
  for (const pkg of await recordedPackagesOf(prisma, file.violationId)) {
    const recorded = pkg.files.find((f) => f.id === file.id);
    if (recorded) return recorded;
  }
  return null;
}

/** A file refused because its bytes, or its row, no longer match what was recorded. */
export async function recordEvidenceTampered(
  prisma: PrismaClient,
  input: { actor: string; file: EvidenceFile; actual: FileDigest; recorded: RecordedFile | null; requestId: string },
): Promise<void> {
  await prisma.$transaction((tx) =>
    appendAudit(tx, {
      actor: input.actor,
      action: 'evidence.tampered',
      entityType: 'evidence_file',
      entityId: input.file.id,
      details: {
        violationId: input.file.violationId,
        role: input.file.role,
        rowSha256: input.file.sha256,
        recordedSha256: input.recorded?.sha256 ?? null,
        actualSha256: input.actual.sha256,
        actualSizeBytes: input.actual.sizeBytes,
        requestId: input.requestId,
      },
    }),
  );
}
