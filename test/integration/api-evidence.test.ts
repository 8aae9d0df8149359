import { createHash } from 'node:crypto';
import { appendFile, copyFile, mkdir, open, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVIDENCE_PACKAGE_ENTITY, EVIDENCE_RECORDED_ACTION } from '../../src/core/evidence-ledger.js';
import { appendAudit } from '../../src/db/audit.js';
import type { EvidenceFile } from '../../src/generated/prisma/client.js';
import {
  FOOTAGE,
  bearer,
  dbFingerprint,
  expectProblem,
  seedRun,
  seedViolation,
  startTestApi,
  type TestApi,
} from './api-helpers.js';

const STILLS = path.resolve(FOOTAGE, '../stills');
let t: TestApi;
let violationId: string;
let runId: string;
let clip: EvidenceFile;
let plate: EvidenceFile;
let clipBytes: Buffer;

async function addEvidence(
  rel: string,
  source: string,
  role: 'clip' | 'plate_crop' | 'keyframe',
  mime: string,
  owner = violationId,
): Promise<EvidenceFile> {
  const dest = path.join(t.evidenceRoot, rel);
  await mkdir(path.dirname(dest), { recursive: true });
  await copyFile(source, dest);
  const data = await readFile(dest);
  return t.prisma.evidenceFile.create({
    data: {
      violationId: owner,
      role,
      path: rel,
      mime,
      sha256: createHash('sha256').update(data).digest('hex'),
      sizeBytes: BigInt(data.length),
    },
  });
}

beforeAll(async () => {
  t = await startTestApi();
  const s = await seedRun(t.prisma, `evidence cam ${process.pid}`);
  runId = s.run.id;
  violationId = (
    await seedViolation(
      t.prisma,
      { cameraId: s.camera.id, runId: s.run.id, zoneId: s.zone.id },
      { startTime: new Date('2026-11-23T03:00:00Z') },
    )
  ).id;
  clip = await addEvidence(`pkg/${violationId}/clip.mp4`, path.join(FOOTAGE, 'zzmzvn_hi2.mp4'), 'clip', 'video/mp4');
  plate = await addEvidence(
    `pkg/${violationId}/plate.png`,
    path.join(STILLS, 'tr1_382_plate.png'),
    'plate_crop',
    'image/png',
  );
  clipBytes = await readFile(path.join(t.evidenceRoot, clip.path));
});
afterAll(async () => {
  await t?.close();
});

const get = (id: string, headers: Record<string, string> = {}, key = t.keys.officer) =>
  t.app.inject({ method: 'GET', url: `/evidence/${id}`, headers: { ...bearer(key), ...headers } });

