import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCheckpointer, writeCheckpointIfDue, type CheckpointerOptions } from '../../src/audit/checkpointer.js';
import { loadSigningKey, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, type SigningKey } from '../../src/audit/signing-key.js';
import { verifyAnchored } from '../../src/audit/verify-anchored.js';
import type { SegmentAnalysis } from '../../src/analysis/types.js';
import { projectRoot } from '../../src/config.js';
import { persistAnalysis } from '../../src/db/analysis-store.js';
import { appendAudit, auditHash, verifyAuditChain } from '../../src/db/audit.js';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import type { EvidenceFileRecord } from '../../src/evidence/package-writer.js';
import { createLogger } from '../../src/logger.js';
import { CAMERA_DEFAULTS, ZONE_RULE_DEFAULTS } from '../../src/core/camera-config.js';

/**
 * The tampering issue 16 lists, done the way someone with write access to Postgres and the evidence store would do
 * it (triggers off, hashes recomputed), each on its own copy of one seeded database: the checkpoints in a file
 * outside the database and the evidence hashes in the audit chain make each one show.
 */

const run = promisify(execFile);
const SHARED = path.resolve(projectRoot, '..', 'shared');
const logger = createLogger('silent');
const runUrl = new URL(process.env.DATABASE_URL!);
const base = decodeURIComponent(runUrl.pathname.slice(1));
const template = `${base}_anchor_tpl`;
const databases: string[] = [];
const clients: { end(): Promise<unknown> }[] = [];

let admin: pg.Client;
let tmp: string;
let key: SigningKey;
let violationIds: string[];

const urlOf = (db: string) => {
  const url = new URL(runUrl);
  url.pathname = `/${db}`;
  return url.toString();
};

async function createDatabase(name: string, from?: string): Promise<PrismaClient> {
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  await admin.query(
    `CREATE DATABASE ${pg.escapeIdentifier(name)}${from ? ` TEMPLATE ${pg.escapeIdentifier(from)}` : ''}`,
  );
  databases.push(name);
  const prisma = createPrisma(urlOf(name));
  clients.push({ end: () => prisma.$disconnect() });
  return prisma;
}

/** Copies a file into the evidence store and describes it as the package writer does. */
async function store(root: string, rel: string, bytes: Buffer, role: EvidenceFileRecord['role'], mime: string) {
  const file = path.join(root, rel);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { role, path: file, relPath: rel, sha256, sizeBytes: bytes.length, mime };
}

async function seedPackage(root: string, name: string, media: [string, EvidenceFileRecord['role'], string][]) {
  const files: EvidenceFileRecord[] = [];
  for (const [source, role, mime] of media) {
    files.push(await store(root, `cam/${name}/${path.basename(source)}`, await readFile(source), role, mime));
  }
  const manifest = JSON.stringify({ files: files.map((f) => ({ path: f.relPath, sha256: f.sha256 })) });
  files.push(await store(root, `cam/${name}/manifest.json`, Buffer.from(manifest), 'manifest', 'application/json'));
  return files;
}

