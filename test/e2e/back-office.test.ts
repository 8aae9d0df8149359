import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZONE_RULE_DEFAULTS } from '../../src/core/camera-config.js';
import { recordReview } from '../../src/db/reviews.js';
import { seedRun, seedViolation, startTestApi, type TestApi } from '../integration/api-helpers.js';
import { buildConsole, launchBrowser, newPage, screenshot, signIn } from './browser.js';

const DAY_MS = 86_400_000;

let t: TestApi;
let browser: Browser;
let baseURL: string;
const shots: string[] = [];

/** A local time in Seoul `daysAgo` days back, at hh:mm. */
function seoulTime(daysAgo: number, hhmm: string): Date {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(Date.now() - daysAgo * DAY_MS);
  return new Date(`${day}T${hhmm}:00+09:00`);
}

async function review(violationId: string, keyId: string, decision: 'confirm' | 'reject') {
  const done = await recordReview(t.prisma, {
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
  expect(done.ok).toBe(true);
}

beforeAll(async () => {
  await buildConsole();
  t = await startTestApi();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

describe('statistics page', () => {
  it("charts a camera's violations, its zones' reject rates and the reviewers' pace from the database", async () => {
    const s = await seedRun(t.prisma, `통계 카메라 ${process.pid}`);
    const crosswalk = await t.prisma.zone.create({
      data: {
        cameraId: s.camera.id,
        name: '횡단보도',
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
    const at = { cameraId: s.camera.id, runId: s.run.id, zoneId: s.zone.id };
    const [a, b] = [
      await seedViolation(t.prisma, at, { startTime: seoulTime(2, '09:15'), trackId: 1 }),
      await seedViolation(t.prisma, at, { startTime: seoulTime(2, '09:30'), trackId: 2 }),
      await seedViolation(t.prisma, at, { startTime: seoulTime(2, '09:45'), trackId: 3 }),
    ];
    const c = await seedViolation(
      t.prisma,
      { ...at, zoneId: crosswalk.id },
      { startTime: seoulTime(3, '18:05'), trackId: 4 },
    );
    await review(a.id, t.keyIds.officer, 'confirm');
    await review(b.id, t.keyIds.officer, 'reject');
    await review(c.id, t.keyIds.officer2, 'reject');

    const { page } = await newPage(browser, baseURL, { width: 1400, height: 900 });
    await signIn(page, t.keys.ops);
    await page.getByRole('link', { name: '통계', exact: true }).click();
    await page.getByRole('heading', { name: '통계' }).waitFor();
    await page.getByRole('combobox', { name: /^카메라/ }).selectOption({ label: s.camera.name });
    await page.getByRole('button', { name: '적용' }).click();
    await expect.poll(() => page.getByTestId('stats-total').textContent()).toBe('4');
    // six charts drawn by uPlot, each on its canvas
    await expect.poll(() => page.locator('.uplot canvas').count()).toBe(6);
    const zones = page.getByTestId('stats-zones');
    await expect
      .poll(() => zones.getByRole('row', { name: /sidewalk/ }).textContent())
      .toBe(`${s.camera.name} · sidewalk311150%`);
    expect(await zones.getByRole('row', { name: /횡단보도/ }).textContent()).toBe(
      `${s.camera.name} · 횡단보도1010100%`,
    );
    expect(await zones.locator('tr.high-reject').count()).toBe(2);
    const hours = page.getByRole('table', { name: '시간대별 위반' });
    expect(await hours.getByRole('row', { name: /^9시/ }).textContent()).toBe('9시3');
    expect(await hours.getByRole('row', { name: /^18시/ }).textContent()).toBe('18시1');
    const reviewers = page.getByTestId('stats-reviewers');
    expect(await reviewers.locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('stats-backlog').textContent()).toBe('1');
    await screenshot(page, 'stats-01-statistics', shots);
    await page.context().close();
  });

  it('is not offered to officers', async () => {
    const { page } = await newPage(browser, baseURL);
    await signIn(page, t.keys.officer);
    expect(await page.getByRole('link', { name: '통계', exact: true }).count()).toBe(0);
    await page.goto('/console/stats');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('볼 수 없는');
    await page.context().close();
  });
});

describe('live review queue', () => {
  let page: Page;

  it('shows a case recorded while the queue is open, without a reload, with a quiet note', async () => {
    const live = await seedRun(t.prisma, `실시간 카메라 ${process.pid}`);
    const at = { cameraId: live.camera.id, runId: live.run.id, zoneId: live.zone.id };
    const earlier = await seedViolation(t.prisma, at, { startTime: new Date(Date.now() - 60_000), trackId: 1 });
    ({ page } = await newPage(browser, baseURL));
    await signIn(page, t.keys.officer);
    await page.getByRole('combobox', { name: /^카메라/ }).selectOption({ label: live.camera.name });
    await page.getByRole('button', { name: '적용' }).click();
    await page.locator(`tr[data-violation-id="${earlier.id}"]`).waitFor();
    await expect.poll(() => page.locator('table.queue tbody tr').count()).toBe(1);
    // a mark that a reload would wipe
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));

    // the footage of the last seconds, analysed just now: a live case, which the API streams as it is stored
    const fresh = await seedViolation(t.prisma, at, { startTime: new Date(Date.now() - 5_000), trackId: 2 });
    await page.locator(`tr[data-violation-id="${fresh.id}"]`).waitFor({ timeout: 20_000 });
    expect(await page.locator('table.queue tbody tr').first().getAttribute('data-violation-id')).toBe(fresh.id);
    expect(await page.getByRole('status').filter({ hasText: '새 위반' }).textContent()).toBe(
      '새 위반 1건이 목록에 추가되었습니다.',
    );
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await screenshot(page, 'live-01-new-case-toast', shots);
    await page.context().close();
  });
});

describe('queue dashboard', () => {
  it('opens for an admin, with every queue, and the console links to it for admins only', async () => {
    const context = await browser.newContext({
      baseURL,
      viewport: { width: 1280, height: 800 },
      extraHTTPHeaders: { authorization: `Bearer ${t.keys.admin}` },
    });
    const page = await context.newPage();
    const res = await page.goto('/admin/queues');
    expect(res?.status()).toBe(200);
    for (const name of ['analyze-segment', 'batch-complete', 'webhook-delivery'])
      await page.getByText(name).first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'queues-01-dashboard', shots);
    await context.close();

    const { page: admin } = await newPage(browser, baseURL);
    await signIn(admin, t.keys.admin);
    expect(await admin.getByRole('link', { name: '작업 큐' }).getAttribute('href')).toBe('/admin/queues');
    await admin.context().close();
    const { page: ops } = await newPage(browser, baseURL);
    await signIn(ops, t.keys.ops);
    expect(await ops.getByRole('link', { name: '작업 큐' }).count()).toBe(0);
    await ops.context().close();
  });

  it('refuses ops and officers with a 403 problem', async () => {
    for (const key of [t.keys.ops, t.keys.officer]) {
      const context = await browser.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${key}` } });
      const res = await (await context.newPage()).goto('/admin/queues');
      expect(res?.status()).toBe(403);
      expect(res?.headers()['content-type']).toMatch(/^application\/problem\+json/);
      expect(await res?.json()).toMatchObject({ status: 403, type: '/problems/forbidden' });
      await context.close();
    }
  });
});
