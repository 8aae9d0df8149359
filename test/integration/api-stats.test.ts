import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordReview } from '../../src/db/reviews.js';
import { ZONE_RULE_DEFAULTS } from '../../src/core/camera-config.js';
import { bearer, expectProblem, seedRun, seedViolation, startTestApi, type TestApi } from './api-helpers.js';

let t: TestApi;
let a: Awaited<ReturnType<typeof seedRun>>;
let b: Awaited<ReturnType<typeof seedRun>>;
let crosswalkId: string;
/** today in Seoul, where camera A's reviews of today fall */
const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date());

const stats = (query: string, key = t.keys.ops) =>
  t.app.inject({ method: 'GET', url: `/stats?${query}`, headers: bearer(key) });

async function review(violationId: string, keyId: string, decision: 'confirm' | 'reject') {
  const result = await recordReview(t.prisma, {
    violationId,
    expectedVersion: 1,
    apiKeyId: keyId,
    userId: null,
    reviewer: keyId,
    actor: `api-key:${keyId}`,
    decision,
    reasonCode: decision === 'reject' ? 'not_a_violation' : null,
    plateCorrection: null,
    newStatus: decision === 'confirm' ? 'confirmed' : 'rejected',
  });
  expect(result.ok).toBe(true);
}

beforeAll(async () => {
  t = await startTestApi();
  a = await seedRun(t.prisma, `stats cam A ${process.pid}`);
  b = await seedRun(t.prisma, `stats cam B ${process.pid}`);
  await t.prisma.camera.update({ where: { id: b.camera.id }, data: { timezone: 'UTC' } });
  const crosswalk = await t.prisma.zone.create({
    data: {
      cameraId: a.camera.id,
      name: 'crosswalk',
      kind: 'crosswalk',
      ...ZONE_RULE_DEFAULTS,
      classes: [...ZONE_RULE_DEFAULTS.classes],
      polygon: [
        [0, 0],
        [1, 0],
        [1, 0.4],
      ],
    },
  });
  crosswalkId = crosswalk.id;
  const atA = { cameraId: a.camera.id, runId: a.run.id, zoneId: a.zone.id };
  const atB = { cameraId: b.camera.id, runId: b.run.id, zoneId: b.zone.id };
  // Camera A (Asia/Seoul): Monday 10:00 twice, Tuesday 00:30 (Monday 15:30 UTC), and Wednesday 12:00 on the crosswalk.
  const confirmed = await seedViolation(t.prisma, atA, { startTime: new Date('2026-11-23T01:00:00Z') });
  const rejected = await seedViolation(t.prisma, atA, { startTime: new Date('2026-11-23T01:30:00Z'), trackId: 2 });
  const open = await seedViolation(t.prisma, atA, { startTime: new Date('2026-11-23T15:30:00Z'), trackId: 3 });
  const onCrosswalk = await seedViolation(
    t.prisma,
    { ...atA, zoneId: crosswalk.id },
    { startTime: new Date('2026-11-25T03:00:00Z'), trackId: 4 },
  );
  // found again by a re-analysis: it stands once, as `open`
  const superseded = await seedViolation(t.prisma, atA, { startTime: new Date('2026-11-23T15:30:00Z'), trackId: 3 });
  await t.prisma.violation.update({ where: { id: superseded.id }, data: { supersededById: open.id } });
  // Camera B (UTC): Monday 15:30 twice, never reviewed.
  await seedViolation(t.prisma, atB, { startTime: new Date('2026-11-23T15:30:00Z') });
  await seedViolation(t.prisma, atB, { startTime: new Date('2026-11-23T15:31:00Z'), trackId: 2 });

  await review(confirmed.id, t.keyIds.officer, 'confirm');
  await review(rejected.id, t.keyIds.officer2, 'reject');
  await review(onCrosswalk.id, t.keyIds.officer, 'reject');
});
afterAll(async () => {
  await t?.close();
});

const hours = (counts: Record<number, number>) => Array.from({ length: 24 }, (_, h) => counts[h] ?? 0);

