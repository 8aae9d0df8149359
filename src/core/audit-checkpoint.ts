import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from './canonical-json.js';

/**
 * Signed checkpoints of the audit chain, kept outside the database: one JSON line per checkpoint naming the chain's
 * head (id and hash) and how many rows lead up to it. A row rewritten, cut from the end or removed before a
 * checkpointed head then shows, even when the attacker recomputed every hash in Postgres, because the checkpoint
 * was signed (Ed25519) with a key the database never held. Checkpoints chain among themselves too (`seq`, and
 * `prev` = sha256 of the previous line), so a line removed from the middle of the file shows.
 */

export const CHECKPOINT_GENESIS = '0'.repeat(64);

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

const checkpointBody = z.strictObject({
  v: z.literal(1),
  seq: z.number().int().min(1),
  /** the audit_log id of the chain's head (a BIGINT, hence a string) */
  headId: z.string().regex(/^[1-9]\d{0,18}$/),
  headHash: hex64,
  /** audit rows with an id up to headId */
  count: z.number().int().min(1),
  at: z.iso.datetime(),
  prev: hex64,
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
});

const signedCheckpoint = checkpointBody.extend({ sig: z.base64() });

export type CheckpointBody = z.infer<typeof checkpointBody>;
export type SignedCheckpoint = z.infer<typeof signedCheckpoint>;

/** A checkpoint as read from its file: its 1-based line number and the sha256 of the line's text. */
export interface CheckpointLine {
  line: number;
  lineHash: string;
  checkpoint: SignedCheckpoint;
}

export type FindingCode =
  | 'checkpoint_unreadable'
  | 'checkpoint_unknown_key'
  | 'checkpoint_bad_signature'
  | 'checkpoint_sequence_broken'
  | 'no_checkpoint'
  | 'checkpointed_row_missing'
  | 'checkpointed_row_rewritten'
  | 'checkpoint_count_mismatch'
  | 'chain_link_broken'
  | 'chain_row_altered'
  | 'evidence_record_unreadable'
  | 'evidence_recorded_twice'
  | 'evidence_row_missing'
  | 'evidence_row_altered'
  | 'evidence_unrecorded'
  | 'evidence_file_missing'
  | 'evidence_file_altered';

/** One thing the offline verification found wrong; `where` names the line, audit row or evidence file. */
export interface AuditFinding {
  code: FindingCode;
  where: string;
  detail: string;
}

/** A short, stable name for a public key: the first 16 hex digits of the sha256 of its SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export function lineHashOf(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/** The checkpoint's line (no newline): canonical JSON of the body plus `sig`, the Ed25519 signature of the body's canonical JSON. */
export function signCheckpoint(body: CheckpointBody, privateKey: KeyObject): string {
  const sig = sign(null, Buffer.from(canonicalJson(body), 'utf8'), privateKey).toString('base64');
  return canonicalJson({ ...body, sig });
}

function signatureHolds(checkpoint: SignedCheckpoint, publicKey: KeyObject): boolean {
  const { sig, ...body } = checkpoint;
  return verify(null, Buffer.from(canonicalJson(body), 'utf8'), publicKey, Buffer.from(sig, 'base64'));
}

/** The checkpoints of a file's text, and a finding for every non-empty line that is not one. */
export function parseCheckpoints(text: string): { lines: CheckpointLine[]; findings: AuditFinding[] } {
  const lines: CheckpointLine[] = [];
  const findings: AuditFinding[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let parsed: ReturnType<typeof signedCheckpoint.safeParse>;
    try {
      parsed = signedCheckpoint.safeParse(JSON.parse(raw));
    } catch {
      findings.push({ code: 'checkpoint_unreadable', where: `line ${i + 1}`, detail: 'not JSON' });
      return;
    }
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const detail = issue ? `${issue.path.join('.') || 'line'}: ${issue.message}` : 'not a checkpoint';
      findings.push({ code: 'checkpoint_unreadable', where: `line ${i + 1}`, detail });
      return;
    }
    lines.push({ line: i + 1, lineHash: lineHashOf(raw), checkpoint: parsed.data });
  });
  return { lines, findings };
}

/** What the database holds now at one checkpointed head. */
export interface ObservedHead {
  /** the hash of the row with that id; null when no such row exists */
  hash: string | null;
  /** rows with an id up to and including the head's */
  countUpTo: number;
}

/**
 * Checks the checkpoints against each other and against the chain as it is now: each signature, the sequence of
 * lines (seq, prev, heads and counts never going back), and at each head the same row hash and the same number of
 * rows up to it. A checkpoint whose signature fails is not compared with the chain: its content cannot be trusted.
 */
export function checkCheckpoints(
  lines: readonly CheckpointLine[],
  publicKeys: ReadonlyMap<string, KeyObject>,
  heads: ReadonlyMap<string, ObservedHead>,
  totalRows: number,
): AuditFinding[] {
  const findings: AuditFinding[] = [];
  if (lines.length === 0 && totalRows > 0) {
    findings.push({
      code: 'no_checkpoint',
      where: 'checkpoint file',
      detail: `the chain has ${totalRows} rows and none of them is anchored by a checkpoint`,
    });
  }
  let previous: CheckpointLine | undefined;
  for (const current of lines) {
    const { checkpoint: c } = current;
    const where = `line ${current.line} (seq ${c.seq})`;
    const key = publicKeys.get(c.keyId);
    const trusted = key !== undefined && signatureHolds(c, key);
    if (!key) {
      findings.push({ code: 'checkpoint_unknown_key', where, detail: `signed by key ${c.keyId}, not one given` });
    } else if (!trusted) {
      findings.push({ code: 'checkpoint_bad_signature', where, detail: 'the signature does not match the content' });
    }
    const expectedSeq = (previous?.checkpoint.seq ?? 0) + 1;
    const expectedPrev = previous?.lineHash ?? CHECKPOINT_GENESIS;
    if (c.seq !== expectedSeq || c.prev !== expectedPrev) {
      findings.push({
        code: 'checkpoint_sequence_broken',
        where,
        detail: `expected seq ${expectedSeq} following the previous line; a checkpoint line was removed, inserted or edited`,
      });
    } else if (
      previous &&
      (BigInt(c.headId) < BigInt(previous.checkpoint.headId) || c.count < previous.checkpoint.count)
    ) {
      findings.push({ code: 'checkpoint_sequence_broken', where, detail: 'head id or row count went backwards' });
    }
    previous = current;
    if (!trusted) continue;

    const observed = heads.get(c.headId);
    if (!observed || observed.hash === null) {
      findings.push({
        code: 'checkpointed_row_missing',
        where,
        detail: `audit row ${c.headId}, the checkpointed head, is gone: the chain was cut`,
      });
    } else if (observed.hash !== c.headHash) {
      findings.push({
        code: 'checkpointed_row_rewritten',
        where,
        detail: `audit row ${c.headId} has hash ${observed.hash}, checkpointed ${c.headHash}: the chain was rewritten`,
      });
    }
    if (observed && observed.countUpTo !== c.count) {
      findings.push({
        code: 'checkpoint_count_mismatch',
        where,
        detail: `${observed.countUpTo} audit rows up to id ${c.headId}, checkpointed ${c.count}: rows were removed or inserted`,
      });
    }
  }
  return findings;
}
