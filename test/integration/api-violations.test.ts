import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  dbFingerprint,
  expectProblem,
  seedRun,
  seedViolation,
  startTestApi,
  type TestApi,
} from './api-helpers.js';

let t: TestApi;
let seeded: Awaited<ReturnType<typeof seedRun>>;
let other: Awaited<ReturnType<typeof seedRun>>;
const ids: string[] = [];

beforeAll(async () => {
  t = await startTestApi({ SECOND_REVIEW_THRESHOLD: '0.8' });
  seeded = await seedRun(t.prisma, `violations cam ${process.pid}`);
  other = await seedRun(t.prisma, `other cam ${process.pid}`);
  const at = { cameraId: seeded.camera.id, runId: seeded.run.id, zoneId: seeded.zone.id };
  // Five violations a minute apart, two sharing a start time to exercise the cursor's id tie-break.
  const times = [
    '2026-11-23T01:00:00Z',
    '2026-11-23T01:01:00Z',
    '2026-11-23T01:02:00Z',
    '2026-11-23T01:02:00Z',
    '2026-11-23T01:03:00Z',
  ];
  for (const [i, time] of times.entries())
    ids.push((await seedViolation(t.prisma, at, { startTime: new Date(time), trackId: i })).id);
  await seedViolation(
    t.prisma,
    { cameraId: other.camera.id, runId: other.run.id, zoneId: other.zone.id },
    { startTime: new Date('2026-11-23T01:30:00Z') },
  );
});
afterAll(async () => {
  await t?.close();
});

const list = (query: string, key = t.keys.officer) =>
  t.app.inject({ method: 'GET', url: `/violations?${query}`, headers: bearer(key) });

describe('GET /violations', () => {
  it('pages newest first with an opaque cursor, visiting every row once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(
        `cameraId=${seeded.camera.id}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      seen.push(...body.items.map((v: { id: string }) => v.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    const rows = await t.prisma.violation.findMany({
      where: { cameraId: seeded.camera.id },
      orderBy: [{ startTime: 'desc' }, { id: 'desc' }],
    });
    expect(seen).toEqual(rows.map((r) => r.id));
  });

  it('filters by camera, zone, status and time range, with counts per status', async () => {
    const byCamera = (await list(`cameraId=${other.camera.id}`)).json();
    expect(byCamera.items).toHaveLength(1);
    expect(byCamera.items[0]).toMatchObject({
      camera: { id: other.camera.id },
      status: 'pending',
      thumbnailEvidenceId: null,
    });
    expect((await list(`zoneId=${seeded.zone.id}`)).json().items).toHaveLength(5);
    const ranged = (
      await list(`cameraId=${seeded.camera.id}&from=2026-11-23T01:01:00Z&to=2026-11-23T01:03:00Z`)
    ).json();
    expect(ranged.items).toHaveLength(3);
    const pendingOnly = (await list(`cameraId=${seeded.camera.id}&status=confirmed`)).json();
    expect(pendingOnly.items).toHaveLength(0);
    expect(pendingOnly.counts).toEqual({ pending: 5, needs_second_review: 0, confirmed: 0, rejected: 0, total: 5 });
    expect((await list(`cameraId=${seeded.camera.id}`, t.keys.ops)).statusCode).toBe(200);
  });

  it('refuses bad filters and forged cursors with 400 problems', async () => {
    expectProblem(await list('status=approved'), 400);
    expectProblem(await list('from=yesterday'), 400);
    expectProblem(await list('from=2026-11-23T02:00:00Z&to=2026-11-23T01:00:00Z'), 400);
    expectProblem(await list('limit=0'), 400);
    expectProblem(await list('color=red'), 400);
    expect(expectProblem(await list('cursor=bm90LWEtY3Vyc29y'), 400).detail).toMatch(/cursor/);
    expectProblem(await t.app.inject({ method: 'GET', url: '/violations' }), 401);
  });
});

describe('GET /violations/:id', () => {
  it('returns camera, zone, run, evidence and review history', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/violations/${ids[0]}`, headers: bearer(t.keys.officer) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: ids[0],
      version: 1,
      camera: { id: seeded.camera.id },
      zone: { id: seeded.zone.id, kind: 'sidewalk' },
      run: { segmentId: seeded.segment.id },
      evidence: [],
      reviews: [],
      canReview: true,
      secondReview: { threshold: 0.8, requiredOnConfirm: false },
    });
    expectProblem(
      await t.app.inject({
        method: 'GET',
        url: '/violations/5b8e7c1a-0d2f-4e6b-9a3c-7f1e2d4c6b8a',
        headers: bearer(t.keys.officer),
      }),
      404,
    );
  });
});