describe('GET /evidence/:id', () => {
  it('streams the whole file with its content type and audits the download', async () => {
    const auditBefore = await t.prisma.auditLog.count({ where: { entityId: clip.id } });
    const res = await get(clip.id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(Number(res.headers['content-length'])).toBe(clipBytes.length);
    expect(res.rawPayload.equals(clipBytes)).toBe(true);
    const audit = await t.prisma.auditLog.findMany({ where: { entityId: clip.id }, orderBy: { id: 'asc' } });
    expect(audit).toHaveLength(auditBefore + 1);
    expect(audit.at(-1)).toMatchObject({
      action: 'evidence.download',
      actor: `api-key:${t.keyIds.officer}`,
      details: { range: null, role: 'clip', violationId },
    });

    const png = await get(plate.id, {}, t.keys.ops);
    expect(png.headers['content-type']).toBe('image/png');
    expect(createHash('sha256').update(png.rawPayload).digest('hex')).toBe(plate.sha256);
  });

  it('answers byte ranges with 206 and Content-Range', async () => {
    const first = await get(clip.id, { range: 'bytes=0-99' });
    expect(first.statusCode).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-99/${clipBytes.length}`);
    expect(first.rawPayload.equals(clipBytes.subarray(0, 100))).toBe(true);

    const open = await get(clip.id, { range: `bytes=${clipBytes.length - 10}-` });
    expect(open.headers['content-range']).toBe(
      `bytes ${clipBytes.length - 10}-${clipBytes.length - 1}/${clipBytes.length}`,
    );
    expect(open.rawPayload.equals(clipBytes.subarray(-10))).toBe(true);

    const suffix = await get(clip.id, { range: 'bytes=-500' });
    expect(suffix.statusCode).toBe(206);
    expect(suffix.rawPayload.equals(clipBytes.subarray(-500))).toBe(true);
    const last = await t.prisma.auditLog.findFirstOrThrow({ where: { entityId: clip.id }, orderBy: { id: 'desc' } });
    expect(last.details).toMatchObject({ range: `${clipBytes.length - 500}-${clipBytes.length - 1}` });
  });

  it('answers HEAD with the size and type but records no download', async () => {
    const before = await dbFingerprint(t.prisma);
    const res = await t.app.inject({ method: 'HEAD', url: `/evidence/${clip.id}`, headers: bearer(t.keys.officer) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(Number(res.headers['content-length'])).toBe(clipBytes.length);
    expect(res.rawPayload.length).toBe(0);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('answers an unsatisfiable range with 416 and the size, without auditing a download', async () => {
    const before = await dbFingerprint(t.prisma);
    const res = await get(clip.id, { range: `bytes=${clipBytes.length + 5}-` });
    expectProblem(res, 416);
    expect(res.headers['content-range']).toBe(`bytes */${clipBytes.length}`);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('refuses traversal in the request and never serves a stored path outside EVIDENCE_ROOT', async () => {
    const viaUrl = await t.app.inject({
      method: 'GET',
      url: '/evidence/..%2F..%2F..%2Fetc%2Fpasswd',
      headers: bearer(t.keys.officer),
    });
    expectProblem(viaUrl, 400);
    const dotted = await t.app.inject({
      method: 'GET',
      url: '/evidence/../../etc/passwd',
      headers: bearer(t.keys.officer),
    });
    expect(dotted.statusCode).toBeGreaterThanOrEqual(400);
    expect(dotted.statusCode).toBeLessThan(500);
    expect(dotted.body).not.toContain('root:');

    const escaped = await t.prisma.evidenceFile.create({
      data: {
        violationId,
        role: 'keyframe',
        path: '../../../../etc/passwd',
        mime: 'text/plain',
        sha256: '0'.repeat(64),
        sizeBytes: 1n,
      },
    });
    const before = await dbFingerprint(t.prisma);
    const res = await get(escaped.id);
    expectProblem(res, 403);
    expect(res.body).not.toContain('root:');
    expect(await dbFingerprint(t.prisma)).toBe(before);
    await t.prisma.evidenceFile.delete({ where: { id: escaped.id } });
  });

  it('answers unknown ids, missing files, missing keys and no role with problems', async () => {
    expectProblem(await get('0b9d6a1e-3c2f-4e5a-8b7c-6d5e4f3a2b1c'), 404);
    expectProblem(await t.app.inject({ method: 'GET', url: `/evidence/${clip.id}` }), 401);
    const ghost = await t.prisma.evidenceFile.create({
      data: {
        violationId,
        role: 'keyframe',
        path: `pkg/${violationId}/gone.jpg`,
        mime: 'image/jpeg',
        sha256: '0'.repeat(64),
        sizeBytes: 10n,
      },
    });
    expect(expectProblem(await get(ghost.id), 404).type).toBe('/problems/evidence-file-missing');
    await t.prisma.evidenceFile.delete({ where: { id: ghost.id } });
  });

  it('lists evidence with download URLs in the violation detail', async () => {
    const detail = (
      await t.app.inject({ method: 'GET', url: `/violations/${violationId}`, headers: bearer(t.keys.officer) })
    ).json();
    expect(detail.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: clip.id,
          role: 'clip',
          url: `/evidence/${clip.id}`,
          sizeBytes: clipBytes.length,
        }),
        expect.objectContaining({ id: plate.id, role: 'plate_crop', mime: 'image/png' }),
      ]),
    );
  });
});

describe('a tampered evidence file', () => {
  let tampered: string;
  beforeAll(async () => {
    const camera = await t.prisma.violation.findUniqueOrThrow({ where: { id: violationId } });
    tampered = (
      await seedViolation(
        t.prisma,
        { cameraId: camera.cameraId, runId, zoneId: camera.zoneId! },
        { startTime: new Date('2026-11-23T04:00:00Z') },
      )
    ).id;
  });
  const tamperAudit = (id: string) =>
    t.prisma.auditLog.findMany({ where: { entityId: id, action: 'evidence.tampered' }, orderBy: { id: 'asc' } });

  it('is refused with 500 evidence-tampered, Range and HEAD requests too, even with its size and mtime kept', async () => {
    const file = await addEvidence(
      `pkg/${tampered}/clip.mp4`,
      path.join(FOOTAGE, 'zzmzvn_hi2.mp4'),
      'clip',
      'video/mp4',
      tampered,
    );
    const full = path.join(t.evidenceRoot, file.path);
    // A whole-second mtime, so that putting it back after the edit restores it to the nanosecond.
    const mtime = new Date('2026-11-23T04:00:00Z');
    await utimes(full, mtime, mtime);
    expect((await get(file.id, { range: 'bytes=0-99' })).statusCode).toBe(206);

    const handle = await open(full, 'r+');
    await handle.write(Buffer.from('forged'), 0, 6, 200);
    await handle.close();
    await utimes(full, mtime, mtime);
    expect((await stat(full, { bigint: true })).mtimeNs).toBe(BigInt(mtime.getTime()) * 1_000_000n);
    const downloadsBefore = await t.prisma.auditLog.count({
      where: { entityId: file.id, action: 'evidence.download' },
    });

    const ranged = await get(file.id, { range: 'bytes=0-99' });
    const problem = expectProblem(ranged, 500);
    expect(problem).toMatchObject({ type: '/problems/evidence-tampered', evidenceId: file.id });
    expect(ranged.headers.etag).toBeUndefined();
    expectProblem(await get(file.id), 500);
    const head = await t.app.inject({ method: 'HEAD', url: `/evidence/${file.id}`, headers: bearer(t.keys.officer) });
    expect(head.statusCode).toBe(500);

    const forged = await readFile(full);
    const audit = await tamperAudit(file.id);
    expect(audit).toHaveLength(3);
    expect(audit[0]).toMatchObject({
      actor: `api-key:${t.keyIds.officer}`,
      details: {
        rowSha256: file.sha256,
        recordedSha256: null,
        actualSha256: createHash('sha256').update(forged).digest('hex'),
        actualSizeBytes: forged.length,
        requestId: ranged.headers['x-request-id'],
      },
    });
    expect(await t.prisma.auditLog.count({ where: { entityId: file.id, action: 'evidence.download' } })).toBe(
      downloadsBefore,
    );
  });

  it('is refused when changed together with its row, against the hash the audit chain recorded', async () => {
    const file = await addEvidence(
      `pkg/${tampered}/frame.png`,
      path.join(STILLS, 'tr1_382_plate.png'),
      'keyframe',
      'image/png',
      tampered,
    );
    await t.prisma.$transaction((tx) =>
      appendAudit(tx, {
        actor: 'worker',
        action: EVIDENCE_RECORDED_ACTION,
        entityType: EVIDENCE_PACKAGE_ENTITY,
        entityId: tampered,
        details: {
          violationId: tampered,
          runId,
          manifestSha256: null,
          files: [
            { id: file.id, role: file.role, path: file.path, sha256: file.sha256, sizeBytes: Number(file.sizeBytes) },
          ],
        },
      }),
    );
    expect((await get(file.id)).statusCode).toBe(200);

    const forged = Buffer.from('a different picture');
    await writeFile(path.join(t.evidenceRoot, file.path), forged);
    const forgedSha = createHash('sha256').update(forged).digest('hex');
    await t.prisma.evidenceFile.update({
      where: { id: file.id },
      data: { sha256: forgedSha, sizeBytes: BigInt(forged.length) },
    });
    expect(expectProblem(await get(file.id), 500).type).toBe('/problems/evidence-tampered');
    expect((await tamperAudit(file.id))[0]!.details).toMatchObject({
      rowSha256: forgedSha,
      recordedSha256: file.sha256,
      actualSha256: forgedSha,
    });
  });
});

describe('GET /violations/:id/verify', () => {
  it('reports intact evidence as ok, then names a tampered and a deleted file', async () => {
    const ok = (
      await t.app.inject({ method: 'GET', url: `/violations/${violationId}/verify`, headers: bearer(t.keys.officer) })
    ).json();
    expect(ok).toMatchObject({ ok: true, checked: 2, mismatches: [] });

    const clipFile = path.join(t.evidenceRoot, clip.path);
    await appendFile(clipFile, 'tampered');
    await rm(path.join(t.evidenceRoot, plate.path));
    const bad = (
      await t.app.inject({ method: 'GET', url: `/violations/${violationId}/verify`, headers: bearer(t.keys.officer) })
    ).json();
    expect(bad.ok).toBe(false);
    expect(bad.mismatches).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ evidenceId: clip.id, problem: 'sha256_mismatch', expected: clip.sha256 }),
        expect.objectContaining({ evidenceId: plate.id, problem: 'missing' }),
      ]),
    );
    expect((await stat(clipFile)).size).toBe(clipBytes.length + 8);
    expectProblem(
      await t.app.inject({
        method: 'GET',
        url: '/violations/0b9d6a1e-3c2f-4e5a-8b7c-6d5e4f3a2b1c/verify',
        headers: bearer(t.keys.officer),
      }),
      404,
    );
  });
});
