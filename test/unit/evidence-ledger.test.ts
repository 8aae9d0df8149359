import { describe, expect, it } from 'vitest';
import {
  pathsToHash,
  reconcileEvidence,
  recordedPackage,
  type EvidenceRow,
  type FileDigest,
  type RecordedEntry,
} from '../../src/core/evidence-ledger.js';

const CLIP = '9b2f4c1e-7d3a-4e8b-9c0d-1a2b3c4d5e6f';
const PLATE = '0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5';
const hash = (c: string) => c.repeat(64);

const recorded: RecordedEntry[] = [
  {
    auditId: '12',
    files: [
      { id: CLIP, role: 'clip', path: 'cam/clip.mp4', sha256: hash('a'), sizeBytes: 100 },
      { id: PLATE, role: 'plate_crop', path: 'cam/plate.png', sha256: hash('b'), sizeBytes: 10 },
    ],
  },
];
const rows: EvidenceRow[] = [
  { id: CLIP, path: 'cam/clip.mp4', sha256: hash('a'), sizeBytes: 100 },
  { id: PLATE, path: 'cam/plate.png', sha256: hash('b'), sizeBytes: 10 },
];
const disk = new Map<string, FileDigest | null>([
  ['cam/clip.mp4', { sha256: hash('a'), sizeBytes: 100 }],
  ['cam/plate.png', { sha256: hash('b'), sizeBytes: 10 }],
]);

describe('the evidence ledger', () => {
  it('finds nothing when the audit record, the rows and the bytes agree', () => {
    expect(reconcileEvidence(recorded, rows, disk)).toEqual([]);
    expect(pathsToHash(recorded, rows)).toEqual(new Set(['cam/clip.mp4', 'cam/plate.png']));
  });

  it('finds a file changed together with its row', () => {
    const changed = { sha256: hash('f'), sizeBytes: 100 };
    const found = reconcileEvidence(
      recorded,
      [{ ...rows[0]!, ...changed }, rows[1]!],
      new Map([...disk, ['cam/clip.mp4', changed]]),
    );
    expect(found.map((f) => [f.code, f.where])).toEqual([
      ['evidence_row_altered', `evidence ${CLIP} (cam/clip.mp4)`],
      ['evidence_file_altered', `evidence ${CLIP} (cam/clip.mp4)`],
    ]);
  });

  it('finds a row deleted with its file', () => {
    const found = reconcileEvidence(recorded, [rows[0]!], new Map([...disk, ['cam/plate.png', null]]));
    expect(found.map((f) => f.code)).toEqual(['evidence_row_missing', 'evidence_file_missing']);
  });

  it('finds a row no audit row records, checks its bytes against the row, and a file recorded twice', () => {
    const extra = {
      id: 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6',
      path: 'cam/extra.jpg',
      sha256: hash('c'),
      sizeBytes: 5,
    };
    expect(pathsToHash(recorded, [...rows, extra]).has('cam/extra.jpg')).toBe(true);
    const found = reconcileEvidence(
      [...recorded, { auditId: '40', files: [{ ...recorded[0]!.files[0]!, sha256: hash('d') }] }],
      [...rows, extra],
      new Map([...disk, ['cam/extra.jpg', { sha256: hash('9'), sizeBytes: 5 }]]),
    );
    expect(found.map((f) => f.code)).toEqual([
      'evidence_recorded_twice',
      'evidence_unrecorded',
      'evidence_file_altered',
    ]);
  });

  it('reads the details an evidence.recorded audit row holds, and refuses others', () => {
    const details = { violationId: CLIP, runId: PLATE, manifestSha256: null, files: recorded[0]!.files };
    expect(recordedPackage.safeParse(details).success).toBe(true);
    expect(recordedPackage.safeParse({ ...details, files: [{ ...details.files[0], sha256: 'x' }] }).success).toBe(
      false,
    );
  });
});
