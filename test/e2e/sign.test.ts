import type { ChildProcess } from 'node:child_process';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncCameraFromFile } from '../../src/batch/camera-sync.js';
import { parseCameraConfig } from '../../src/core/camera-config.js';
import { publishSignCue } from '../../src/db/signs.js';
import { createCameraFeed } from '../../src/live/camera-feed.js';
import type { FeedRecorder } from '../../src/live/feed-recorder.js';
import { createLogger } from '../../src/logger.js';
import { startAnalysisWorker, type AnalysisWorkerHandle } from '../../src/queue/analysis-worker.js';
import { bearer, startTestApi, type TestApi } from '../integration/api-helpers.js';
import { clipFromStill, startLoopSource, stopProcess, waitFor } from '../integration/live-helpers.js';
import { buildConsole, launchBrowser, newPage, screenshot } from './browser.js';

/**
 * No Korean street footage with a motorcycle exists (../shared/footage/INVENTORY.md), and the sign is about the
 * plate: the live feed is a real photo of a Korean van with a legible plate (77더7739) parked over the camera's
 * "sidewalk" zone, whose rules count buses and cars that stand still. The whole path is real: ffmpeg serving the
 * feed, the recorder, the analysis worker (detection, judge, plate reading), Postgres NOTIFY, the API's sign
 * stream and the page in Chromium.
 */
const VAN = path.resolve(import.meta.dirname, '../../../shared/plates/scenes/P2_77더7739.jpg');
const PLATE = '77더7739';
const PORT = 43000 + (process.pid % 2000);
const DISPLAY_SECONDS = 4;
/** rule fire → plate on the sign (issue 14) */
const MAX_LATENCY_MS = 3000;

let t: TestApi;
let baseURL: string;
let browser: Browser;
let cameraId: string;
let token: { id: string; token: string; signPath: string };
let source: ChildProcess | null = null;
let feed: FeedRecorder | null = null;
let worker: AnalysisWorkerHandle | null = null;
const sockets = new Set<Socket>();
/** the analysis worker's log lines, for the moment each rule fired */
const workerLog: Array<Record<string, unknown>> = [];
const shots: string[] = [];

/** What the page showed, and when (browser clock, the same machine's as the worker's). */
interface Shown {
  at: number;
  state: string | null;
  connection: string | null;
  plate: string | null;
  warning: string | null;
}

/**
 * Before the page's own scripts: a Korean voice that records what it is asked to say (headless Chromium has no
 * voices, and a sign without one stays silent), and an observer that notes each change of what the sign shows.
 */