async function seedTemplate(dir: string): Promise<string[]> {
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(template)} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(template)}`);
  databases.push(template);
  await migrate(urlOf(template));
  const prisma = createPrisma(urlOf(template));
  try {
    const camera = await prisma.camera.create({ data: { name: 'anchor cam', ...CAMERA_DEFAULTS } });
    const zone = await prisma.zone.create({
      data: {
        cameraId: camera.id,
        name: 'walk',
        kind: 'sidewalk',
        ...ZONE_RULE_DEFAULTS,
        classes: [...ZONE_RULE_DEFAULTS.classes],
        polygon: [
          [0, 0.5],
          [1, 0.5],
          [1, 1],
        ],
      },
    });
    const segment = await prisma.segment.create({
      data: { cameraId: camera.id, fileUri: 'file:///x.mp4', sha256: 'a'.repeat(64), startTime: new Date() },
    });
    const root = path.join(dir, 'evidence');
    const packages = [
      await seedPackage(root, 'v1', [
        [path.join(SHARED, 'footage', 'jcsy_bikes.mp4'), 'clip', 'video/mp4'],
        [path.join(SHARED, 'stills', 'CAM013_20250214_1108_Mua_14.jpg'), 'keyframe', 'image/jpeg'],
      ]),
      await seedPackage(root, 'v2', [[path.join(SHARED, 'stills', 'tr1_382_plate.png'), 'plate_crop', 'image/png']]),
    ];
    const start = new Date('2026-12-04T01:00:00Z');
    const analysis: SegmentAnalysis = {
      videoPath: '/x.mp4',
      sourceSha256: segment.sha256,
      segmentStart: segment.startTime,
      pipelineVersion: 'anchor',
      configHash: 'c'.repeat(64),
      detector: 'picodet_s',
      fps: 5,
      modelFingerprints: {},
      source: { width: 960, height: 540, fps: 30, codec: 'h264', durationSec: 3 },
      analysedSize: { width: 960, height: 540 },
      framesAnalysed: 15,
      videoSeconds: 3,
      tracksSeen: 2,
      timings: {
        probeMs: 1,
        decodeWaitMs: 1,
        inferenceMs: 1,
        trackingMs: 1,
        keyframesMs: 1,
        plateMs: 1,
        evidenceMs: 1,
        packagingMs: 1,
        totalMs: 8,
      },
      violations: packages.map((evidence, i) => ({
        trackId: i + 1,
        label: 'motorcycle',
        zoneName: 'walk',
        zoneKind: 'sidewalk',
        startSec: 1,
        endSec: 2,
        startTime: start,
        endTime: new Date(start.getTime() + 1000),
        entryFrame: 5,
        peakFrame: 7,
        exitFrame: 10,
        plate: { text: null, confidence: 0, candidates: [], format: null, plateType: null, reads: 0 },
        evidenceDir: path.dirname(evidence[0]!.path),
        evidence,
      })),
    };
    const persisted = await persistAnalysis(prisma, {
      segmentId: segment.id,
      cameraId: camera.id,
      zonesByName: new Map([['walk', zone.id]]),
      analysis,
    });
    const options: CheckpointerOptions = {
      prisma,
      file: path.join(dir, 'checkpoints.jsonl'),
      key,
      everyEntries: 100,
      everyMs: 60_000,
      logger,
    };
    expect(await writeCheckpointIfDue(options, { force: true })).toMatchObject({ seq: 1 });
    for (const n of [1, 2]) {
      await prisma.$transaction((tx) =>
        appendAudit(tx, { actor: 'test', action: 'test.event', entityType: 'test', details: { n } }),
      );
    }
    expect(await writeCheckpointIfDue(options, { force: true })).toMatchObject({ seq: 2 });
    return persisted.violationIds;
  } finally {
    await prisma.$disconnect();
  }
}

interface Scenario {
  prisma: PrismaClient;
  dir: string;
  evidenceRoot: string;
  checkpointFile: string;
  url: string;
  /** runs SQL with the triggers off, as someone with direct database access can */
  sql(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  verify(): ReturnType<typeof verifyAnchored>;
}

let scenarios = 0;
async function scenario(): Promise<Scenario> {
  const name = `${base}_anchor_${++scenarios}`;
  const prisma = await createDatabase(name, template);
  const dir = path.join(tmp, name);
  await cp(path.join(tmp, 'template'), dir, { recursive: true });
  const raw = new pg.Client({ connectionString: urlOf(name) });
  await raw.connect();
  clients.push(raw);
  await raw.query('SET session_replication_role = replica');
  const evidenceRoot = path.join(dir, 'evidence');
  const checkpointFile = path.join(dir, 'checkpoints.jsonl');
  return {
    prisma,
    dir,
    evidenceRoot,
    checkpointFile,
    url: urlOf(name),
    sql: (text, params = []) => raw.query(text, params),
    verify: () => verifyAnchored({ prisma, checkpointFile, publicKeys: [key.publicKey], evidenceRoot }),
  };
}

/** Gives `row` new details and recomputes its hash and every later row's link and hash, as a careful forger would. */
async function rewriteChainFrom(s: Scenario, fromId: bigint, details: (old: unknown) => unknown): Promise<void> {
  const rows = await s.prisma.auditLog.findMany({ where: { id: { gte: fromId } }, orderBy: { id: 'asc' } });
  let prevHash = rows[0]!.prevHash;
  for (const row of rows) {
    const next = { ...row, prevHash, details: row.id === fromId ? details(row.details) : row.details };
    const hash = auditHash(prevHash, next);
    await s.sql('UPDATE audit_log SET details = $1, prev_hash = $2, hash = $3 WHERE id = $4', [
      JSON.stringify(next.details),
      prevHash,
      hash,
      row.id.toString(),
    ]);
    prevHash = hash;
  }
}

const codes = (r: { findings: { code: string }[] }) => [...new Set(r.findings.map((f) => f.code))].sort();

beforeAll(async () => {
  const adminUrl = new URL(runUrl);
  adminUrl.pathname = '/postgres';
  admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  tmp = await mkdtemp(path.join(tmpdir(), 'motoguard-anchor-'));
  key = await loadSigningKey({ dir: path.join(tmp, 'keys') }, logger);
  violationIds = await seedTemplate(path.join(tmp, 'template'));
}, 120_000);

afterAll(async () => {
  for (const client of clients) await client.end();
  for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(db)} WITH (FORCE)`);
  await admin.end();
  await rm(tmp, { recursive: true, force: true });
});

