import type { FileDigest } from '../core/evidence-ledger.js';
import { evidenceOfViolation, recordedPackagesOf } from '../db/evidence.js';
import type { PrismaClient } from '../db/client.js';
import { HttpProblem } from './problem.js';
import { resolveInsideRoot } from './safe-path.js';

export type EvidenceProblem =
  | 'missing'
  | 'outside_root'
  | 'sha256_mismatch'
  | 'size_mismatch'
  /** the evidence_files row no longer says what the audit chain recorded when the package was stored */
  | 'row_altered'
  /** the audit chain recorded a file that has no evidence_files row any more */
  | 'row_missing';

export interface EvidenceMismatch {
  evidenceId: string;
  role: string;
  path: string;
  problem: EvidenceProblem;
  expected?: string;
  actual?: string;
}

export interface EvidenceIntegrity {
  violationId: string;
  ok: boolean;
  checked: number;
  mismatches: EvidenceMismatch[];
  /** sha256 of the package's manifest.json (which lists every file's hash), as the audit chain recorded it */
  packageSha256: string | null;
  /** whether an `evidence.recorded` audit row holds the package's hashes */
  recorded: boolean;
  /** recorded only by `npm run evidence:backfill`, after the package was stored: as the files were then */
  recordedByBackfill: boolean;
  checkedAt: Date;
}

/**
 * Checks a violation's evidence: each file's bytes against its evidence_files row, and each row against the
 * hashes the audit chain recorded when the package was stored (so a file changed together with its row shows
 * too). `digest` hashes one file: a fresh hash for an explicit verify, a cached one where a page is shown.
 */
export async function checkEvidence(
  prisma: PrismaClient,
  evidenceRoot: string,
  violationId: string,
  digest: (file: string) => Promise<FileDigest>,
): Promise<EvidenceIntegrity> {
  const [files, packages] = await Promise.all([
    evidenceOfViolation(prisma, violationId),
    recordedPackagesOf(prisma, violationId),
  ]);
  const recorded = new Map(packages.flatMap((p) => p.files.map((f) => [f.id, f] as const)));
  const mismatches: EvidenceMismatch[] = [];
  for (const file of files) {
    const base = { evidenceId: file.id, role: file.role, path: file.path };
    const ledger = recorded.get(file.id);
    recorded.delete(file.id);
    if (ledger && (ledger.sha256 !== file.sha256 || BigInt(ledger.sizeBytes) !== file.sizeBytes)) {
      mismatches.push({ ...base, problem: 'row_altered', expected: ledger.sha256, actual: file.sha256 });
    }
    const found = await resolveInsideRoot(evidenceRoot, file.path);
    if (!found.ok) {
      mismatches.push({ ...base, problem: found.reason === 'outside_root' ? 'outside_root' : 'missing' });
      continue;
    }
    const actual = await digest(found.file);
    if (actual.sha256 !== file.sha256) {
      mismatches.push({ ...base, problem: 'sha256_mismatch', expected: file.sha256, actual: actual.sha256 });
    } else if (BigInt(actual.sizeBytes) !== file.sizeBytes) {
      mismatches.push({
        ...base,
        problem: 'size_mismatch',
        expected: String(file.sizeBytes),
        actual: String(actual.sizeBytes),
      });
    }
  }
  for (const gone of recorded.values()) {
    mismatches.push({ evidenceId: gone.id, role: gone.role, path: gone.path, problem: 'row_missing' });
  }
  const manifestRow = files.find((f) => f.role === 'manifest');
  return {
    violationId,
    ok: mismatches.length === 0,
    checked: files.length,
    mismatches,
    packageSha256: packages.at(-1)?.manifestSha256 ?? manifestRow?.sha256 ?? null,
    recorded: packages.length > 0,
    recordedByBackfill: packages.length > 0 && packages.every((p) => p.backfilled === true),
    checkedAt: new Date(),
  };
}

export const EVIDENCE_INTEGRITY_FAILED = '/problems/evidence-integrity-failed';

/**
 * Why a violation whose evidence failed its check cannot be reviewed: 422 and not 409, since no reload or retry
 * resolves it; only restoring the evidence does. The mismatches go along so a client can say which file.
 */
export function integrityProblem(integrity: EvidenceIntegrity): HttpProblem {
  const which = integrity.mismatches
    .slice(0, 5)
    .map((m) => `${m.path} (${m.problem})`)
    .join(', ');
  return new HttpProblem(
    422,
    EVIDENCE_INTEGRITY_FAILED,
    `the evidence of violation ${integrity.violationId} failed verification and it cannot be reviewed until the evidence is restored: ${which}`,
    { violationId: integrity.violationId, mismatches: integrity.mismatches },
  );
}
