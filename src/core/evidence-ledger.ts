import { z } from 'zod';
import type { AuditFinding } from './audit-checkpoint.js';

/**
 * Evidence hashes in the audit chain. When a violation's package is stored, an audit row (action
 * `evidence.recorded`) lists every file of it with its id, path, sha256 and size. The chain, anchored by signed
 * checkpoints, then holds the hashes the evidence had when it was made: changing a file together with its
 * evidence_files row, or deleting both, no longer leaves a consistent picture.
 */

export const EVIDENCE_RECORDED_ACTION = 'evidence.recorded';
export const EVIDENCE_PACKAGE_ENTITY = 'evidence_package';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const recordedFile = z.strictObject({
  id: z.uuid(),
  role: z.string().min(1),
  path: z.string().min(1),
  sha256: hex64,
  sizeBytes: z.number().int().min(0),
});

/** The details of an `evidence.recorded` audit row. */
export const recordedPackage = z.strictObject({
  violationId: z.uuid(),
  runId: z.uuid(),
  /** sha256 of the package's manifest.json (itself listing every file's hash); null when the package has none */
  manifestSha256: hex64.nullable(),
  files: z.array(recordedFile),
  /**
   * written by `npm run evidence:backfill` for a package stored before evidence was recorded: the hashes are those
   * the files had at the backfill (checked against their evidence_files rows), not necessarily when they were made
   */
  backfilled: z.literal(true).optional(),
});

export type RecordedFile = z.infer<typeof recordedFile>;
export type RecordedPackage = z.infer<typeof recordedPackage>;

/** An evidence_files row as the ledger needs it. */
export interface EvidenceRow {
  id: string;
  path: string;
  sha256: string;
  sizeBytes: number;
}

export interface FileDigest {
  sha256: string;
  sizeBytes: number;
}

/** The files of one `evidence.recorded` audit row. */
export interface RecordedEntry {
  auditId: string;
  files: readonly RecordedFile[];
}

/** Which file each path holds: its digest, or null when no file is there. */
export type DiskDigests = ReadonlyMap<string, FileDigest | null>;

/** Every path whose bytes `reconcileEvidence` compares: recorded paths and the paths of rows no audit row records. */
export function pathsToHash(recorded: readonly RecordedEntry[], rows: readonly EvidenceRow[]): Set<string> {
  const recordedIds = new Set(recorded.flatMap((r) => r.files.map((f) => f.id)));
  return new Set([
    ...recorded.flatMap((r) => r.files.map((f) => f.path)),
    ...rows.filter((r) => !recordedIds.has(r.id)).map((r) => r.path),
  ]);
}

function diskFinding(path: string, expected: FileDigest, disk: DiskDigests, source: string): AuditFinding | null {
  const found = disk.get(path);
  if (!found) {
    return { code: 'evidence_file_missing', where: path, detail: `the file ${source} records is not in the store` };
  }
  if (found.sha256 !== expected.sha256 || found.sizeBytes !== expected.sizeBytes) {
    return {
      code: 'evidence_file_altered',
      where: path,
      detail: `sha256 ${found.sha256} (${found.sizeBytes} bytes), ${source} records ${expected.sha256} (${expected.sizeBytes} bytes)`,
    };
  }
  return null;
}

/**
 * Compares the evidence the audit chain recorded with the evidence_files rows and the bytes on disk. The audit
 * record is the reference: a row gone, a row whose hash, size or path differs, or a file whose bytes differ is a
 * finding; so is a row no audit row records (it was inserted afterwards, or predates evidence recording) and a file
 * recorded twice with different content.
 */
export function reconcileEvidence(
  recorded: readonly RecordedEntry[],
  rows: readonly EvidenceRow[],
  disk: DiskDigests,
): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const rowsById = new Map(rows.map((r) => [r.id, r]));
  const seen = new Map<string, RecordedFile>();
  for (const entry of recorded) {
    for (const file of entry.files) {
      const where = `evidence ${file.id} (${file.path})`;
      const earlier = seen.get(file.id);
      if (earlier) {
        if (earlier.sha256 !== file.sha256 || earlier.path !== file.path || earlier.sizeBytes !== file.sizeBytes) {
          findings.push({
            code: 'evidence_recorded_twice',
            where,
            detail: `audit row ${entry.auditId} records the file again with other content`,
          });
        }
        continue;
      }
      seen.set(file.id, file);
      const row = rowsById.get(file.id);
      if (!row) {
        findings.push({
          code: 'evidence_row_missing',
          where,
          detail: `recorded by audit row ${entry.auditId}, gone from evidence_files`,
        });
      } else if (row.sha256 !== file.sha256 || row.sizeBytes !== file.sizeBytes || row.path !== file.path) {
        findings.push({
          code: 'evidence_row_altered',
          where,
          detail: `the row says ${row.path} ${row.sha256} (${row.sizeBytes} bytes), audit row ${entry.auditId} recorded ${file.path} ${file.sha256} (${file.sizeBytes} bytes)`,
        });
      }
      const onDisk = diskFinding(file.path, file, disk, `audit row ${entry.auditId}`);
      if (onDisk) findings.push({ ...onDisk, where });
    }
  }
  for (const row of rows) {
    if (seen.has(row.id)) continue;
    const where = `evidence ${row.id} (${row.path})`;
    findings.push({ code: 'evidence_unrecorded', where, detail: 'no audit row records this evidence file' });
    const onDisk = diskFinding(row.path, row, disk, 'its evidence_files row');
    if (onDisk) findings.push({ ...onDisk, where });
  }
  return findings;
}
