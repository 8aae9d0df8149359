import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnalysisWorker, type AnalysisWorkerHandle } from '../../src/queue/analysis-worker.js';
import { createLogger } from '../../src/logger.js';
import { startTestApi, type TestApi } from '../integration/api-helpers.js';
import { buildConsole, clickSurface, launchBrowser, newPage, screenshot, signIn } from './browser.js';

const CLIP = path.resolve(import.meta.dirname, '../../../shared/footage/thanglm_traffic.mp4');
const CAMERA = 'E2E 대로 카메라';
/** The right-hand lanes of the boulevard, where the motorbikes ride (normalised image coordinates). */
const LANES: [number, number][] = [
  [0.45, 0.4],
  [0.99, 0.4],
  [0.99, 0.99],
  [0.38, 0.99],
];
/** The same four corners in crossing order: a bow tie the API must refuse. */
const BOW_TIE: [number, number][] = [LANES[0]!, LANES[2]!, LANES[1]!, LANES[3]!];

/** The worker analyses the 10 s clip and writes the evidence on a shared, busy CPU. */
const ANALYSIS_TIMEOUT_MS = 900_000;
/** one to confirm, one to reject, one to correct */
const MIN_VIOLATIONS = 3;
/** a Korean plate: the console's camera reads Korean plates, and a correction must follow that format */
const CORRECTED_PLATE = '12가3456';

let t: TestApi;
/** Footage and evidence of this run, inside the project's gitignored var/. */
let runDir: string;
let worker: AnalysisWorkerHandle;
let browser: Browser;
let baseURL: string;
/** The camera the ops tests create; the officers' tests look only at its cases. */
let cameraId: string;
const shots: string[] = [];

