import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath } from '../../src/media/binaries.js';
import { FOOTAGE, bearer, startTestApi, type TestApi } from '../integration/api-helpers.js';
import { buildConsole, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/** the first 3 s of an elevated street view: motorbikes riding in a lane (../shared/footage/INVENTORY.md) */
const CLIP = 'komal-3s.mp4';
const TRACE_TIMEOUT_MS = 240_000;

let t: TestApi;
let browser: Browser;
let baseURL: string;
let ops: Page;
const shots: string[] = [];

beforeAll(async () => {
  await buildConsole();
  t = await startTestApi();
  await promisify(execFile)(ffmpegPath, [
    '-v',
    'error',
    '-i',
    path.join(FOOTAGE, 'komal_bikes.mp4'),
    '-t',
    '3',
    '-c',
    'copy',
    path.join(t.footageRoot, CLIP),
  ]);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
  ({ page: ops } = await newPage(browser, baseURL));
  await signIn(ops, t.keys.ops);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

describe('camera management in the console', () => {
  it('refuses rtsp//bad in Korean and shows a stopped recorder as stopped', async () => {
    const stopped = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.ops),
      payload: { name: `E2E 녹화 중지 ${process.pid}`, sourceUrl: 'rtsp://10.0.0.7/stream1' },
    });
    const stoppedId = stopped.json<{ id: string }>().id;
    await t.prisma.cameraHealth.create({
      data: { cameraId: stoppedId, status: 'stopped', lastError: 'Connection refused', lastErrorAt: new Date() },
    });

    await ops.goto('/console/cameras');
    await ops.getByLabel('이름').fill(`E2E 잘못된 주소 ${process.pid}`);
    await ops.getByLabel('영상 주소').fill('rtsp//bad');
    await ops.getByRole('button', { name: '만들기' }).click();
    await ops.getByText('영상 주소가 올바르지 않습니다').waitFor();
    expect(await ops.getByLabel('영상 주소').getAttribute('aria-invalid')).toBe('true');
    expect(await t.prisma.camera.count({ where: { name: `E2E 잘못된 주소 ${process.pid}` } })).toBe(0);

    const feed = ops.locator(`td[data-camera-feed="${stoppedId}"]`);
    await expect.poll(() => feed.textContent()).toContain('중지됨');
    expect(await feed.textContent()).toContain('Connection refused');
    await screenshot(ops, 'c01-camera-list-bad-url-stopped', shots);
  }, 60_000);

  it('edits a camera (address, coordinates) and disables it after saying what happens to its footage and cases', async () => {
    const made = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.ops),
      payload: { name: `E2E 편집 ${process.pid}` },
    });
    const id = made.json<{ id: string }>().id;
    await ops.goto(`/console/cameras/${id}`);
    const settings = ops.locator('form.camera-settings');
    await settings.waitFor();
    await settings.getByLabel('주소', { exact: true }).fill('서울 마포구 월드컵북로 400');
    await settings.getByLabel('위도').fill('37.5796');
    await settings.getByLabel('경도').fill('126.8897');
    await settings.getByLabel('영상 주소').fill('rtsp://10.0.0.8:554/main');
    await settings.getByRole('button', { name: '저장' }).click();
    await settings.getByText('카메라 설정을 저장했습니다.').waitFor();
    expect(await t.prisma.camera.findUniqueOrThrow({ where: { id } })).toMatchObject({
      address: '서울 마포구 월드컵북로 400',
      latitude: 37.5796,
      longitude: 126.8897,
      sourceUrl: 'rtsp://10.0.0.8:554/main',
      enabled: true,
    });

    let said = '';
    ops.once('dialog', (dialog) => {
      said = dialog.message();
      void dialog.accept();
    });
    await settings.getByRole('button', { name: '사용 중지' }).click();
    await expect.poll(() => settings.getByTestId('camera-enabled').textContent()).toBe('사용 중지됨');
    expect(said).toContain('녹화를 멈추고');
    expect(said).toContain('보존');
    expect((await t.prisma.camera.findUniqueOrThrow({ where: { id } })).enabled).toBe(false);
    await screenshot(ops, 'c02-camera-disabled', shots);

    // a disabled camera takes no footage, and the console says why in Korean
    await ops.goto('/console/footage');
    await ops.getByLabel('카메라', { exact: true }).selectOption(id);
    await ops.getByLabel('영상 파일').setInputFiles(path.join(t.footageRoot, CLIP));
    await ops.getByRole('button', { name: '올리기' }).click();
    await ops.getByText('사용 중지된 카메라입니다').waitFor();
    expect(await t.prisma.segment.count({ where: { cameraId: id } })).toBe(0);
  }, 60_000);
});

