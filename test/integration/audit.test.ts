import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, auditHash, GENESIS_HASH, verifyAuditChain } from '../../src/db/audit.js';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { CAMERA_DEFAULTS } from '../../src/core/camera-config.js';

const url = process.env.DATABASE_URL!;
let prisma: PrismaClient;
let raw: pg.Client;

beforeAll(async () => {
  prisma = createPrisma(url);
  raw = new pg.Client({ connectionString: url });
  await raw.connect();
});

afterAll(async () => {
  await prisma.$disconnect();
  await raw.end();
});

/** Runs SQL with triggers off, as an attacker with direct database access could. */
async function bypassingTriggers(sql: string, params: unknown[] = []): Promise<void> {
  await raw.query('SET session_replication_role = replica');
  try {
    await raw.query(sql, params);
  } finally {
    await raw.query('SET session_replication_role = DEFAULT');
  }
}

async function appendOne(details: Record<string, unknown> = {}) {
  return prisma.$transaction((tx) =>
    appendAudit(tx, {
      actor: 'test',
      action: 'test.event',
      entityType: 'test',
      entityId: randomUUID(),
      details: details as never,
    }),
  );
}

describe('audit chain', () => {
  it('links each row to the previous one, from the genesis hash', async () => {
    const before = await prisma.auditLog.count();
    const a = await appendOne({ n: 1 });
    const b = await appendOne({ n: 2, nested: { z: 1, a: [1, 'x'] } });
    if (before === 0) expect(a.prevHash).toBe(GENESIS_HASH);
    expect(b.prevHash).toBe(a.hash);
    expect(b.hash).toBe(auditHash(a.hash, b));
    expect(b.hash).toMatch(/^[0-9a-f]{64}$/);
    const result = await verifyAuditChain(prisma);
    expect(result).toEqual({ ok: true, checked: before + 2 });
  });

  it('hashes content independently of key order', () => {
    const row = {
      createdAt: new Date('2024-01-01T00:00:00.000Z'),
      actor: 'a',
      action: 'b',
      entityType: 'c',
      entityId: null,
    };
    expect(auditHash(GENESIS_HASH, { ...row, details: { b: 1, a: { d: [{ y: 1, x: 2 }], c: null } } })).toBe(
      auditHash(GENESIS_HASH, { ...row, details: { a: { c: null, d: [{ x: 2, y: 1 }] }, b: 1 } }),
    );
  });

  it('still computes the hashes that existing databases store', () => {
    // Pinned from the implementation that wrote the first audit rows: a change here breaks verification of every
    // chain already stored (array-index keys such as "9" and "10" come first, in numeric order).
    const row = {
      createdAt: new Date('2024-01-01T00:00:00.000Z'),
      actor: 'officer:kim',
      action: 'violation.review',
      entityType: 'violation',
      entityId: '6f1c2a7e-0000-4000-8000-000000000001',
      details: { z: 1, a: [1, 'x', { y: null, b: 2.5 }], '10': true, '9': false, 한: '가' },
    };
    expect(auditHash(GENESIS_HASH, row)).toBe('fe4ffcc997d4fbbc8332e3ad7100420c69405aff8c99dd6030d6026b5d849f1a');
  });

  it('keeps one chain when many transactions append at once', async () => {
    const before = await prisma.auditLog.count();
    await Promise.all(Array.from({ length: 12 }, (_, i) => appendOne({ i })));
    expect(await prisma.auditLog.count()).toBe(before + 12);
    expect(await verifyAuditChain(prisma, 5)).toEqual({ ok: true, checked: before + 12 });
  });

  it('rolls the audit row back with the transaction that wrote it', async () => {
    const before = await prisma.auditLog.count();
    await expect(
      prisma.$transaction(async (tx) => {
        await appendAudit(tx, { actor: 'test', action: 'test.doomed', entityType: 'test', details: {} });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await prisma.auditLog.count()).toBe(before);
    expect((await appendOne()).prevHash).not.toBe(GENESIS_HASH);
  });

  it('rejects UPDATE, DELETE and TRUNCATE', async () => {
    const row = await appendOne({ keep: true });
    await expect(prisma.auditLog.update({ where: { id: row.id }, data: { actor: 'mallory' } })).rejects.toThrow(
      /append-only/,
    );
    await expect(prisma.auditLog.delete({ where: { id: row.id } })).rejects.toThrow(/append-only/);
    await expect(raw.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect((await prisma.auditLog.findUniqueOrThrow({ where: { id: row.id } })).actor).toBe('test');
  });

  it('detects a row edited behind the trigger, and recovers when it is put back', async () => {
    const target = await appendOne({ amount: 10 });
    await appendOne({ after: true });
    await bypassingTriggers(`UPDATE audit_log SET details = '{"amount": 11}' WHERE id = $1`, [target.id.toString()]);
    const tampered = await verifyAuditChain(prisma);
    expect(tampered.ok).toBe(false);
    expect(tampered.firstBadId).toBe(target.id.toString());
    expect(tampered.reason).toMatch(/altered/);

    await bypassingTriggers(`UPDATE audit_log SET details = '{"amount": 10}' WHERE id = $1`, [target.id.toString()]);
    expect((await verifyAuditChain(prisma)).ok).toBe(true);
  });

  it('detects a row deleted from the middle of the chain', async () => {
    const victim = await appendOne({ victim: true });
    const next = await appendOne({ next: true });
    await bypassingTriggers('DELETE FROM audit_log WHERE id = $1', [victim.id.toString()]);
    const result = await verifyAuditChain(prisma);
    expect(result).toMatchObject({ ok: false, firstBadId: next.id.toString() });
    expect(result.reason).toMatch(/removed or inserted/);

    await bypassingTriggers(
      `INSERT INTO audit_log (id, created_at, actor, action, entity_type, entity_id, details, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        victim.id.toString(),
        victim.createdAt,
        victim.actor,
        victim.action,
        victim.entityType,
        victim.entityId,
        JSON.stringify(victim.details),
        victim.prevHash,
        victim.hash,
      ],
    );
    expect((await verifyAuditChain(prisma)).ok).toBe(true);
  });
});

describe('review_actions', () => {
  it('is append-only too', async () => {
    const suffix = randomUUID().slice(0, 8);
    const camera = await prisma.camera.create({ data: { name: `audit-test-${suffix}`, ...CAMERA_DEFAULTS } });
    const segment = await prisma.segment.create({
      data: { cameraId: camera.id, fileUri: 'file:///x.mp4', sha256: 'a'.repeat(64), startTime: new Date() },
    });
    const run = await prisma.analysisRun.create({
      data: {
        segmentId: segment.id,
        pipelineVersion: 't',
        modelFingerprints: {},
        configHash: 'b'.repeat(64),
        timings: {},
        startedAt: new Date(),
      },
    });
    const violation = await prisma.violation.create({
      data: {
        runId: run.id,
        cameraId: camera.id,
        zoneName: 'z',
        zoneKind: 'sidewalk',
        trackId: 1,
        startTime: new Date(),
        endTime: new Date(),
        startSec: 0,
        endSec: 1,
      },
    });
    const key = await prisma.apiKey.create({
      data: { keyHash: randomUUID().replace(/-/g, '').padEnd(64, '0'), prefix: 'p', role: 'officer', label: 'l' },
    });
    const action = await prisma.reviewAction.create({
      data: {
        violationId: violation.id,
        apiKeyId: key.id,
        reviewer: 'r',
        decision: 'confirm',
        previousStatus: 'pending',
        newStatus: 'confirmed',
        previousVersion: 1,
      },
    });
    await expect(prisma.reviewAction.update({ where: { id: action.id }, data: { reviewer: 'x' } })).rejects.toThrow(
      /append-only/,
    );
    await expect(prisma.reviewAction.delete({ where: { id: action.id } })).rejects.toThrow(/append-only/);
    expect(await prisma.reviewAction.count({ where: { id: action.id } })).toBe(1);
  });
});
