import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import {
  checkCheckpoints,
  keyIdOf,
  parseCheckpoints,
  type AuditFinding,
  type ObservedHead,
} from '../core/audit-checkpoint.js';
import {
  EVIDENCE_RECORDED_ACTION,
  pathsToHash,
  reconcileEvidence,
  recordedPackage,
  type FileDigest,
  type RecordedEntry,
} from '../core/evidence-ledger.js';
import { auditHash, GENESIS_HASH } from '../db/audit.js';
import type { PrismaClient } from '../db/client.js';
import { digestBelow } from '../evidence/file-hash.js';
import { auditRows } from './chain-rows.js';

export interface AnchoredVerification {
  ok: boolean;
  findings: AuditFinding[];
  auditRows: number;
  checkpoints: number;
  /** audit rows after the last checkpoint's head: not anchored yet, so cutting them would not show */
  unanchoredRows: number;
  /** the ids of the first and last of them (inclusive); null when every row is anchored */
  unanchoredRange: { firstId: string; lastId: string } | null;
  evidenceFiles: number;
}

/**
 * The offline verification (`npm run audit:verify`): the chain's links, the signed checkpoints against the chain,
 * and the evidence the chain recorded against the evidence_files rows and the bytes under `evidenceRoot`.
 */
export async function verifyAnchored(input: {
  prisma: PrismaClient;
  checkpointFile: string;
  publicKeys: readonly KeyObject[];
  evidenceRoot: string;
}): Promise<AnchoredVerification> {
  const { prisma } = input;
  const findings: AuditFinding[] = [];
  let text = '';
  try {
    text = await readFile(input.checkpointFile, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const parsed = parseCheckpoints(text);
  findings.push(...parsed.findings);

  // One pass over the chain: its links, the rows at checkpointed heads with the count up to each, and the
  // evidence it recorded.
  const wanted = [...new Set(parsed.lines.map((l) => BigInt(l.checkpoint.headId)))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const heads = new Map<string, ObservedHead>();
  const recorded: RecordedEntry[] = [];
  let expectedPrev = GENESIS_HASH;
  let total = 0;
  let next = 0;
  const lastHead = parsed.lines.at(-1)?.checkpoint;
  const anchoredUpTo = BigInt(lastHead?.headId ?? 0);
  let unanchoredRows = 0;
  let unanchoredRange = null as AnchoredVerification['unanchoredRange'];
  for await (const row of auditRows(prisma, { afterId: 0n })) {
    const where = `audit row ${row.id}`;
    if (row.prevHash !== expectedPrev) {
      findings.push({
        code: 'chain_link_broken',
        where,
        detail: 'prev_hash does not match the previous row: a row was removed or inserted before it',
      });
    }
    if (auditHash(row.prevHash, row) !== row.hash) {
      findings.push({ code: 'chain_row_altered', where, detail: 'the hash does not match the row content' });
    }
    expectedPrev = row.hash;
    total++;
    if (row.id > anchoredUpTo) {
      unanchoredRows++;
      unanchoredRange = { firstId: unanchoredRange?.firstId ?? row.id.toString(), lastId: row.id.toString() };
    }
    for (; next < wanted.length && wanted[next]! <= row.id; next++) {
      const id = wanted[next]!;
      heads.set(
        id.toString(),
        id === row.id ? { hash: row.hash, countUpTo: total } : { hash: null, countUpTo: total - 1 },
      );
    }
    if (row.action === EVIDENCE_RECORDED_ACTION) {
      const details = recordedPackage.safeParse(row.details);
      if (details.success) recorded.push({ auditId: row.id.toString(), files: details.data.files });
      else findings.push({ code: 'evidence_record_unreadable', where, detail: details.error.issues[0]?.message ?? '' });
    }
  }
  for (const id of wanted.slice(next)) heads.set(id.toString(), { hash: null, countUpTo: total });

  const keys = new Map(input.publicKeys.map((k) => [keyIdOf(k), k]));
  findings.push(...checkCheckpoints(parsed.lines, keys, heads, total));

  const rows = (
    await prisma.evidenceFile.findMany({ select: { id: true, path: true, sha256: true, sizeBytes: true } })
  ).map((r) => ({ ...r, sizeBytes: Number(r.sizeBytes) }));
  const disk = new Map<string, FileDigest | null>();
  const limit = pLimit(4);
  await Promise.all(
    [...pathsToHash(recorded, rows)].map((rel) =>
      limit(async () => disk.set(rel, await digestBelow(input.evidenceRoot, rel))),
    ),
  );
  findings.push(...reconcileEvidence(recorded, rows, disk));

  return {
    ok: findings.length === 0,
    findings,
    auditRows: total,
    checkpoints: parsed.lines.length,
    unanchoredRows,
    unanchoredRange,
    evidenceFiles: rows.length,
  };
}
