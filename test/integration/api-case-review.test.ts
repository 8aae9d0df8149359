import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
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

/** Integrity on screen and in review, a case's audit trail, plate search and vehicle history, bulk review. */

const STILLS = path.resolve(FOOTAGE, '../stills');
let t: TestApi;
let at: { cameraId: string; runId: string; zoneId: string };
let other: { cameraId: string; runId: string; zoneId: string };
let day = 0;

beforeAll(async () => {
  t = await startTestApi();
  const a = await seedRun(t.prisma, `case cam A ${process.pid}`);
  const b = await seedRun(t.prisma, `case cam B ${process.pid}`);
  at = { cameraId: a.camera.id, runId: a.run.id, zoneId: a.zone.id };
  other = { cameraId: b.camera.id, runId: b.run.id, zoneId: b.zone.id };
});
afterAll(async () => {
  await t?.close();
});

/** A violation on its own day, so lists filtered by day hold only what a test made. */
function violation(plateText: string | null = '12가3456', where = at, plateConfidence = 0.95) {
  day++;
  return seedViolation(t.prisma, where, {
    startTime: new Date(Date.UTC(2026, 10, 1 + day, 3)),
    plateText,
    plateConfidence,
  });
}

async function addEvidence(violationId: string, name: string, source: string, role: 'keyframe' | 'manifest') {
  const rel = `pkg/${violationId}/${name}`;
  const dest = path.join(t.evidenceRoot, rel);
  await mkdir(path.dirname(dest), { recursive: true });
  await copyFile(source, dest);
  const data = await readFile(dest);
  return t.prisma.evidenceFile.create({
    data: {
      violationId,
      role,
      path: rel,
      mime: role === 'manifest' ? 'application/json' : 'image/png',
      sha256: createHash('sha256').update(data).digest('hex'),
      sizeBytes: BigInt(data.length),
    },
  });
}

/** A keyframe and a manifest, recorded in the audit chain as the analysis store does. */
async function withPackage(violationId: string): Promise<{ keyframe: EvidenceFile; manifest: EvidenceFile }> {
  const keyframe = await addEvidence(violationId, 'keyframe-peak.png', path.join(STILLS, 'tr1_382.png'), 'keyframe');
  const manifestSource = path.join(t.evidenceRoot, `manifest-${violationId}.json`);
  await writeFile(manifestSource, JSON.stringify({ files: [{ path: 'keyframe-peak.png', sha256: keyframe.sha256 }] }));
  const manifest = await addEvidence(violationId, 'manifest.json', manifestSource, 'manifest');
  await t.prisma.$transaction((tx) =>
    appendAudit(tx, {
      actor: 'worker',
      action: EVIDENCE_RECORDED_ACTION,
      entityType: EVIDENCE_PACKAGE_ENTITY,
      entityId: violationId,
      details: {
        violationId,
        runId: at.runId,
        manifestSha256: manifest.sha256,
        files: [keyframe, manifest].map((f) => ({
          id: f.id,
          role: f.role,
          path: f.path,
          sha256: f.sha256,
          sizeBytes: Number(f.sizeBytes),
        })),
      },
    }),
  );
  return { keyframe, manifest };
}

/** Changes one byte in the middle of an evidence file, keeping its size. */
async function flipByte(file: EvidenceFile): Promise<() => Promise<void>> {
  const full = path.join(t.evidenceRoot, file.path);
  const original = await readFile(full);
  const changed = Buffer.from(original);
  const i = Math.floor(changed.length / 2);
  changed[i] = changed[i]! ^ 0xff;
  await writeFile(full, changed);
  return () => writeFile(full, original);
}

const get = (url: string, key = t.keys.officer) => t.app.inject({ method: 'GET', url, headers: bearer(key) });
const review = (id: string, body: Record<string, unknown>, key = t.keys.officer) =>
  t.app.inject({ method: 'POST', url: `/violations/${id}/review`, headers: bearer(key), payload: body });
const bulk = (body: Record<string, unknown>, key = t.keys.officer) =>
  t.app.inject({ method: 'POST', url: '/reviews/bulk', headers: bearer(key), payload: body });