describe('evidence hashes in the audit chain', () => {
  it('records every file of each stored package with its hash, and the manifest hash', async () => {
    const s = await scenario();
    const records = await s.prisma.auditLog.findMany({
      where: { action: 'evidence.recorded' },
      orderBy: { id: 'asc' },
    });
    expect(records.map((r) => r.entityId)).toEqual(violationIds);
    const files = await s.prisma.evidenceFile.findMany({ where: { violationId: violationIds[0] } });
    const manifest = files.find((f) => f.role === 'manifest')!;
    expect(records[0]!.details).toMatchObject({
      violationId: violationIds[0],
      manifestSha256: manifest.sha256,
      files: expect.arrayContaining(
        files.map((f) => ({ id: f.id, role: f.role, path: f.path, sha256: f.sha256, sizeBytes: Number(f.sizeBytes) })),
      ),
    });
    expect((records[0]!.details as { files: unknown[] }).files).toHaveLength(3);
  });
});

describe('offline verification', () => {
  it('finds nothing wrong with an untouched database, files and checkpoints', async () => {
    const s = await scenario();
    const result = await s.verify();
    expect(result.findings).toEqual([]);
    expect(result).toMatchObject({ ok: true, checkpoints: 2, unanchoredRows: 0, evidenceFiles: 5 });
    expect(result.auditRows).toBe(await s.prisma.auditLog.count());
  });

  it('finds the newest audit row deleted', async () => {
    const s = await scenario();
    const newest = await s.prisma.auditLog.findFirstOrThrow({ orderBy: { id: 'desc' } });
    await s.sql('DELETE FROM audit_log WHERE id = $1', [newest.id.toString()]);
    // The chain alone cannot tell: what is left is a perfectly linked, shorter chain.
    expect((await verifyAuditChain(s.prisma)).ok).toBe(true);
    const result = await s.verify();
    expect(result.ok).toBe(false);
    expect(codes(result)).toEqual(['checkpoint_count_mismatch', 'checkpointed_row_missing']);
    expect(result.findings[0]!.detail).toContain(`audit row ${newest.id}`);
  });

  it('finds the chain rewritten with recomputed hashes', async () => {
    const s = await scenario();
    const run = await s.prisma.auditLog.findFirstOrThrow({ where: { action: 'analysis.complete' } });
    await rewriteChainFrom(s, run.id, (d) => ({ ...(d as object), violations: 1 }));
    expect((await verifyAuditChain(s.prisma)).ok).toBe(true);
    const result = await s.verify();
    expect(codes(result)).toEqual(['checkpointed_row_rewritten']);
    expect(result.findings).toHaveLength(2);
  });

  it('finds an evidence file changed together with its database hash', async () => {
    const s = await scenario();
    const clip = await s.prisma.evidenceFile.findFirstOrThrow({ where: { role: 'clip' } });
    const forged = Buffer.concat([await readFile(path.join(s.evidenceRoot, clip.path)), Buffer.from('edited')]);
    await writeFile(path.join(s.evidenceRoot, clip.path), forged);
    await s.sql('UPDATE evidence_files SET sha256 = $1, size_bytes = $2 WHERE id = $3', [
      createHash('sha256').update(forged).digest('hex'),
      forged.length,
      clip.id,
    ]);
    const result = await s.verify();
    expect(codes(result)).toEqual(['evidence_file_altered', 'evidence_row_altered']);
    expect(result.findings.every((f) => f.where === `evidence ${clip.id} (${clip.path})`)).toBe(true);
  });

  it('finds an evidence row deleted with its file', async () => {
    const s = await scenario();
    const plate = await s.prisma.evidenceFile.findFirstOrThrow({ where: { role: 'plate_crop' } });
    await s.sql('DELETE FROM evidence_files WHERE id = $1', [plate.id]);
    await rm(path.join(s.evidenceRoot, plate.path));
    const result = await s.verify();
    expect(codes(result)).toEqual(['evidence_file_missing', 'evidence_row_missing']);
  });

  it('finds a package deleted with its audit record and the chain relinked, by the checkpoints', async () => {
    const s = await scenario();
    const record = await s.prisma.auditLog.findFirstOrThrow({
      where: { action: 'evidence.recorded', entityId: violationIds[1] },
    });
    await s.sql('DELETE FROM evidence_files WHERE violation_id = $1', [violationIds[1]]);
    await rm(path.join(s.evidenceRoot, 'cam', 'v2'), { recursive: true });
    const after = await s.prisma.auditLog.findFirstOrThrow({
      where: { id: { gt: record.id } },
      orderBy: { id: 'asc' },
    });
    await s.sql('DELETE FROM audit_log WHERE id = $1', [record.id.toString()]);
    await s.sql('UPDATE audit_log SET prev_hash = $1 WHERE id = $2', [record.prevHash, after.id.toString()]);
    await rewriteChainFrom(s, after.id, (d) => d);
    expect((await verifyAuditChain(s.prisma)).ok).toBe(true);
    // The first checkpoint's head was that very record; the second's is still there, with another hash.
    expect(codes(await s.verify())).toEqual([
      'checkpoint_count_mismatch',
      'checkpointed_row_missing',
      'checkpointed_row_rewritten',
    ]);
  });

  it('finds a checkpoint file whose lines were re-signed with another key', async () => {
    const s = await scenario();
    const impostor = await loadSigningKey({ dir: path.join(s.dir, 'impostor') }, logger);
    await rm(s.checkpointFile);
    await writeCheckpointIfDue(
      { prisma: s.prisma, file: s.checkpointFile, key: impostor, everyEntries: 1, everyMs: 1, logger },
      { force: true },
    );
    expect(codes(await s.verify())).toEqual(['checkpoint_unknown_key']);
  });

  it('runs as npm run audit:verify: exit 0 when clean, 1 with the findings listed', async () => {
    const s = await scenario();
    const cli = async () => {
      const args = ['--import', 'tsx', 'src/cli/audit-verify.ts', '--database-url', s.url];
      args.push('--checkpoints', s.checkpointFile, '--public-key', path.join(tmp, 'keys', PUBLIC_KEY_FILE));
      args.push('--evidence-root', s.evidenceRoot);
      try {
        const { stdout } = await run(process.execPath, args, { cwd: projectRoot });
        return { code: 0, stdout };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout + e.stderr };
      }
    };
    const clean = await cli();
    expect(clean).toMatchObject({ code: 0 });
    expect(clean.stdout).toMatch(/2 checkpoints \(0 rows after the last\), 5 evidence files: OK/);

    const newest = await s.prisma.auditLog.findFirstOrThrow({ orderBy: { id: 'desc' } });
    await s.sql('DELETE FROM audit_log WHERE id = $1', [newest.id.toString()]);
    const cut = await cli();
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain(`FAIL checkpointed_row_missing  line 2 (seq 2): audit row ${newest.id}`);
    expect(cut.stdout).toMatch(/2 finding\(s\)/);
  }, 60_000);
});

