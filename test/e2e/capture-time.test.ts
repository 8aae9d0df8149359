import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { ffmpegPath } from '../../src/media/binaries.js';
import { startAnalysisWorker, type AnalysisWorkerHandle } from '../../src/queue/analysis-worker.js';
import { bearer, seedRun, startTestApi, type TestApi } from '../integration/api-helpers.js';
import { buildConsole, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/**
 * Issue 15 in Chromium: a case's time comes from the footage's own clock when the file has one (its container's
 * creation_time) and is marked 추정 when it is worked out from the file's modification time; a case whose plate
 * the reader rejected as garbage reads 판독 불가 and an officer can type the plate.
 */
const SOURCE = path.resolve(import.meta.dirname, '../../../shared/footage/thanglm_traffic.mp4');
const CLIP_SECONDS = 5;
const CREATED = '2026-11-20T08:30:00.000Z';
/** the second clip's modification time, when its recording would have ended */
const MODIFIED = new Date('2026-11-21T10:00:05.000Z');
const LANES: [number, number][] = [
  [0.45, 0.4],
  [0.99, 0.4],
  [0.99, 0.99],
  [0.38, 0.99],
];
const ANALYSIS_TIMEOUT_MS = 600_000;

let t: TestApi;
let runDir: string;
let worker: AnalysisWorkerHandle;
let browser: Browser;
let baseURL: string;
let cameraId: string;
const clips = { withTime: '', withoutTime: '' };
const shots: string[] = [];

beforeAll(async () => {
  await buildConsole();
  await mkdir(path.resolve(import.meta.dirname, '../../var/e2e'), { recursive: true });
  runDir = await mkdtemp(path.resolve(import.meta.dirname, '../../var/e2e/capture-time-'));
  const ffmpeg = (args: string[]) => promisify(execFile)(ffmpegPath, ['-v', 'error', '-i', SOURCE, ...args]);
  clips.withTime = path.join(runDir, '북문 0830.mp4');
  clips.withoutTime = path.join(runDir, '북문 시각없음.mp4');
  await ffmpeg(['-t', String(CLIP_SECONDS), '-c', 'copy', '-metadata', `creation_time=${CREATED}`, clips.withTime]);
  await ffmpeg(['-t', String(CLIP_SECONDS), '-c', 'copy', '-map_metadata', '-1', clips.withoutTime]);
  await utimes(clips.withoutTime, MODIFIED, MODIFIED);
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
    payload: { name: 'E2E 촬영 시각 카메라', timezone: 'Asia/Seoul' },
  });
  cameraId = camera.json().id;
  const zone = await t.app.inject({
    method: 'POST',
    url: `/cameras/${cameraId}/zones`,
    headers: bearer(t.keys.ops),
    payload: { name: '차로 전체', kind: 'restricted_road', polygon: LANES, minDwellSeconds: 0.5, minDisplacement: 0 },
  });
  expect(zone.statusCode, zone.body).toBe(201);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.close();
  await t?.close();
  if (runDir) await rm(runDir, { recursive: true, force: true });
  console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

/** Uploads a clip from the footage page without a start time, waits for its analysis and opens its first case. */
async function uploadAndOpenCase(page: Page, clip: string): Promise<{ segmentId: string; violationId: string }> {
  await page.getByRole('link', { name: '영상', exact: true }).click();
  await page.getByLabel('카메라', { exact: true }).selectOption(cameraId);
  await page.getByLabel('영상 파일').setInputFiles(clip);
  await page.getByRole('button', { name: '올리기' }).click();
  const progress = page.locator('section.progress');
  await progress.waitFor();
  const segmentId = (await progress.getAttribute('data-segment-id'))!;
  await page
    .locator(`section.progress[data-segment-id="${segmentId}"][data-segment-status="done"]`)
    .waitFor({ timeout: ANALYSIS_TIMEOUT_MS });
  const first = page.locator('.segment-violations li a').first();
  await first.waitFor();
  await first.click();
  const article = page.locator('article.violation');
  await article.waitFor();
  return { segmentId, violationId: (await article.getAttribute('data-violation-id'))! };
}

describe('capture time from the footage', () => {
  let ops: Page;
  beforeAll(async () => {
    ({ page: ops } = await newPage(browser, baseURL));
    await signIn(ops, t.keys.ops);
  });

  it(
    "dates a case by the file's creation_time",
    async () => {
      const { segmentId, violationId } = await uploadAndOpenCase(ops, clips.withTime);
      const segment = await t.prisma.segment.findUniqueOrThrow({ where: { id: segmentId } });
      expect(segment).toMatchObject({ startTimeSource: 'container', startTime: new Date(CREATED) });
      const v = await t.prisma.violation.findUniqueOrThrow({ where: { id: violationId } });
      expect(v.startTime.getTime() - Date.parse(CREATED)).toBe(Math.round(v.startSec * 1000));
      // 08:30 UTC is 17:30 in Seoul, labelled with the camera's offset
      const shown = ops.locator(`article.violation dd:has(time[datetime="${v.startTime.toISOString()}"])`);
      expect(await shown.locator('time').first().textContent()).toMatch(/2026\. 11\. 20\. 17:30:0\d GMT\+9/);
      // a container's clock is the camera's, not a witness's: evidence keeps it marked as the estimate it is
      expect(await shown.locator('.badge.estimated').textContent()).toBe('추정');
      await screenshot(ops, 'ct01-case-dated-by-creation-time', shots);
    },
    ANALYSIS_TIMEOUT_MS + 60_000,
  );

  it(
    "marks a case 추정 when its time is worked out from the file's modification time",
    async () => {
      const { segmentId, violationId } = await uploadAndOpenCase(ops, clips.withoutTime);
      const segment = await t.prisma.segment.findUniqueOrThrow({ where: { id: segmentId } });
      expect(segment.startTimeSource).toBe('file_modified');
      // recording ended at the modification time: it began the clip's length before
      expect(Math.abs(segment.startTime.getTime() - (MODIFIED.getTime() - CLIP_SECONDS * 1000))).toBeLessThan(1000);
      const v = await t.prisma.violation.findUniqueOrThrow({ where: { id: violationId } });
      const shown = ops.locator(`article.violation dd:has(time[datetime="${v.startTime.toISOString()}"])`);
      expect(await shown.locator('time').first().textContent()).toMatch(/2026\. 11\. 21\. 19:00:0\d GMT\+9/);
      const mark = shown.locator('.badge.estimated');
      expect(await mark.textContent()).toBe('추정');
      expect(await mark.getAttribute('title')).toContain('추정');
      await screenshot(ops, 'ct02-case-time-estimated', shots);
    },
    ANALYSIS_TIMEOUT_MS + 60_000,
  );
});

describe('a plate the reader rejected', () => {
  it('reads 판독 불가 and takes the plate an officer types', async () => {
    const seeded = await seedRun(t.prisma, `garbage plate ${process.pid}`);
    const v = await t.prisma.violation.create({
      data: {
        runId: seeded.run.id,
        cameraId: seeded.camera.id,
        zoneId: seeded.zone.id,
        zoneName: 'sidewalk',
        zoneKind: 'sidewalk',
        trackId: 1,
        startTime: new Date('2026-11-22T03:00:00Z'),
        endTime: new Date('2026-11-22T03:00:03Z'),
        startSec: 1,
        endSec: 4,
        // what the grammar refused: no plate of record, the garbage kept as a candidate only
        plateText: null,
        plateConfidence: null,
        plateCandidates: [{ text: '8I1O가', confidence: 0.21 }],
      },
    });
    const { page } = await newPage(browser, baseURL);
    await signIn(page, t.keys.officer);
    await page.evaluate(() => localStorage.setItem('motoguard.autoAdvance', 'off'));
    await page.goto(`/console/violations/${v.id}`);
    await page.locator('article.violation').waitFor();
    expect(await page.getByTestId('plate-text').textContent()).toBe('판독 불가');
    await screenshot(page, 'ct03-garbage-plate-unread', shots);

    await page.keyboard.press('p');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('plate');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('34나5678');
    await page.keyboard.press('Enter');
    await page.locator('.actions .notice.ok').waitFor();
    expect(await t.prisma.violation.findUniqueOrThrow({ where: { id: v.id } })).toMatchObject({
      plateText: '34나5678',
      status: 'needs_second_review',
    });
    await expect.poll(() => page.getByTestId('plate-text').textContent()).toContain('34나5678');
    await screenshot(page, 'ct04-garbage-plate-corrected', shots);
  }, 180_000);
});