describe('evidence integrity on a case', () => {
  it('shows the check and the package hash; a changed keyframe blocks review, on screen and in the API', async () => {
    const v = await violation();
    const { keyframe, manifest } = await withPackage(v.id);

    const intact = (await get(`/violations/${v.id}`)).json();
    expect(intact.integrity).toMatchObject({ ok: true, checked: 2, mismatches: [], recorded: true });
    expect(intact.integrity.packageSha256).toBe(manifest.sha256);
    expect(intact.canReview).toBe(true);

    const restore = await flipByte(keyframe);
    const shown = (await get(`/violations/${v.id}`)).json();
    expect(shown.canReview).toBe(false);
    expect(shown.integrity.ok).toBe(false);
    expect(shown.integrity.mismatches).toEqual([
      expect.objectContaining({ evidenceId: keyframe.id, problem: 'sha256_mismatch', expected: keyframe.sha256 }),
    ]);
    const verified = (await get(`/violations/${v.id}/verify`)).json();
    expect(verified.mismatches).toEqual([expect.objectContaining({ problem: 'sha256_mismatch' })]);

    const before = await dbFingerprint(t.prisma);
    const refused = expectProblem(await review(v.id, { decision: 'confirm', expectedVersion: 1 }), 422);
    expect(refused.type).toBe('/problems/evidence-integrity-failed');
    expect(refused.detail).toContain('keyframe-peak.png (sha256_mismatch)');
    expect(refused.mismatches).toEqual([expect.objectContaining({ evidenceId: keyframe.id })]);
    expect(await dbFingerprint(t.prisma)).toBe(before);

    await restore();
    const res = await review(v.id, { decision: 'confirm', expectedVersion: 1 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('confirmed');
  });

  it('names a row changed together with its file, against the hash the audit chain recorded', async () => {
    const v = await violation();
    const { keyframe } = await withPackage(v.id);
    const forged = Buffer.from('another picture');
    await writeFile(path.join(t.evidenceRoot, keyframe.path), forged);
    await t.prisma.evidenceFile.update({
      where: { id: keyframe.id },
      data: { sha256: createHash('sha256').update(forged).digest('hex'), sizeBytes: BigInt(forged.length) },
    });
    const verified = (await get(`/violations/${v.id}/verify`)).json();
    expect(verified.ok).toBe(false);
    expect(verified.mismatches).toEqual([
      expect.objectContaining({ evidenceId: keyframe.id, problem: 'row_altered', expected: keyframe.sha256 }),
    ]);
    expect(expectProblem(await review(v.id, { decision: 'confirm', expectedVersion: 1 }), 422).type).toBe(
      '/problems/evidence-integrity-failed',
    );
  });
});

describe("a case's audit trail", () => {
  it('lists who viewed, downloaded and decided, newest first, each row linked in the chain', async () => {
    const v = await violation();
    const { keyframe } = await withPackage(v.id);
    await get(`/violations/${v.id}`, t.keys.officer2);
    expect((await get(`/evidence/${keyframe.id}`)).statusCode).toBe(200);
    expect((await review(v.id, { decision: 'reject', reasonCode: 'duplicate', expectedVersion: 1 })).statusCode).toBe(
      200,
    );
    // someone else's case does not show
    await get(`/violations/${(await violation()).id}`);

    const trail = (await get(`/violations/${v.id}/audit`)).json();
    expect(trail.items.map((e: { action: string }) => e.action)).toEqual([
      'violation.review.reject',
      'evidence.download',
      'violation.view',
      'evidence.recorded',
    ]);
    expect(trail.items[0]).toMatchObject({
      actor: `api-key:${t.keyIds.officer}`,
      details: { reasonCode: 'duplicate' },
    });
    expect(trail.items[2]).toMatchObject({ actor: `api-key:${t.keyIds.officer2}`, entityId: v.id });
    expect(trail.items.every((e: { linked: boolean }) => e.linked)).toBe(true);
    expect(trail.chain).toEqual({ ok: true, checked: 4, firstBadId: null });
  });

  it("shows a row of the case's trail edited in the database as unlinked", async () => {
    const v = await violation();
    await get(`/violations/${v.id}`);
    const row = await t.prisma.auditLog.findFirstOrThrow({ where: { entityId: v.id, action: 'violation.view' } });
    const raw = new pg.Client({ connectionString: t.deps.config.DATABASE_URL });
    await raw.connect();
    try {
      // as someone with direct database access could: the append-only trigger is bypassed
      await raw.query('SET session_replication_role = replica');
      await raw.query(`UPDATE audit_log SET actor = 'someone else' WHERE id = $1`, [row.id]);
    } finally {
      await raw.end();
    }
    const trail = (await get(`/violations/${v.id}/audit`)).json();
    expect(trail.chain).toMatchObject({ ok: false, firstBadId: row.id.toString() });
    expect(trail.items.find((e: { id: string }) => e.id === row.id.toString()).linked).toBe(false);
    // put back, so the chain of the later tests is whole again
    const fix = new pg.Client({ connectionString: t.deps.config.DATABASE_URL });
    await fix.connect();
    try {
      await fix.query('SET session_replication_role = replica');
      await fix.query(`UPDATE audit_log SET actor = $2 WHERE id = $1`, [row.id, row.actor]);
    } finally {
      await fix.end();
    }
    expect((await get(`/violations/${v.id}/audit`)).json().chain.ok).toBe(true);
  });
});

describe('plate search and vehicle history', () => {
  let plates: Record<string, string>;
  beforeAll(async () => {
    plates = {};
    for (const [key, plate, where] of [
      ['a', '68허5172', at],
      ['b', '68허5172', other],
      ['c', '서울68허1234', at],
      ['d', '12나5172', other],
      ['e', 'AB68허', at],
    ] as const)
      plates[key] = (await violation(plate, where)).id;
  });

  const search = async (plate: string) => {
    const res = await get(`/violations?plate=${encodeURIComponent(plate)}&limit=200`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ items: { id: string }[]; counts: { total: number } }>();
  };
  const ids = (page: { items: { id: string }[] }) => page.items.map((i) => i.id).sort();

  it('finds full and partial plates, Hangul included, with the counts under the same search', async () => {
    const partial = await search('68허');
    expect(ids(partial)).toEqual([plates.a, plates.b, plates.c, plates.e].sort());
    expect(partial.counts.total).toBe(4);
    expect(ids(await search('68허5172'))).toEqual([plates.a, plates.b].sort());
    expect(ids(await search('5172'))).toEqual([plates.a, plates.b, plates.d].sort());
    expect(ids(await search('서울68'))).toEqual([plates.c]);
    expect(ids(await search('ab6'))).toEqual([plates.e]);
    // decomposed Hangul, as a Mac's input method may send it, finds the same plates
    expect(ids(await search('68허'.normalize('NFD')))).toEqual(ids(partial));
  });

  it('refuses a search too short for the index or holding anything but plate characters', async () => {
    for (const bad of ['77', '7%9', '77_더', 'x'.repeat(17)]) {
      const problem = expectProblem(await get(`/violations?plate=${encodeURIComponent(bad)}`), 400);
      expect(problem.errors?.[0]).toMatchObject({ in: 'querystring', pointer: '/plate' });
    }
  });

  it("lists the vehicle's other cases across cameras and days, the same plate only", async () => {
    const history = (await get(`/violations/${plates.a}/history`)).json();
    expect(history.plate).toBe('68허5172');
    expect(history.items.map((i: { id: string }) => i.id)).toEqual([plates.b]);
    expect(history.items[0].camera.id).toBe(other.cameraId);
    const unread = await violation(null);
    expect((await get(`/violations/${unread.id}/history`)).json()).toEqual({ plate: null, items: [] });
  });
});

describe('POST /reviews/bulk', () => {
  it('rejects several cases with one reason, each its own review row and audit row', async () => {
    const cases = [await violation(), await violation(), await violation()];
    const res = await bulk({
      decision: 'reject',
      reasonCode: 'duplicate',
      items: cases.map((c) => ({ id: c.id, expectedVersion: c.version })),
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ succeeded: 3, failed: 0 });
    expect(body.results).toEqual(cases.map((c) => ({ id: c.id, ok: true, status: 'rejected', version: 2 })));
    for (const c of cases) {
      const reviews = await t.prisma.reviewAction.findMany({ where: { violationId: c.id } });
      expect(reviews).toMatchObject([{ decision: 'reject', reasonCode: 'duplicate', apiKeyId: t.keyIds.officer }]);
      const audit = await t.prisma.auditLog.findMany({ where: { entityId: c.id, action: 'violation.review.reject' } });
      expect(audit).toHaveLength(1);
      expect(audit[0]!.details).toMatchObject({ reviewActionId: reviews[0]!.id, reasonCode: 'duplicate' });
      expect((audit[0]!.details as { bulkRequestId?: string }).bulkRequestId).toEqual(expect.any(String));
    }
  });

  it('reports each item on its own: stale, already decided, tampered, unknown, second review', async () => {
    const fine = await violation();
    const stale = await violation();
    const decided = await violation();
    expect((await review(decided.id, { decision: 'confirm', expectedVersion: 1 })).statusCode).toBe(200);
    const tampered = await violation();
    const { keyframe } = await withPackage(tampered.id);
    const restore = await flipByte(keyframe);
    const weak = await violation('12가3456', at, 0.3);
    const unknown = '0b9d6a1e-3c2f-4e5a-8b7c-6d5e4f3a2b1c';

    const res = await bulk({
      decision: 'confirm',
      items: [
        { id: fine.id, expectedVersion: 1 },
        { id: stale.id, expectedVersion: 7 },
        { id: decided.id, expectedVersion: 2 },
        { id: tampered.id, expectedVersion: 1 },
        { id: weak.id, expectedVersion: 1 },
        { id: unknown, expectedVersion: 1 },
      ],
    });
    await restore();
    expect(res.statusCode, res.body).toBe(200);
    const { results, succeeded, failed } = res.json();
    expect({ succeeded, failed }).toEqual({ succeeded: 2, failed: 4 });
    expect(results).toEqual([
      { id: fine.id, ok: true, status: 'confirmed', version: 2 },
      { id: stale.id, ok: false, problem: expect.objectContaining({ type: '/problems/stale-version', status: 409 }) },
      { id: decided.id, ok: false, problem: expect.objectContaining({ type: '/problems/already-reviewed' }) },
      {
        id: tampered.id,
        ok: false,
        problem: expect.objectContaining({ type: '/problems/evidence-integrity-failed', status: 422 }),
      },
      // the review policy still applies: a weak plate waits for a second officer
      { id: weak.id, ok: true, status: 'needs_second_review', version: 2 },
      { id: unknown, ok: false, problem: expect.objectContaining({ type: '/problems/not-found', status: 404 }) },
    ]);
    expect(await t.prisma.reviewAction.count({ where: { violationId: { in: [stale.id, tampered.id] } } })).toBe(0);

    // the officer who sent it to second review may not finish it, in bulk either
    const again = (await bulk({ decision: 'confirm', items: [{ id: weak.id, expectedVersion: 2 }] })).json();
    expect(again.results[0].problem.type).toBe('/problems/second-reviewer-required');
    const second = (
      await bulk({ decision: 'confirm', items: [{ id: weak.id, expectedVersion: 2 }] }, t.keys.officer2)
    ).json();
    expect(second.results[0]).toMatchObject({ ok: true, status: 'confirmed' });
  });

  it('refuses a malformed request whole: no reason to reject, an id twice, too many, an ops key', async () => {
    const v = await violation();
    const item = { id: v.id, expectedVersion: 1 };
    const before = await dbFingerprint(t.prisma);
    expect(expectProblem(await bulk({ decision: 'reject', items: [item] }), 400).errors?.[0]?.pointer).toBe(
      '/reasonCode',
    );
    expect(expectProblem(await bulk({ decision: 'confirm', items: [item, item] }), 400).errors?.[0]?.pointer).toBe(
      '/items',
    );
    expectProblem(await bulk({ decision: 'confirm', items: [] }), 400);
    expectProblem(await bulk({ decision: 'correct-plate', reasonCode: 'x', items: [item] }), 400);
    expectProblem(await bulk({ decision: 'confirm', items: Array.from({ length: 101 }, () => item) }), 400);
    expectProblem(await bulk({ decision: 'confirm', items: [item] }, t.keys.ops), 403);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });
});