async function instrument(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __spoken: string[]; __shown: unknown[] };
    w.__spoken = [];
    w.__shown = [];
    const voice = { lang: 'ko-KR', name: 'test voice', default: true, localService: true, voiceURI: 'test-ko' };
    Object.defineProperty(window, 'speechSynthesis', {
      configurable: true,
      value: { getVoices: () => [voice], speak: (u: { text: string }) => w.__spoken.push(u.text), cancel: () => {} },
    });
    Object.defineProperty(window, 'SpeechSynthesisUtterance', {
      configurable: true,
      value: class {
        voice: unknown = null;
        lang = '';
        rate = 1;
        constructor(readonly text: string) {}
      },
    });
    new MutationObserver(() => {
      const root = document.querySelector('[data-state]');
      const now = {
        state: root?.getAttribute('data-state') ?? null,
        connection: root?.getAttribute('data-connection') ?? null,
        plate: document.querySelector('.sign-plate')?.textContent ?? null,
        warning: document.querySelector('.sign-warning')?.textContent ?? null,
      };
      const last = w.__shown.at(-1) as typeof now | undefined;
      if (!last || Object.entries(now).some(([k, v]) => last[k as keyof typeof now] !== v))
        w.__shown.push({ at: Date.now(), ...now });
    }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

const shownOn = (page: Page) => page.evaluate(() => (window as unknown as { __shown: Shown[] }).__shown);
const spokenOn = (page: Page) => page.evaluate(() => (window as unknown as { __spoken: string[] }).__spoken);

async function openSign(url: string): Promise<Page> {
  const { page } = await newPage(browser, baseURL, { width: 1280, height: 720 });
  await instrument(page);
  await page.goto(url);
  return page;
}

beforeAll(async () => {
  await buildConsole();
  t = await startTestApi();
  t.app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();

  const camera = await syncCameraFromFile(
    t.prisma,
    parseCameraConfig({
      name: `sign-e2e-${Date.now()}`,
      timezone: 'Asia/Seoul',
      plateFormat: 'kr',
      sourceUrl: `tcp://127.0.0.1:${PORT}`,
      zones: [
        {
          name: '보도',
          kind: 'sidewalk',
          polygon: [
            [0.4, 0.6],
            [0.9, 0.6],
            [0.9, 1],
            [0.4, 1],
          ],
          rules: { minDwellSeconds: 0.5, minDisplacement: 0, classes: ['bus', 'truck', 'car'], requireRider: false },
        },
      ],
    }),
    'test',
  );
  cameraId = camera.id;
  const settings = await t.app.inject({
    method: 'PUT',
    url: `/cameras/${cameraId}/sign`,
    headers: bearer(t.keys.ops),
    payload: { displaySeconds: DISPLAY_SECONDS },
  });
  expect(settings.statusCode, settings.body).toBe(200);
  const created = await t.app.inject({
    method: 'POST',
    url: `/cameras/${cameraId}/sign/tokens`,
    headers: bearer(t.keys.ops),
    payload: { label: 'e2e LED board' },
  });
  expect(created.statusCode, created.body).toBe(201);
  token = created.json();
}, 180_000);

afterAll(async () => {
  await feed?.stop();
  await stopProcess(source);
  await worker?.close();
  await browser?.close();
  await t?.close();
  console.log(`screenshots:\n  ${shots.join('\n  ')}`);
}, 120_000);

describe('warning sign page', () => {
  it('says plainly when it has no token or its token is refused', async () => {
    const page = await openSign(`/sign/${cameraId}`);
    await page.locator('[data-state="refused"]').waitFor();
    expect(await page.textContent('.sign-detail')).toContain('#token=');
    const res = await fetch(`${baseURL}/sign/${cameraId}`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    await page.goto(`/sign/${cameraId}#token=mgs_not-a-token`);
    await page.reload();
    await page.locator('[data-state="refused"]').waitFor();
    expect(await page.textContent('.sign-detail')).toContain('올바르지 않거나');
    // a token for this camera opens no other camera's sign
    await page.goto(`/sign/${crypto.randomUUID()}#token=${token.token}`);
    await page.reload();
    await page.locator('[data-state="refused"]').waitFor();
    await screenshot(page, 'sign-01-refused', shots);
    await page.context().close();
  });

  it('shows the plate and the warning ≤ 3 s after the rule fires on a live feed, speaks them, then clears', async () => {
    const page = await openSign(token.signPath);
    await page.locator('[data-connection="live"]').waitFor();
    expect(await page.getAttribute('[data-state]', 'data-state')).toBe('idle');

    const clip = path.join(t.footageRoot, 'van.mp4');
    await clipFromStill(VAN, clip, 4);
    worker = startAnalysisWorker({
      prisma: t.prisma,
      config: t.deps.config,
      logger: pino({ level: 'info' }, { write: (line: string) => void workerLog.push(JSON.parse(line)) }),
      prefix: t.queue.opts.prefix,
      reconcileIntervalMs: 0,
    });
    source = await startLoopSource(clip, PORT);
    feed = createCameraFeed({
      prisma: t.prisma,
      queue: t.queue,
      pipelineVersion: t.deps.config.PIPELINE_VERSION,
      camera: { id: cameraId, sourceUrl: `tcp://127.0.0.1:${PORT}` },
      footageRoot: t.footageRoot,
      segmentSeconds: 2,
      backoffBaseMs: 300,
      backoffMaxMs: 2000,
      logger: createLogger('silent'),
    });
    feed.start();

    await page.locator('.sign-plate').waitFor({ timeout: 240_000 });
    const firstPlate = (await shownOn(page)).find((s) => s.plate !== null)!;
    // enough footage: what is queued would only ring the sign again
    await feed.stop();
    feed = null;
    await stopProcess(source);
    source = null;
    expect(firstPlate).toMatchObject({ state: 'warning', plate: PLATE, warning: '보도 위 이륜차 통행 금지' });
    await screenshot(page, 'sign-02-warning', shots);

    const fired = workerLog.filter((l) => l.msg === 'violation rule fired: sign cued');
    expect(fired.length).toBeGreaterThan(0);
    const firedAt = Date.parse(String(fired[0]!.firedAt));
    const latency = firstPlate.at - firedAt;
    process.stdout.write(`sign: rule fire → plate on the sign ${latency} ms (limit ${MAX_LATENCY_MS} ms)\n`);
    expect(latency).toBeGreaterThan(0);
    expect(latency).toBeLessThanOrEqual(MAX_LATENCY_MS);

    // the sign showed the plate the violation is stored with
    const stored = await waitFor(
      () =>
        t.prisma.violation
          .findFirst({ where: { cameraId }, orderBy: { createdAt: 'asc' } })
          .then((v) => v ?? undefined),
      120_000,
      'the stored violation',
    );
    expect(stored.plateText).toBe(PLATE);
    expect((await spokenOn(page))[0]).toBe('7 7 더 7 7 3 9 차량. 보도 위 이륜차 통행 금지');

    await worker.close();
    worker = null;
    await page.locator('[data-state="idle"]').waitFor({ timeout: 30_000 });
    await page.context().close();
  }, 300_000);

  it('reconnects after the stream drops, shows a warning without a plate when none was read, and ends when its token is revoked', async () => {
    const page = await openSign(token.signPath);
    await page.locator('[data-connection="live"]').waitFor();
    for (const socket of sockets) socket.destroy();
    await page.locator('[data-connection="reconnecting"]').waitFor();
    await page.locator('[data-connection="live"]').waitFor({ timeout: 15_000 });

    await publishSignCue(t.prisma, {
      cameraId,
      plate: null,
      zoneKind: 'sidewalk',
      time: new Date().toISOString(),
      firedAt: new Date().toISOString(),
    });
    await page.locator('[data-state="warning"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('.sign-plate').count()).toBe(0);
    expect(await page.textContent('.sign-warning')).toBe('보도 위 이륜차 통행 금지');
    expect(await spokenOn(page)).toEqual(['보도 위 이륜차 통행 금지']);
    await screenshot(page, 'sign-03-no-plate', shots);
    await page.locator('[data-state="idle"]').waitFor({ timeout: 10_000 });
    const shown = await shownOn(page);
    const up = shown.find((s) => s.state === 'warning')!;
    const cleared = shown.find((s) => s.at > up.at && s.state === 'idle')!;
    expect(cleared.at - up.at).toBeGreaterThanOrEqual(DISPLAY_SECONDS * 1000 - 50);
    expect(cleared.at - up.at).toBeLessThan(DISPLAY_SECONDS * 1000 + 1000);

    const revoked = await t.app.inject({
      method: 'POST',
      url: `/sign-tokens/${token.id}/revoke`,
      headers: bearer(t.keys.ops),
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    await page.locator('[data-state="refused"]').waitFor({ timeout: 15_000 });
    expect(await page.textContent('.sign-detail')).toContain('폐기');
    await screenshot(page, 'sign-04-revoked', shots);
    await page.context().close();
  });
});