beforeAll(async () => {
  await buildConsole();
  await mkdir(path.resolve(import.meta.dirname, '../../var/e2e'), { recursive: true });
  runDir = await mkdtemp(path.resolve(import.meta.dirname, '../../var/e2e/run-'));
  t = await startTestApi({ FOOTAGE_ROOT: path.join(runDir, 'footage'), EVIDENCE_ROOT: path.join(runDir, 'evidence') });
  worker = startAnalysisWorker({
    prisma: t.prisma,
    config: t.deps.config,
    logger: createLogger('silent'),
    prefix: t.queue.opts.prefix,
    reconcileIntervalMs: 0,
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await t?.close();
  if (runDir) await rm(runDir, { recursive: true, force: true });
  console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

describe('web console, ops', () => {
  let ops: Page;

  it('serves the console at / and under /console, and keeps API paths for the API', async () => {
    const root = await fetch(`${baseURL}/`);
    expect(root.headers.get('content-type')).toMatch(/^text\/html/);
    expect(root.headers.get('content-security-policy')).toContain("default-src 'self'");
    const deep = await fetch(`${baseURL}/console/cameras/anything`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="app">');
    const api = await fetch(`${baseURL}/cameras`);
    expect(api.status).toBe(401);
  });

  it('signs in with a key kept out of the URL and refuses a wrong key', async () => {
    ({ page: ops } = await newPage(browser, baseURL));
    await ops.goto('/');
    await ops.getByText('API 키로 로그인').click();
    await ops.getByLabel('API 키').fill('mg_wrong');
    await ops.getByRole('button', { name: '키로 로그인', exact: true }).click();
    await expect.poll(() => ops.getByRole('alert').textContent()).toContain('올바르지 않거나');
    await screenshot(ops, '01-sign-in', shots);
    await signIn(ops, t.keys.ops);
    expect(ops.url()).not.toContain(t.keys.ops);
    expect(await ops.evaluate(() => sessionStorage.getItem('motoguard.apiKey'))).toBe(t.keys.ops);
    // ops sees cameras and footage, not the officers' queue
    await expect.poll(() => ops.getByRole('navigation').textContent()).toContain('카메라');
    expect(await ops.getByRole('link', { name: '검토 대기열' }).count()).toBe(0);
  });

  it('creates a camera and draws a zone on a frame of the clip, with errors next to the field', async () => {
    await ops.getByLabel('이름', { exact: true }).fill(CAMERA);
    await ops.getByRole('button', { name: '만들기' }).click();
    await ops.getByRole('heading', { name: `카메라: ${CAMERA}` }).waitFor();
    cameraId = ops.url().split('/').pop()!;
    const camera = await t.prisma.camera.findUniqueOrThrow({ where: { id: cameraId } });
    expect(camera).toMatchObject({ name: CAMERA, timezone: 'Asia/Seoul' });

    // No footage yet: the reference frame comes from the clip, decoded in the browser.
    await ops.getByLabel('영상 파일').setInputFiles(CLIP);
    await ops.locator('.zone-editor img').waitFor();

    // the camera's own settings form has a 저장 button too
    const saveZone = ops.locator('form.zone-form').getByRole('button', { name: '저장' });
    await clickSurface(ops, LANES.slice(0, 2));
    await ops.getByLabel('구역 이름').fill('차로 전체');
    await ops.getByLabel('종류').selectOption('restricted_road');
    await saveZone.click();
    await expect.poll(() => ops.locator('#polygon-error').textContent()).toContain('3개 이상');

    await ops.getByRole('button', { name: '꼭짓점 모두 지우기' }).click();
    await clickSurface(ops, BOW_TIE);
    await saveZone.click();
    await expect.poll(() => ops.locator('#polygon-error').textContent()).toMatch(/intersect|cross|교차/i);
    expect(await t.prisma.zone.count({ where: { cameraId } })).toBe(0);
    await screenshot(ops, '03-zone-validation-error', shots);

    await ops.getByRole('button', { name: '꼭짓점 모두 지우기' }).click();
    await clickSurface(ops, LANES);
    // Move the last point with the keyboard, then back. It takes focus on the next animation frame after being
    // placed; a key pressed before that would move the point placed before it.
    const last = ops.locator('.zone-editor .vertex').nth(LANES.length - 1);
    await expect.poll(() => last.evaluate((el) => el === document.activeElement)).toBe(true);
    await ops.keyboard.press('ArrowLeft');
    await ops.keyboard.press('ArrowRight');
    // Riders waiting at the stop line count too: no minimum travel inside the zone.
    await ops.getByLabel('최소 체류 시간(초)').fill('0.5');
    await ops.getByLabel('최소 이동 거리(화면 비율)').fill('0');
    await saveZone.click();
    await ops.getByText('구역을 저장했습니다.').waitFor();
    const zone = await t.prisma.zone.findFirstOrThrow({ where: { cameraId } });
    expect(zone).toMatchObject({
      name: '차로 전체',
      kind: 'restricted_road',
      minDwellSeconds: 0.5,
      minDisplacement: 0,
      schedule: null,
    });
    const polygon = zone.polygon as [number, number][];
    expect(polygon).toHaveLength(4);
    polygon.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(LANES[i]![0], 2);
      expect(y).toBeCloseTo(LANES[i]![1], 2);
    });
    await screenshot(ops, '04-camera-zone-editor', shots);
  });

  it(
    'uploads the clip, shows the analysis progress and then the violations it found',
    async () => {
      await ops.getByRole('link', { name: '영상', exact: true }).click();
      await ops.getByLabel('카메라', { exact: true }).selectOption(cameraId);
      await ops.getByLabel('영상 파일').setInputFiles(CLIP);
      // ops give the camera clock's start (without it the clip's creation_time, marked 추정, would be used)
      const now = new Date();
      const localNow = new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
      await ops.getByLabel('촬영 시작 시각').fill(localNow);
      await ops.getByRole('button', { name: '올리기' }).click();
      const progress = ops.locator('section.progress');
      await progress.waitFor();
      const segmentId = (await progress.getAttribute('data-segment-id'))!;
      expect((await t.prisma.segment.findUniqueOrThrow({ where: { id: segmentId } })).cameraId).toBe(cameraId);
      await screenshot(ops, '05-footage-progress', shots);

      await ops
        .locator('section.progress[data-segment-status="done"], section.progress[data-segment-status="failed"]')
        .waitFor({ timeout: ANALYSIS_TIMEOUT_MS });
      const analysed = await t.prisma.segment.findUniqueOrThrow({ where: { id: segmentId } });
      expect(analysed, analysed.error ?? '').toMatchObject({
        status: 'done',
        error: null,
        startTimeSource: 'explicit',
      });
      const found = await t.prisma.violation.count({ where: { cameraId } });
      expect(found).toBeGreaterThanOrEqual(MIN_VIOLATIONS);
      await expect.poll(() => ops.locator('.segment-violations li').count()).toBe(found);
      await screenshot(ops, '06-footage-done', shots);

      await ops.getByRole('link', { name: '카메라', exact: true }).click();
      const row = ops.getByRole('row', { name: new RegExp(CAMERA) });
      await expect.poll(() => row.textContent()).toMatch(/없음/);
      expect(await row.locator('td').nth(4).textContent()).toBe('1');
      await screenshot(ops, '02-cameras-health', shots);
    },
    ANALYSIS_TIMEOUT_MS + 60_000,
  );
});

describe('web console, officers', () => {
  let officer: Page;
  let officer2: Page;
  const reviewed: { id: string; decision: 'confirm' | 'reject' | 'correct_plate' }[] = [];

  /** What the review policy says a confirm or correction leads to for this plate confidence. */
  const afterFirstReview = (confidence: number | null) =>
    confidence !== null && confidence >= t.deps.config.SECOND_REVIEW_THRESHOLD ? 'confirmed' : 'needs_second_review';

  const openViolationId = async (page: Page) => {
    const article = page.locator('article.violation');
    await article.waitFor();
    return (await article.getAttribute('data-violation-id'))!;
  };

  /** Keyframes decoded and the clip's first frame ready. */
  const evidenceLoaded = async (page: Page) => {
    await expect
      .poll(
        () =>
          page
            .locator('.strip img')
            .evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length),
        { timeout: 30_000 },
      )
      .toBe(3);
    const video = page.locator('.clip video');
    await video.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 30_000 })
      .toBeGreaterThanOrEqual(2);
  };

  it('lists pending violations newest first with counts, and opens one from the keyboard', async () => {
    ({ page: officer } = await newPage(browser, baseURL));
    await signIn(officer, t.keys.officer);
    // These reviews walk on with J themselves; the console's move to the next case is console-reanalyse.test.ts's.
    await officer.evaluate(() => localStorage.setItem('motoguard.autoAdvance', 'off'));
    await officer.getByRole('heading', { name: '검토 대기열' }).waitFor();
    const rows = officer.locator('table.queue tbody tr');
    await rows.first().waitFor();
    const pending = await t.prisma.violation.findMany({
      where: { status: 'pending' },
      orderBy: [{ startTime: 'desc' }, { id: 'desc' }],
    });
    expect(await rows.count()).toBe(pending.length);
    const shownIds = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-violation-id')));
    expect(shownIds).toEqual(pending.map((v) => v.id));
    await expect.poll(() => officer.locator('.counts').textContent()).toContain(`대기 ${pending.length}`);
    // ops pages are not offered to an officer
    expect(await officer.getByRole('link', { name: '카메라', exact: true }).count()).toBe(0);
    await screenshot(officer, '07-review-queue', shots);

    await officer.keyboard.press('j');
    await officer.keyboard.press('k');
    await officer.keyboard.press('Enter');
    expect(await openViolationId(officer)).toBe(pending[0]!.id);
  });

  it('shows the evidence: keyframes, clip with seek, plate crop, reading, details and history', async () => {
    const page = officer;
    await evidenceLoaded(page);
    const video = page.locator('.clip video');
    await page.getByRole('button', { name: '이탈(으)로 이동' }).click();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThan(0);
    await page.getByRole('button', { name: '표시', exact: true }).click();
    await expect
      .poll(
        () =>
          page
            .locator('.strip img[alt*="표시"]')
            .evaluateAll((imgs) => imgs.filter((i) => (i as HTMLImageElement).naturalWidth > 0).length),
        {
          timeout: 30_000,
        },
      )
      .toBe(3);
    await page.getByRole('heading', { name: '검토 이력' }).waitFor();
    await screenshot(page, '08-violation', shots);
  }, 120_000);

  it('confirms with C, rejects with R and a reason, corrects a plate with P, moving on with J', async () => {
    const page = officer;
    const first = await openViolationId(page);
    const before = await t.prisma.violation.findUniqueOrThrow({ where: { id: first } });
    await page.keyboard.press('c');
    await page.locator('.actions .notice.ok').waitFor();
    await expect
      .poll(async () => (await t.prisma.violation.findUniqueOrThrow({ where: { id: first } })).status)
      .toBe(afterFirstReview(before.plateConfidence));
    reviewed.push({ id: first, decision: 'confirm' });

    await page.keyboard.press('j');
    await expect.poll(() => openViolationId(page)).not.toBe(first);
    const second = await openViolationId(page);
    await page.keyboard.press('r');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('reason');
    await page.locator('#reason').selectOption('not_motorcycle');
    await page.keyboard.press('Enter');
    await page.locator('.actions .notice.ok').waitFor();
    expect(await t.prisma.violation.findUniqueOrThrow({ where: { id: second } })).toMatchObject({
      status: 'rejected',
      version: 2,
    });
    reviewed.push({ id: second, decision: 'reject' });

    await page.keyboard.press('j');
    await expect.poll(() => openViolationId(page)).not.toBe(second);
    const third = await openViolationId(page);
    // A second officer opens the same violation before the first one corrects it.
    ({ page: officer2 } = await newPage(browser, baseURL));
    await signIn(officer2, t.keys.officer2);
    await officer2.evaluate(() => localStorage.setItem('motoguard.autoAdvance', 'off'));
    await officer2.goto(`/console/violations/${third}`);
    await openViolationId(officer2);

    await page.keyboard.press('p');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('plate');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type(CORRECTED_PLATE);
    await page.keyboard.press('Enter');
    await page.locator('.actions .notice.ok').waitFor();
    const corrected = await t.prisma.violation.findUniqueOrThrow({ where: { id: third } });
    expect(corrected).toMatchObject({
      plateText: CORRECTED_PLATE,
      // a typed plate is always seen by a second officer, however well the machine read it
      status: 'needs_second_review',
    });
    await expect.poll(() => page.getByTestId('plate-text').textContent()).toContain(CORRECTED_PLATE);
    reviewed.push({ id: third, decision: 'correct_plate' });
    await screenshot(page, '09-violation-corrected', shots);

    // The second officer still sees version 1: the reject is refused as stale and nothing is overwritten.
    await officer2.keyboard.press('r');
    await expect.poll(() => officer2.evaluate(() => document.activeElement?.id)).toBe('reason');
    await officer2.keyboard.press('Enter');
    await officer2.locator('.actions .notice.warn', { hasText: '다른 검토자가 먼저' }).waitFor();
    const after = await t.prisma.violation.findUniqueOrThrow({ where: { id: third }, include: { reviews: true } });
    expect(after).toMatchObject({ plateText: CORRECTED_PLATE, status: corrected.status, version: corrected.version });
    expect(after.reviews.map((r) => r.decision)).toEqual(['correct_plate']);
    await expect.poll(() => officer2.getByTestId('version').textContent()).toBe(String(corrected.version));
    await screenshot(officer2, '10-stale-version', shots);
  }, 240_000);

  it('sends weak plates to a second review that only a different officer can clear', async () => {
    const waiting = await t.prisma.violation.findMany({
      where: { id: { in: reviewed.map((r) => r.id) }, status: 'needs_second_review' },
    });
    if (waiting.length === 0) {
      // Every plate read above the threshold: the first reviews were final, as the policy says.
      expect(
        (await t.prisma.violation.findMany({ where: { id: { in: reviewed.map((r) => r.id) } } })).map((v) => v.status),
      ).not.toContain('pending');
      return;
    }
    const item = waiting[0]!;
    await officer.goto(`/console/violations/${item.id}`);
    await officer.getByText('1차 검토자는 이 건을 처리할 수 없습니다').waitFor();
    expect(await officer.getByRole('button', { name: '확정 (C)' }).isDisabled()).toBe(true);

    const second = officer2;
    await second.getByRole('link', { name: '2차 검토' }).click();
    const row = second.locator(`tr[data-violation-id="${item.id}"]`);
    await row.waitFor();
    await screenshot(second, '11-second-review-list', shots);
    await row.click();
    await openViolationId(second);
    await second.keyboard.press('c');
    await second.locator('.actions .notice.ok').waitFor();
    const done = await t.prisma.violation.findUniqueOrThrow({
      where: { id: item.id },
      include: { reviews: { orderBy: { createdAt: 'asc' } } },
    });
    expect(done.status).toBe('confirmed');
    expect(done.reviews.map((r) => r.apiKeyId)).toEqual([t.keyIds.officer, t.keyIds.officer2]);
  }, 120_000);

  it('left review rows and an intact, hash-chained audit trail', async () => {
    for (const { id, decision } of reviewed) {
      const actions = await t.prisma.reviewAction.findMany({
        where: { violationId: id },
        orderBy: { createdAt: 'asc' },
      });
      expect(actions[0]).toMatchObject({
        decision,
        apiKeyId: t.keyIds.officer,
        previousStatus: 'pending',
        previousVersion: 1,
      });
      const audit = await t.prisma.auditLog.findFirstOrThrow({
        where: {
          entityType: 'violation',
          entityId: id,
          action: `violation.review.${decision}`,
          actor: `api-key:${t.keyIds.officer}`,
        },
      });
      expect(audit.details).toMatchObject({ reviewActionId: actions[0]!.id, previousStatus: 'pending' });
    }
    const corrected = reviewed.find((r) => r.decision === 'correct_plate')!;
    const correction = await t.prisma.reviewAction.findFirstOrThrow({ where: { violationId: corrected.id } });
    expect(correction.plateCorrection).toBe(CORRECTED_PLATE);
    const downloads = await t.prisma.auditLog.count({ where: { action: 'evidence.download' } });
    expect(downloads).toBeGreaterThan(0);
    const logged = await t.prisma.auditLog.findMany({ select: { details: true } });
    for (const key of Object.values(t.keys)) expect(JSON.stringify(logged)).not.toContain(key);
    const verify = await fetch(`${baseURL}/audit/verify`, { headers: { authorization: `Bearer ${t.keys.officer}` } });
    expect(await verify.json()).toMatchObject({ ok: true });
  });

  it('switches to English and fits a tablet', async () => {
    const { page } = await newPage(browser, baseURL, { width: 820, height: 1180 });
    await signIn(page, t.keys.officer);
    await page.getByLabel('언어').selectOption('en');
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    await page.getByLabel('Status').selectOption('');
    // Other test files share the database; their newest case may hold evidence this API does not serve.
    await page.getByRole('combobox', { name: /^Camera/ }).selectOption(cameraId);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator('table.queue tbody tr').first().click();
    await openViolationId(page);
    await page.getByRole('heading', { name: 'Review history' }).waitFor();
    await evidenceLoaded(page);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, '12-violation-tablet-en', shots);
  }, 120_000);
});