describe('GET /stats', () => {
  it("counts a camera's violations by zone, local hour and weekday, with each zone's reject rate", async () => {
    const res = await stats(`cameraId=${a.camera.id}&from=2026-11-01&to=${today}`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.period).toEqual({ from: '2026-11-01', to: today });
    expect(body.total).toBe(4);
    expect(body.cameras).toEqual([{ cameraId: a.camera.id, name: a.camera.name, violations: 4 }]);
    expect(body.zones).toEqual([
      {
        cameraId: a.camera.id,
        cameraName: a.camera.name,
        zoneId: a.zone.id,
        zoneName: 'sidewalk',
        violations: 3,
        confirmed: 1,
        rejected: 1,
        open: 1,
        rejectRate: 0.5,
      },
      {
        cameraId: a.camera.id,
        cameraName: a.camera.name,
        zoneId: crosswalkId,
        zoneName: 'crosswalk',
        violations: 1,
        confirmed: 0,
        rejected: 1,
        open: 0,
        rejectRate: 1,
      },
    ]);
    expect(body.byHour).toEqual(hours({ 10: 2, 0: 1, 12: 1 }));
    expect(body.byWeekday).toEqual([2, 1, 1, 0, 0, 0, 0]);
  });

  it("takes hours and days in each camera's own timezone", async () => {
    const body = (await stats(`cameraId=${b.camera.id}&from=2026-11-23&to=2026-11-23`)).json();
    expect(body.total).toBe(2);
    expect(body.byHour).toEqual(hours({ 15: 2 }));
    expect(body.byWeekday).toEqual([2, 0, 0, 0, 0, 0, 0]);
    expect(body.zones[0]).toMatchObject({ open: 2, rejectRate: null });
  });

  it('filters by zone and by period, both days included', async () => {
    const crosswalk = (await stats(`zoneId=${crosswalkId}&from=2026-11-01&to=2026-11-30`)).json();
    expect(crosswalk.total).toBe(1);
    expect(crosswalk.zones.map((z: { zoneId: string }) => z.zoneId)).toEqual([crosswalkId]);
    // Tuesday in Seoul only: the 00:30 case, though its UTC time is Monday's
    const tuesday = (await stats(`cameraId=${a.camera.id}&from=2026-11-24&to=2026-11-24`)).json();
    expect(tuesday.total).toBe(1);
    expect(tuesday.byHour).toEqual(hours({ 0: 1 }));
    const none = (await stats(`cameraId=${a.camera.id}&from=2026-10-01&to=2026-10-31`)).json();
    expect(none).toMatchObject({ total: 0, zones: [], byHour: hours({}), byWeekday: [0, 0, 0, 0, 0, 0, 0] });
  });

  it('lists every camera when none is named', async () => {
    const body = (await stats(`from=2026-11-01&to=2026-11-30`)).json();
    expect(body.cameras).toEqual(
      expect.arrayContaining([
        { cameraId: a.camera.id, name: a.camera.name, violations: 4 },
        { cameraId: b.camera.id, name: b.camera.name, violations: 2 },
      ]),
    );
  });

  it('reports the backlog as it stands, whatever the period', async () => {
    const body = (await stats(`cameraId=${b.camera.id}&from=2026-10-01&to=2026-10-01`)).json();
    expect(body.backlog.open).toBe(2);
    const oldest = await t.prisma.violation.findFirstOrThrow({
      where: { cameraId: b.camera.id },
      orderBy: { createdAt: 'asc' },
    });
    expect(new Date(body.backlog.oldestAt).getTime()).toBe(oldest.createdAt.getTime());
    expect(body.backlog.oldestAgeSeconds).toBeGreaterThan(0);
    expect(body.backlog.medianAgeSeconds).toBeLessThanOrEqual(body.backlog.oldestAgeSeconds);
    const a1 = (await stats(`cameraId=${a.camera.id}`)).json();
    expect(a1.backlog.open).toBe(1);
  });

  it("counts each reviewer's reviews per day", async () => {
    const body = (await stats(`cameraId=${a.camera.id}&from=2026-11-01&to=${today}`)).json();
    expect(body.reviewers).toHaveLength(2);
    expect(body.reviewers).toEqual(
      expect.arrayContaining([
        { kind: 'key', id: t.keyIds.officer, label: expect.any(String), total: 2, days: [{ day: today, reviews: 2 }] },
        { kind: 'key', id: t.keyIds.officer2, label: expect.any(String), total: 1, days: [{ day: today, reviews: 1 }] },
      ]),
    );
    const crosswalk = (await stats(`zoneId=${crosswalkId}&from=${today}&to=${today}`)).json();
    expect(crosswalk.reviewers).toEqual([
      { kind: 'key', id: t.keyIds.officer, label: expect.any(String), total: 1, days: [{ day: today, reviews: 1 }] },
    ]);
  });

  it('keeps the rollup equal to a fresh count, through reviews, supersession and a deleted zone', async () => {
    const query = `cameraId=${a.camera.id}&from=2026-11-01&to=${today}`;
    await t.prisma.zone.delete({ where: { id: crosswalkId } });
    const before = (await stats(query)).json();
    expect(before.zones).toContainEqual(
      expect.objectContaining({ zoneId: null, zoneName: null, violations: 1, rejected: 1 }),
    );
    await t.prisma.$executeRaw`SELECT rebuild_stats()`;
    expect((await stats(query)).json()).toEqual({ ...before, backlog: expect.any(Object) });
  });

  it('refuses a bad query as problem+json', async () => {
    const reversed = expectProblem(await stats('from=2026-11-02&to=2026-11-01'), 400);
    expect(reversed.errors).toEqual([
      expect.objectContaining({ in: 'querystring', pointer: '/to', detail: 'from must not be after to' }),
    ]);
    const long = expectProblem(await stats('from=2025-01-01&to=2026-11-01'), 400);
    expect(long.errors?.[0]?.pointer).toBe('/from');
    expectProblem(await stats('from=2026-13-01'), 400);
    expectProblem(await stats('to=%E0%A4%A'), 400);
    expectProblem(await stats('from=0000-01-01&to=0000-01-02'), 400);
    expectProblem(await stats('from=9999-12-31&to=9999-12-31'), 400);
    expectProblem(await stats('cameraId=nope'), 400);
    expectProblem(await stats('bucket=hour'), 400);
    expectProblem(await stats(`cameraId=${crypto.randomUUID()}`), 404);
    const foreign = expectProblem(await stats(`cameraId=${b.camera.id}&zoneId=${a.zone.id}`), 400);
    expect(foreign.errors?.[0]?.pointer).toBe('/zoneId');
  });

  it('is for ops and admins: an officer gets 403', async () => {
    expectProblem(await stats('', t.keys.officer), 403);
    expect((await stats('', t.keys.admin)).statusCode).toBe(200);
  });
});