describe('rows after the last checkpoint', () => {
  it('are reported as unanchored with their ids; anchored within the interval, cutting the newest shows', async () => {
    const s = await scenario();
    const append = (n: number) =>
      s.prisma.$transaction((tx) =>
        appendAudit(tx, { actor: 'test', action: 'test.event', entityType: 'test', details: { n } }),
      );
    const first = await append(1);
    const newest = await append(2);
    expect(await s.verify()).toMatchObject({
      ok: true,
      unanchoredRows: 2,
      unanchoredRange: { firstId: first.id.toString(), lastId: newest.id.toString() },
    });
    const args = ['--import', 'tsx', 'src/cli/audit-verify.ts', '--database-url', s.url];
    args.push('--checkpoints', s.checkpointFile, '--public-key', path.join(tmp, 'keys', PUBLIC_KEY_FILE));
    args.push('--evidence-root', s.evidenceRoot);
    const { stdout } = await run(process.execPath, args, { cwd: projectRoot });
    expect(stdout).toContain(`UNANCHORED 2 audit row(s), ids ${first.id}–${newest.id}, come after the last checkpoint`);

    // Cut before a checkpoint covers it, the newest row leaves no trace: only the report said it was exposed.
    await s.sql('DELETE FROM audit_log WHERE id = $1', [newest.id.toString()]);
    expect(await s.verify()).toMatchObject({ ok: true, unanchoredRows: 1 });

    // The checkpointer anchors it within its interval; cut after that, it is missed.
    const checkpointer = startCheckpointer({
      prisma: s.prisma,
      file: s.checkpointFile,
      key,
      everyEntries: 1000,
      everyMs: 1000,
      logger,
    });
    try {
      const third = await append(3);
      await expect.poll(async () => (await s.verify()).unanchoredRows, { timeout: 15_000, interval: 250 }).toBe(0);
      await s.sql('DELETE FROM audit_log WHERE id = $1', [third.id.toString()]);
    } finally {
      await checkpointer.close().catch(() => undefined);
    }
    const result = await s.verify();
    expect(codes(result)).toEqual(['checkpoint_count_mismatch', 'checkpointed_row_missing']);
    expect(result.unanchoredRows).toBe(0);
  }, 60_000);
});

