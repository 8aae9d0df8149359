import { createHash } from 'node:crypto';
import { appendFile, copyFile, mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
let clip: EvidenceFile;
let plate: EvidenceFile;
let clipBytes: Buffer;

async function addEvidence(
  rel: string,
  source: string,
  role: 'clip' | 'plate_crop' | 'keyframe',
  mime: string,
): Promise<EvidenceFile> {
  const dest = path.join(t.evidenceRoot, rel);
  await mkdir(path.dirname(dest), { recursive: true });
  await copyFile(source, dest);
  const data = await readFile(dest);
  return t.prisma.evidenceFile.create({
    data: {
      violationId,
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
