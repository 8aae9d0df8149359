import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { ffmpegPath } from '../../src/media/binaries.js';
import { startAnalysisWorker, type AnalysisWorkerHandle } from '../../src/queue/analysis-worker.js';
import { bearer, startTestApi, type TestApi } from '../integration/api-helpers.js';
import { buildConsole, launchBrowser, newPage, screenshot, signIn } from './browser.js';

const SOURCE = path.resolve(import.meta.dirname, '../../../shared/footage/thanglm_traffic.mp4');
/** what the officer's file is called on their computer: the console shows it, not the id it is stored under */
const CLIP_NAME = '대로 북쪽 0412.mp4';
const CLIP_SECONDS = 5;
const LANES: [number, number][] = [
  [0.45, 0.4],
  [0.99, 0.4],
  [0.99, 0.99],
  [0.38, 0.99],
];
const ANALYSIS_TIMEOUT_MS = 600_000;

let t: TestApi;
let runDir: string;
let clip: string;
let worker: AnalysisWorkerHandle;
let browser: Browser;
let baseURL: string;
let cameraId: string;
const shots: string[] = [];

beforeAll(async () => {
  await buildConsole();
  await mkdir(path.resolve(import.meta.dirname, '../../var/e2e'), { recursive: true });
  runDir = await mkdtemp(path.resolve(import.meta.dirname, '../../var/e2e/reanalyse-'));
  clip = path.join(runDir, CLIP_NAME);
  // the first seconds of the boulevard clip: riders in the lanes, short enough to analyse twice
  await promisify(execFile)(ffmpegPath, ['-v', 'error', '-i', SOURCE, '-t', String(CLIP_SECONDS), '-c', 'copy', clip]);
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
  const camera = await t.app.inject({
    method: 'POST',
    url: '/cameras',
    headers: bearer(t.keys.ops),
    payload: { name: 'E2E 재분석 카메라', timezone: 'Asia/Seoul' },
  });
  cameraId = camera.json().id;
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await t?.close();
  if (runDir) await rm(runDir, { recursive: true, force: true });
  console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

const settled = (page: Page) =>
  page
    .locator('section.progress[data-segment-status="done"], section.progress[data-segment-status="failed"]')
    .waitFor({ timeout: ANALYSIS_TIMEOUT_MS });

describe('re-analysis after a zone change', () => {
  let ops: Page;
  let segmentId: string;

  it(
    'warns that a camera without zones finds nothing, and shows the uploaded file by its own name',
    async () => {
      ({ page: ops } = await newPage(browser, baseURL));
      await signIn(ops, t.keys.ops);
      await ops.getByRole('link', { name: '영상', exact: true }).click();
      await ops.getByLabel('카메라', { exact: true }).selectOption(cameraId);
      await ops.getByText('이 카메라에는 구역이 없어').waitFor();
      await ops.getByLabel('영상 파일').setInputFiles(clip);
      await ops.getByLabel('촬영 시작 시각').fill('2026-12-05T09:00:00');
      await ops.getByRole('button', { name: '올리기' }).click();
      const progress = ops.locator('section.progress');
      await progress.waitFor();
      segmentId = (await progress.getAttribute('data-segment-id'))!;
      await expect.poll(() => progress.locator('h2').textContent()).toContain(CLIP_NAME);
      await settled(ops);
      expect(await t.prisma.analysisRun.count({ where: { segmentId } })).toBe(1);
      expect(await t.prisma.violation.count({ where: { cameraId } })).toBe(0);
      await screenshot(ops, 'r01-no-zones-warning', shots);
    },
    ANALYSIS_TIMEOUT_MS + 60_000,
  );

  it(
    're-analyses the segment from the console once a zone is drawn, and lists what the new run found',
    async () => {
      const zone = await t.app.inject({
        method: 'POST',
        url: `/cameras/${cameraId}/zones`,
        headers: bearer(t.keys.ops),
        payload: {
          name: '차로 전체',
          kind: 'restricted_road',
          polygon: LANES,
          minDwellSeconds: 0.5,
          minDisplacement: 0,
        },
      });
      expect(zone.statusCode, zone.body).toBe(201);
      await ops.reload();
      await ops.getByLabel('카메라', { exact: true }).selectOption(cameraId);
      await expect.poll(() => ops.getByText('이 카메라에는 구역이 없어').count()).toBe(0);
      const row = ops.locator(`tr[data-segment-id="${segmentId}"]`);
      expect(await row.locator('td').first().textContent()).toBe(CLIP_NAME);
      // one labelled zone: the camera's (09:00 Seoul is GMT+9), whatever the browser's own zone
      expect(await row.textContent()).toMatch(/09:00:00 GMT\+9/);
      await row.getByRole('button', { name: '열기' }).click();
      await ops.getByRole('button', { name: '다시 분석' }).click();
      await ops
        .locator('section.progress[data-segment-status="queued"], section.progress[data-segment-status="processing"]')
        .first()
        .waitFor();
      await settled(ops);
      const runs = await t.prisma.analysisRun.findMany({ where: { segmentId } });
      expect(runs).toHaveLength(2);
      const found = await t.prisma.violation.count({ where: { cameraId, supersededById: null } });
      expect(found).toBeGreaterThanOrEqual(1);
      await expect.poll(() => ops.locator('.segment-violations li').count()).toBe(found);
      expect(await ops.locator('.segment-violations').textContent()).toContain('GMT+9');
      const audit = await t.prisma.auditLog.findFirstOrThrow({
        where: { action: 'segment.reanalyse', entityId: segmentId },
      });
      expect(audit.actor).toBe(`api-key:${t.keyIds.ops}`);
      await screenshot(ops, 'r02-reanalysed', shots);
    },
    ANALYSIS_TIMEOUT_MS + 60_000,
  );
});

describe('officers with a Korean keyboard', () => {
  it('confirms with C typed in 한글 mode (ㅊ) and moves on to the next case', async () => {
    const { context, page } = await newPage(browser, baseURL);
    await signIn(page, t.keys.officer);
    const rows = page.locator('table.queue tbody tr');
    await rows.first().waitFor();
    // the queue's first filter (its label also reads the selected option, so it is not found by the label alone)
    const cameraFilter = page.locator('form.filters select').first();
    const pending = await t.prisma.violation.findMany({ where: { cameraId, status: 'pending', supersededById: null } });
    // the filters are kept across opening a case and coming back (this camera's: other test files share the database)
    await cameraFilter.selectOption(cameraId);
    await page.getByLabel('상태').selectOption('');
    await page.getByRole('button', { name: '적용' }).click();
    await expect
      .poll(() => rows.count())
      .toBe(await t.prisma.violation.count({ where: { cameraId, supersededById: null } }));
    await rows.first().click();
    const article = page.locator('article.violation');
    await article.waitFor();
    const first = (await article.getAttribute('data-violation-id'))!;
    await page.getByRole('link', { name: '뒤로' }).click();
    await expect.poll(() => page.getByLabel('상태').inputValue()).toBe('');
    await expect.poll(() => cameraFilter.inputValue()).toBe(cameraId);
    await page.locator(`tr[data-violation-id="${first}"]`).click();
    await article.waitFor();

    // keyframes enlarge; the vehicle crop is shown
    await page.getByRole('button', { name: '진입 크게 보기' }).click();
    const dialog = page.locator('dialog.zoom[open] img');
    await expect
      .poll(() => dialog.evaluate((i: HTMLImageElement) => i.naturalWidth), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await screenshot(page, 'r03-keyframe-enlarged', shots);
    await page.keyboard.press('Escape');
    await expect
      .poll(() => page.locator('.plate-crop img.vehicle-img').evaluate((i: HTMLImageElement) => i.naturalWidth), {
        timeout: 30_000,
      })
      .toBeGreaterThan(0);

    // What a Korean IME in 한글 mode sends for the C key: key ㅊ, code KeyC.
    const cdp = await context.newCDPSession(page);
    for (const type of ['keyDown', 'keyUp'] as const)
      await cdp.send('Input.dispatchKeyEvent', {
        type,
        key: 'ㅊ',
        code: 'KeyC',
        text: type === 'keyDown' ? 'ㅊ' : undefined,
        windowsVirtualKeyCode: 67,
      });
    await expect
      .poll(async () => (await t.prisma.violation.findUniqueOrThrow({ where: { id: first } })).status)
      .not.toBe('pending');
    if (pending.length > 1) {
      await expect.poll(() => article.getAttribute('data-violation-id')).not.toBe(first);
      await page.locator('.actions .notice.ok', { hasText: '이전 건 처리됨' }).waitFor();
    } else await page.getByRole('heading', { name: '검토 대기열' }).waitFor();
    await screenshot(page, 'r04-korean-keyboard-confirmed', shots);
  }, 180_000);
});