describe('the checkpointer', () => {
  it('generates its key once, private 0600 in a 0700 folder, and reuses it', async () => {
    const dir = path.join(tmp, 'fresh-keys');
    const first = await loadSigningKey({ dir }, logger);
    expect((await stat(path.join(dir, PRIVATE_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await loadSigningKey({ dir }, logger)).keyId).toBe(first.keyId);
    await chmod(path.join(dir, PRIVATE_KEY_FILE), 0o644);
    await expect(loadSigningKey({ dir }, logger)).rejects.toThrow(/readable by others/);
  });

  it('writes a checkpoint after N rows or T minutes, and on close', async () => {
    const s = await scenario();
    const options: CheckpointerOptions = {
      prisma: s.prisma,
      file: s.checkpointFile,
      key,
      everyEntries: 3,
      everyMs: 5 * 60_000,
      logger,
    };
    const append = (n: number) =>
      s.prisma.$transaction((tx) =>
        appendAudit(tx, { actor: 'test', action: 'test.event', entityType: 'test', details: { n } }),
      );
    await append(1);
    await append(2);
    expect(await writeCheckpointIfDue(options)).toBeNull();
    const third = await append(3);
    expect(await writeCheckpointIfDue(options)).toMatchObject({ seq: 3, headId: third.id.toString() });

    const fourth = await append(4);
    expect(await writeCheckpointIfDue(options)).toBeNull();
    const later = new Date(Date.now() + 5 * 60_000);
    expect(await writeCheckpointIfDue(options, { now: later })).toMatchObject({ seq: 4, headId: fourth.id.toString() });

    const checkpointer = startCheckpointer({ ...options, everyEntries: 1000 });
    const fifth = await append(5);
    await checkpointer.close();
    const lines = (await readFile(s.checkpointFile, 'utf8')).trimEnd().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ seq: 5, headId: fifth.id.toString() });
    expect(await s.verify()).toMatchObject({ ok: true, checkpoints: 5, unanchoredRows: 0 });
  });

  it('refuses to checkpoint a chain cut below its last checkpoint', async () => {
    const s = await scenario();
    const options = { prisma: s.prisma, file: s.checkpointFile, key, everyEntries: 1, everyMs: 1, logger };
    const newest = await s.prisma.auditLog.findFirstOrThrow({ orderBy: { id: 'desc' } });
    await s.sql('DELETE FROM audit_log WHERE id = $1', [newest.id.toString()]);
    await expect(writeCheckpointIfDue(options, { force: true })).rejects.toThrow(
      new RegExp(`audit row ${newest.id}, the last checkpoint's head, is gone`),
    );
    const before = await readFile(s.checkpointFile, 'utf8');
    await s.prisma.$transaction((tx) =>
      appendAudit(tx, { actor: 'mallory', action: 'test.event', entityType: 'test', details: {} }),
    );
    await expect(writeCheckpointIfDue(options, { force: true })).rejects.toThrow(/is gone/);
    expect(await readFile(s.checkpointFile, 'utf8')).toBe(before);
  });
});