describe('POST /violations/:id/review', () => {
  const review = (id: string, key: string, body: unknown) =>
    t.app.inject({ method: 'POST', url: `/violations/${id}/review`, headers: bearer(key), payload: body as object });

  it('confirms a confident reading in one step, writing ReviewAction and AuditLog together', async () => {
    const res = await review(ids[0]!, t.keys.officer, { decision: 'confirm', expectedVersion: 1 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'confirmed',
      version: 2,
      review: { decision: 'confirm', previousStatus: 'pending', newStatus: 'confirmed' },
    });
    const actions = await t.prisma.reviewAction.findMany({ where: { violationId: ids[0] } });
    expect(actions).toHaveLength(1);
    expect(actions[0]).toMatchObject({ apiKeyId: t.keyIds.officer, previousVersion: 1 });
    // the case's other audit rows are its views (GET /violations/:id)
    const audit = await t.prisma.auditLog.findFirstOrThrow({
      where: { entityType: 'violation', entityId: ids[0], action: { not: 'violation.view' } },
    });
    expect(audit).toMatchObject({ action: 'violation.review.confirm', actor: `api-key:${t.keyIds.officer}` });
    expect(audit.details).toMatchObject({ reviewActionId: actions[0]!.id, newStatus: 'confirmed' });
  });

  it('refuses a stale version with 409 and changes nothing', async () => {
    const before = await dbFingerprint(t.prisma);
    const stale = await review(ids[0]!, t.keys.officer2, {
      decision: 'reject',
      reasonCode: 'not_motorcycle',
      expectedVersion: 1,
    });
    expect(expectProblem(stale, 409)).toMatchObject({
      type: '/problems/stale-version',
      currentVersion: 2,
      currentStatus: 'confirmed',
    });
    const final = await review(ids[0]!, t.keys.officer2, {
      decision: 'reject',
      reasonCode: 'not_motorcycle',
      expectedVersion: 2,
    });
    expect(expectProblem(final, 409).type).toBe('/problems/already-reviewed');
    expect(await dbFingerprint(t.prisma)).toBe(before);
    expect(await t.prisma.violation.findUniqueOrThrow({ where: { id: ids[0] } })).toMatchObject({
      status: 'confirmed',
      version: 2,
    });
  });

  it('lets exactly one of two concurrent reviews of the same version win', async () => {
    const [a, b] = await Promise.all([
      review(ids[1]!, t.keys.officer, { decision: 'reject', reasonCode: 'bicycle', expectedVersion: 1 }),
      review(ids[1]!, t.keys.officer2, { decision: 'confirm', expectedVersion: 1 }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    expect(await t.prisma.reviewAction.count({ where: { violationId: ids[1] } })).toBe(1);
    expect((await t.prisma.violation.findUniqueOrThrow({ where: { id: ids[1] } })).version).toBe(2);
  });

  it('sends a weak plate reading to second review, which the first reviewer cannot finish', async () => {
    const weak = await seedViolation(
      t.prisma,
      { cameraId: seeded.camera.id, runId: seeded.run.id, zoneId: seeded.zone.id },
      { startTime: new Date('2026-11-23T02:00:00Z'), plateConfidence: 0.4, plateText: '12가3458' },
    );
    const first = await review(weak.id, t.keys.officer, {
      decision: 'correct-plate',
      reasonCode: 'ocr_misread',
      plate: '12가3456',
      expectedVersion: 1,
    });
    expect(first.json()).toMatchObject({ status: 'needs_second_review', plateText: '12가3456', version: 2 });

    const detailForFirst = (
      await t.app.inject({ method: 'GET', url: `/violations/${weak.id}`, headers: bearer(t.keys.officer) })
    ).json();
    expect(detailForFirst).toMatchObject({
      canReview: false,
      secondReview: { requiredOnConfirm: true, firstReviewerKeyIds: [t.keyIds.officer] },
    });

    const before = await dbFingerprint(t.prisma);
    const same = await review(weak.id, t.keys.officer, { decision: 'confirm', expectedVersion: 2 });
    expect(expectProblem(same, 403).type).toBe('/problems/second-reviewer-required');
    expect(await dbFingerprint(t.prisma)).toBe(before);

    const second = await review(weak.id, t.keys.officer2, { decision: 'confirm', expectedVersion: 2 });
    expect(second.json()).toMatchObject({ status: 'confirmed', version: 3, plateText: '12가3456' });
    const history = (
      await t.app.inject({ method: 'GET', url: `/violations/${weak.id}`, headers: bearer(t.keys.officer) })
    ).json().reviews;
    expect(
      history.map((r: { decision: string; newStatus: string; previousPlate: string | null }) => [
        r.decision,
        r.newStatus,
        r.previousPlate,
      ]),
    ).toEqual([
      ['correct_plate', 'needs_second_review', '12가3458'],
      ['confirm', 'confirmed', '12가3456'],
    ]);
  });

  it('refuses a typed plate that is no plate, or not Korean on a Korean camera, and sends any correction to a second officer', async () => {
    const strong = await seedViolation(
      t.prisma,
      { cameraId: seeded.camera.id, runId: seeded.run.id, zoneId: seeded.zone.id },
      { startTime: new Date('2026-11-23T02:10:00Z'), plateConfidence: 0.97, plateText: '12가3458' },
    );
    const before = await dbFingerprint(t.prisma);
    const garbage = await review(strong.id, t.keys.officer, {
      decision: 'correct-plate',
      reasonCode: 'plate_misread',
      plate: 'hello!!',
      expectedVersion: 1,
    });
    expect(expectProblem(garbage, 422).type).toBe('/problems/invalid-plate');
    const foreign = await review(strong.id, t.keys.officer, {
      decision: 'correct-plate',
      reasonCode: 'plate_misread',
      plate: '30E58670',
      expectedVersion: 1,
    });
    expect(expectProblem(foreign, 422).detail).toMatch(/not a Korean plate.*foreign_plate/);
    expect(await dbFingerprint(t.prisma)).toBe(before);

    // a foreign plate said to be one is taken, and like any typed plate it waits for another officer
    const first = await review(strong.id, t.keys.officer, {
      decision: 'correct-plate',
      reasonCode: 'foreign_plate',
      plate: '30E58670',
      expectedVersion: 1,
    });
    expect(first.json()).toMatchObject({ status: 'needs_second_review', plateText: '30E58670' });
    // the second officer types another plate: that one waits for a third
    const second = await review(strong.id, t.keys.officer2, {
      decision: 'correct-plate',
      reasonCode: 'plate_misread',
      plate: '12가3459',
      expectedVersion: 2,
    });
    expect(second.json()).toMatchObject({ status: 'needs_second_review', plateText: '12가3459', version: 3 });
    const again = await review(strong.id, t.keys.officer2, { decision: 'confirm', expectedVersion: 3 });
    expect(expectProblem(again, 403).type).toBe('/problems/second-reviewer-required');
  });

  it('treats a violation with no plate reading as needing a second reviewer', async () => {
    const none = await seedViolation(
      t.prisma,
      { cameraId: seeded.camera.id, runId: seeded.run.id, zoneId: seeded.zone.id },
      { startTime: new Date('2026-11-23T02:05:00Z'), plateConfidence: null, plateText: null },
    );
    expect((await review(none.id, t.keys.officer, { decision: 'confirm', expectedVersion: 1 })).json().status).toBe(
      'needs_second_review',
    );
    expect(
      (
        await review(none.id, t.keys.officer2, {
          decision: 'reject',
          reasonCode: 'plate_unreadable',
          expectedVersion: 2,
        })
      ).json().status,
    ).toBe('rejected');
  });

  it.each([
    ['an unknown decision', { decision: 'approve', expectedVersion: 1 }, '/decision'],
    ['a version given as a string', { decision: 'confirm', expectedVersion: '1' }, '/expectedVersion'],
    ['no version', { decision: 'confirm' }, '/expectedVersion'],
    ['an unknown field', { decision: 'confirm', expectedVersion: 1, status: 'confirmed' }, '/status'],
    ['a correction without a plate', { decision: 'correct-plate', reasonCode: 'ocr', expectedVersion: 1 }, '/plate'],
    ['a reject without a reason', { decision: 'reject', expectedVersion: 1 }, '/reasonCode'],
  ])('refuses %s (400, nothing changed)', async (_name, body, pointer) => {
    const before = await dbFingerprint(t.prisma);
    const res = await review(ids[2]!, t.keys.officer, body);
    expect(expectProblem(res, 400).errors!.map((e) => e.pointer)).toContain(pointer);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('refuses ops keys, missing keys and unknown violations', async () => {
    const before = await dbFingerprint(t.prisma);
    expectProblem(await review(ids[2]!, t.keys.ops, { decision: 'confirm', expectedVersion: 1 }), 403);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/violations/${ids[2]}/review`,
        payload: { decision: 'confirm', expectedVersion: 1 },
      }),
      401,
    );
    expectProblem(
      await review('5b8e7c1a-0d2f-4e6b-9a3c-7f1e2d4c6b8a', t.keys.officer, { decision: 'confirm', expectedVersion: 1 }),
      404,
    );
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('counts a review in the tabs on the very next list, though counts are kept a second', async () => {
    const counts = async () => (await list(`cameraId=${seeded.camera.id}&status=pending`)).json().counts;
    const before = await counts();
    const res = await review(ids[4]!, t.keys.officer, {
      decision: 'reject',
      reasonCode: 'bicycle',
      expectedVersion: 1,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await counts()).toEqual({
      ...before,
      pending: before.pending - 1,
      rejected: before.rejected + 1,
    });
  });

  it('keeps the audit chain intact after all of it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/audit/verify', headers: bearer(t.keys.officer) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true });
    expect(res.json().checked).toBeGreaterThan(5);
  });
});
