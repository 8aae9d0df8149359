import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillEvidenceRecords } from '../../src/audit/evidence-backfill.js';
import { verifyAnchored } from '../../src/audit/verify-anchored.js';
import { projectRoot } from '../../src/config.js';
import { CAMERA_DEFAULTS } from '../../src/core/camera-config.js';
import { recordedPackage } from '../../src/core/evidence-ledger.js';
import { appendAudit, verifyAuditChain } from '../../src/db/audit.js';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';

/**
 * Evidence stored before evidence hashes entered the audit chain, on a database of its own (the backfill looks at
 * every package): rows and files written directly, as the older pipeline left them.
 */
const run = promisify(execFile);
const STILLS = path.resolve(projectRoot, '..', 'shared', 'stills');
const runUrl = new URL(process.env.DATABASE_URL!);
const dbName = `${decodeURIComponent(runUrl.pathname.slice(1))}_backfill`;
const dbUrl = new URL(runUrl);
dbUrl.pathname = `/${dbName}`;

let admin: pg.Client;
let prisma: PrismaClient;
let root: string;
let ids: { intact: string; altered: string; recorded: string };

async function violationWithFiles(runId: string, cameraId: string, name: string, stills: string[]): Promise<string> {
  const v = await prisma.violation.create({
    data: {
      runId,
      cameraId,
      zoneName: 'walk',
      zoneKind: 'sidewalk',
      trackId: 1,
      startTime: new Date('2026-11-01T01:00:00Z'),
      endTime: new Date('2026-11-01T01:00:02Z'),
      startSec: 1,
      endSec: 3,
    },
  });
  for (const still of stills) {
    const bytes = await readFile(path.join(STILLS, still));
    const rel = `cam/${name}/${still}`;
    await mkdir(path.join(root, 'cam', name), { recursive: true });
    await writeFile(path.join(root, rel), bytes);
    await prisma.evidenceFile.create({
      data: {
        violationId: v.id,
        role: 'keyframe',
        path: rel,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        sizeBytes: bytes.length,
        mime: still.endsWith('.png') ? 'image/png' : 'image/jpeg',
      },
    });
  }
  return v.id;
}

beforeAll(async () => {
  const adminUrl = new URL(runUrl);
  adminUrl.pathname = '/postgres';
  admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(dbName)} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(dbName)}`);
  await migrate(dbUrl.toString());
  prisma = createPrisma(dbUrl.toString());
  root = await mkdtemp(path.join(tmpdir(), 'motoguard-backfill-'));

  const camera = await prisma.camera.create({ data: { name: 'backfill cam', ...CAMERA_DEFAULTS } });
  const segment = await prisma.segment.create({
    data: { cameraId: camera.id, fileUri: 'file:///old.mp4', sha256: 'b'.repeat(64), startTime: new Date() },
  });
  const analysisRun = await prisma.analysisRun.create({
    data: {
      segmentId: segment.id,
      pipelineVersion: 'before-ledger',
      modelFingerprints: {},
      configHash: '0'.repeat(64),
      timings: {},
      startedAt: new Date(),
    },
  });
  ids = {
    intact: await violationWithFiles(analysisRun.id, camera.id, 'intact', ['tr1_382.png', 'AI_test.jpg']),
    altered: await violationWithFiles(analysisRun.id, camera.id, 'altered', ['tr1_382_plate.png']),
    recorded: await violationWithFiles(analysisRun.id, camera.id, 'recorded', ['AI_test.jpg']),
  };
  await writeFile(path.join(root, 'cam', 'altered', 'tr1_382_plate.png'), Buffer.from('not the picture'));
  const file = await prisma.evidenceFile.findFirstOrThrow({ where: { violationId: ids.recorded } });
  await prisma.$transaction((tx) =>
    appendAudit(tx, {
      actor: 'worker',
      action: 'evidence.recorded',
      entityType: 'evidence_package',
      entityId: ids.recorded,
      details: {
        violationId: ids.recorded,
        runId: analysisRun.id,
        manifestSha256: null,
        files: [
          { id: file.id, role: file.role, path: file.path, sha256: file.sha256, sizeBytes: Number(file.sizeBytes) },
        ],
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await prisma?.$disconnect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(dbName)} WITH (FORCE)`);
  await admin.end();
  if (root) await rm(root, { recursive: true, force: true });
});

const verify = () =>
  verifyAnchored({ prisma, checkpointFile: path.join(root, 'none.jsonl'), publicKeys: [], evidenceRoot: root });
const unrecordedOf = async (violationId: string) => {
  const files = await prisma.evidenceFile.findMany({ where: { violationId } });
  const result = await verify();
  return files.filter((f) =>
    result.findings.some((x) => x.code === 'evidence_unrecorded' && x.where === `evidence ${f.id} (${f.path})`),
  ).length;
};

describe('npm run evidence:backfill', () => {
  it('records packages stored before evidence recording, refuses one whose bytes changed, and records once', async () => {
    expect(await unrecordedOf(ids.intact)).toBe(2);
    const first = await backfillEvidenceRecords({ prisma, evidenceRoot: root, actor: 'test' });
    expect(first.recorded).toEqual([ids.intact]);
    expect(first.refused).toEqual([
      { violationId: ids.altered, problems: [expect.stringMatching(/^cam\/altered\/tr1_382_plate\.png: sha256 /)] },
    ]);

    const rows = await prisma.auditLog.findMany({ where: { action: 'evidence.recorded', entityId: ids.intact } });
    expect(rows).toHaveLength(1);
    const details = recordedPackage.parse(rows[0]!.details);
    const files = await prisma.evidenceFile.findMany({ where: { violationId: ids.intact } });
    expect(details).toMatchObject({ violationId: ids.intact, manifestSha256: null, backfilled: true });
    expect(details.files).toEqual(
      expect.arrayContaining(
        files.map((f) => ({ id: f.id, role: f.role, path: f.path, sha256: f.sha256, sizeBytes: Number(f.sizeBytes) })),
      ),
    );
    expect(details.files).toHaveLength(2);
    expect(await unrecordedOf(ids.intact)).toBe(0);
    // a package whose bytes changed stays unrecorded, and the verifier keeps saying so
    expect(await unrecordedOf(ids.altered)).toBe(1);
    expect((await verifyAuditChain(prisma)).ok).toBe(true);

    const audit = await prisma.auditLog.count();
    const again = await backfillEvidenceRecords({ prisma, evidenceRoot: root, actor: 'test' });
    expect(again.recorded).toEqual([]);
    expect(again.refused.map((r) => r.violationId)).toEqual([ids.altered]);
    expect(await prisma.auditLog.count()).toBe(audit);
  });

  it('runs from the command line: lists what it refused and exits 1', async () => {
    const args = ['--import', 'tsx', 'src/cli/evidence-backfill.ts', '--evidence-root', root];
    const env = { ...process.env, DATABASE_URL: dbUrl.toString() };
    const result = await run(process.execPath, args, { cwd: projectRoot, env }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`REFUSED violation ${ids.altered}  cam/altered/tr1_382_plate.png: sha256 `);
    expect(result.stdout).toContain('0 package(s) recorded, 1 refused');
  }, 60_000);
});
