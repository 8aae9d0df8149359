import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';

/** A case file handed out: part of the chain of custody, like every evidence download. */
export async function recordCaseFileDownload(
  prisma: PrismaClient,
  input: {
    actor: string;
    violationId: string;
    /** sha256 of the case file's case-file.json, the bytes its signature covers (it pins every other file) */
    caseFileSha256: string;
    zipSha256: string;
    packageSha256: string;
    keyId: string;
    requestId: string;
  },
): Promise<void> {
  await prisma.$transaction((tx) =>
    appendAudit(tx, {
      actor: input.actor,
      action: 'case_file.download',
      entityType: 'violation',
      entityId: input.violationId,
      details: {
        caseFileSha256: input.caseFileSha256,
        zipSha256: input.zipSha256,
        packageSha256: input.packageSha256,
        keyId: input.keyId,
        requestId: input.requestId,
      },
    }),
  );
}
