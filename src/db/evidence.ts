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
