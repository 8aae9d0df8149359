import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CHECKPOINT_GENESIS,
  checkCheckpoints,
  keyIdOf,
  lineHashOf,
  parseCheckpoints,
  signCheckpoint,
  type CheckpointBody,
  type ObservedHead,
} from '../../src/core/audit-checkpoint.js';

const signer = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const keyId = keyIdOf(signer.publicKey);
const keys = new Map([[keyId, signer.publicKey]]);
const hash = (c: string) => c.repeat(64);

/** A file of checkpoints at heads 3 (hash a, 3 rows) and 7 (hash b, 6 rows), chained as the writer chains them. */
function file(edit: (bodies: CheckpointBody[]) => void = () => {}, key = signer.privateKey): string[] {
  const bodies: CheckpointBody[] = [
    { v: 1, seq: 1, headId: '3', headHash: hash('a'), count: 3, at: '2026-12-04T10:00:00.000Z', prev: '', keyId },
    { v: 1, seq: 2, headId: '7', headHash: hash('b'), count: 6, at: '2026-12-04T10:05:00.000Z', prev: '', keyId },
  ];
  edit(bodies);
  const lines: string[] = [];
  for (const body of bodies) {
    const prev = lines.length === 0 ? CHECKPOINT_GENESIS : lineHashOf(lines.at(-1)!);
    lines.push(signCheckpoint({ ...body, prev: body.prev || prev }, key));
  }
  return lines;
}

const intact = new Map<string, ObservedHead>([
  ['3', { hash: hash('a'), countUpTo: 3 }],
  ['7', { hash: hash('b'), countUpTo: 6 }],
]);

function check(lines: string[], heads = intact, total = 9, publicKeys = keys) {
  const parsed = parseCheckpoints(`${lines.join('\n')}\n`);
  return [...parsed.findings, ...checkCheckpoints(parsed.lines, publicKeys, heads, total)];
}

describe('audit checkpoints', () => {
  it('finds nothing wrong with intact checkpoints of an intact chain', () => {
    expect(check(file())).toEqual([]);
  });

  it('names the key by the sha256 of its public half', () => {
    expect(keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(keyIdOf(other.publicKey)).not.toBe(keyId);
  });

  it('finds a checkpoint line edited after signing, and one signed by a key not given', () => {
    const lines = file();
    const forged = lines[1]!.replace(hash('b'), hash('c'));
    expect(check([lines[0]!, forged], new Map([...intact, ['7', { hash: hash('c'), countUpTo: 6 }]]))).toEqual([
      expect.objectContaining({ code: 'checkpoint_bad_signature', where: 'line 2 (seq 2)' }),
    ]);
    expect(
      check(file((b) => b.forEach((body) => (body.keyId = keyIdOf(other.publicKey))), other.privateKey)).map(
        (f) => f.code,
      ),
    ).toEqual(['checkpoint_unknown_key', 'checkpoint_unknown_key']);
  });

  it('finds a line removed from the middle of the file and heads going backwards', () => {
    const lines = file((b) => b.push({ ...b[1]!, seq: 3, headId: '9', count: 8 }));
    expect(check([lines[0]!, lines[2]!], new Map([...intact, ['9', { hash: hash('b'), countUpTo: 8 }]]))).toEqual([
      expect.objectContaining({ code: 'checkpoint_sequence_broken', where: 'line 2 (seq 3)' }),
    ]);
    const backwards = file((b) => (b[1] = { ...b[1]!, headId: '2', count: 2 }));
    expect(check(backwards, new Map([...intact, ['2', { hash: hash('b'), countUpTo: 2 }]]))).toEqual([
      expect.objectContaining({ code: 'checkpoint_sequence_broken', detail: 'head id or row count went backwards' }),
    ]);
  });

  it('finds the checkpointed head gone: the newest rows were cut', () => {
    const heads = new Map([...intact, ['7', { hash: null, countUpTo: 5 }]]);
    expect(check(file(), heads, 5).map((f) => f.code)).toEqual([
      'checkpointed_row_missing',
      'checkpoint_count_mismatch',
    ]);
  });

  it('finds the checkpointed head with another hash: the chain was rewritten with recomputed hashes', () => {
    const heads = new Map([...intact, ['7', { hash: hash('e'), countUpTo: 6 }]]);
    expect(check(file(), heads)).toEqual([
      expect.objectContaining({ code: 'checkpointed_row_rewritten', where: 'line 2 (seq 2)' }),
    ]);
  });

  it('finds rows removed before a checkpointed head even when the head is still there', () => {
    const heads = new Map([...intact, ['7', { hash: hash('b'), countUpTo: 5 }]]);
    expect(check(file(), heads)).toEqual([expect.objectContaining({ code: 'checkpoint_count_mismatch' })]);
  });

  it('finds a chain with rows and no checkpoint, and lines that are no checkpoint', () => {
    expect(check([], new Map(), 4)).toEqual([expect.objectContaining({ code: 'no_checkpoint' })]);
    expect(check([], new Map(), 0)).toEqual([]);
    const parsed = parseCheckpoints(`${file()[0]}\nnot json\n{"v":1}\n`);
    expect(parsed.lines).toHaveLength(1);
    expect(parsed.findings).toEqual([
      expect.objectContaining({ code: 'checkpoint_unreadable', where: 'line 2' }),
      expect.objectContaining({ code: 'checkpoint_unreadable', where: 'line 3' }),
    ]);
  });
});