describe('detector view', () => {
  it(
    'shows the frames of an uploaded clip with boxes, tracks, the zone and each stay’s rule verdicts',
    async () => {
      const made = await t.app.inject({
        method: 'POST',
        url: '/cameras',
        headers: bearer(t.keys.ops),
        payload: { name: `E2E 검출 보기 ${process.pid}`, plateFormat: 'none' },
      });
      const cameraId = made.json<{ id: string }>().id;
      await t.app.inject({
        method: 'POST',
        url: `/cameras/${cameraId}/zones`,
        headers: bearer(t.keys.ops),
        payload: {
          name: '차로',
          kind: 'restricted_road',
          polygon: [
            [0, 0.3],
            [1, 0.3],
            [1, 1],
            [0, 1],
          ],
        },
      });
      const seg = await t.app.inject({
        method: 'POST',
        url: '/segments',
        headers: bearer(t.keys.ops),
        payload: { cameraId, path: CLIP },
      });
      expect(seg.statusCode, seg.body).toBe(201);
      const segmentId = seg.json<{ id: string }>().id;

      // reached from the footage list, as ops would
      await ops.goto('/console/footage');
      await ops.getByLabel('카메라', { exact: true }).selectOption(cameraId);
      await ops.locator(`tr[data-segment-id="${segmentId}"]`).getByRole('link', { name: '검출 보기' }).click();
      const overlay = ops.getByTestId('detector-overlay');
      await overlay.waitFor({ timeout: TRACE_TIMEOUT_MS });
      expect(await overlay.locator('g[data-zone="차로"] polygon').count()).toBe(1);

      // stepping through the frames: riders in the lane, boxed with class and score, tracked with an id
      const riders = overlay.locator('g.detection[data-label="motorcycle"]');
      const next = ops.getByRole('button', { name: '▶' });
      for (let k = 0; k < 15 && (await riders.count()) === 0; k++) await next.click();
      expect(await riders.count()).toBeGreaterThan(0);
      expect(await riders.locator('text').first().textContent()).toMatch(/^motorcycle 0\.\d\d$/);
      for (let k = 0; k < 15 && (await overlay.locator('g.track').count()) === 0; k++) await next.click();
      expect(await overlay.locator('g.track').count()).toBeGreaterThan(0);
      expect(await overlay.locator('g.track text').first().textContent()).toMatch(/^#\d+ /);
      await expect
        .poll(() => ops.locator('.detector-view img').evaluate((i: HTMLImageElement) => i.naturalWidth))
        .toBeGreaterThan(0);

      const stays = ops.locator('tr[data-stay-verdict]');
      expect(await stays.count()).toBeGreaterThan(0);
      const verdicts = await stays.locator('td:nth-child(3)').allTextContents();
      expect(verdicts.every((v) => v === '위반' || v === '위반 아님')).toBe(true);
      expect(await stays.first().textContent()).toMatch(/초 \(기준 \d+초 이상\)/);
      // a stay the rules let go names the rule that did
      const rejected = ops.locator('tr[data-stay-verdict="none"]');
      expect(await rejected.count()).toBeGreaterThan(0);
      expect(await rejected.first().locator('td.error-text').count()).toBeGreaterThan(0);
      expect(await rejected.first().textContent()).toContain('✗');
      await screenshot(ops, 'c03-detector-view', shots);
    },
    TRACE_TIMEOUT_MS + 60_000,
  );
});
