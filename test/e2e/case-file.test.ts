import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseFileManifest } from '../../src/casefile/format.js';
import { startTestApi, type TestApi } from '../integration/api-helpers.js';
import { analysedDemoViolations, confirmViolation } from '../integration/case-file-helpers.js';
import { buildConsole, launchBrowser, newPage, SCREENSHOT_DIR, screenshot, signIn } from './browser.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
/** Blurring the clip of a case runs the face and plate detectors on 5 frames a second of it, on a busy CPU. */
const BUILD_TIMEOUT_MS = 420_000;

let t: TestApi;
let runDir: string;
let browser: Browser;
let baseURL: string;
let officer: Page;
let confirmedId: string;
let pendingId: string | undefined;
const shots: string[] = [];

beforeAll(async () => {
  await buildConsole();
  await mkdir(path.join(ROOT, 'var/e2e'), { recursive: true });
  runDir = await mkdtemp(path.join(ROOT, 'var/e2e/case-file-'));
  t = await startTestApi({
    FOOTAGE_ROOT: path.join(runDir, 'footage'),
    EVIDENCE_ROOT: path.join(runDir, 'evidence'),
    AUDIT_KEY_DIR: path.join(runDir, 'keys'),
  });
  // The whole demo clip (10.4 s), analysed as the worker does.
  const { violationIds } = await analysedDemoViolations(t, {
    name: 'E2E 사건 파일 카메라',
    seconds: 11,
    startTimeSource: 'explicit',
  });
  expect(violationIds.length).toBeGreaterThan(1);
  // The shortest violation whose package has a plate crop (a shorter clip to blur), else the shortest.
  const violations = await t.prisma.violation.findMany({
    where: { id: { in: violationIds } },
    include: { evidence: { select: { role: true } } },
  });
  const length = (v: (typeof violations)[number]) => v.endSec - v.startSec;
  const byLength = [...violations].sort((a, b) => length(a) - length(b));
  const chosen = byLength.find((v) => v.evidence.some((e) => e.role === 'plate_crop')) ?? byLength[0]!;
  confirmedId = chosen.id;
  pendingId = violationIds.find((id) => id !== confirmedId);
  await confirmViolation(t, confirmedId);

  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  if (runDir) await rm(runDir, { recursive: true, force: true });
  console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

describe('case file, from the console', () => {
  it('offers no case file for a case that is not confirmed', async () => {
    ({ page: officer } = await newPage(browser, baseURL));
    await signIn(officer, t.keys.officer);
    if (!pendingId) return;
    await officer.goto(`/console/violations/${pendingId}`);
    await officer.locator('article.violation').waitFor();
    await officer.getByRole('heading', { name: '검토 이력' }).waitFor();
    expect(await officer.getByRole('button', { name: '사건 파일 내려받기' }).count()).toBe(0);
  });

  it(
    'downloads the case file of a confirmed case; its signature and hashes verify offline and its PDF renders',
    async () => {
      await officer.goto(`/console/violations/${confirmedId}`);
      const button = officer.getByRole('button', { name: '사건 파일 내려받기' });
      await button.waitFor();
      await screenshot(officer, 'case-file-01-button', shots);

      const [download] = await Promise.all([
        officer.waitForEvent('download', { timeout: BUILD_TIMEOUT_MS }),
        button.click(),
      ]);
      expect(download.suggestedFilename()).toBe(`case-file-${confirmedId}.zip`);
      const zipFile = path.join(runDir, 'case-file.zip');
      await download.saveAs(zipFile);
      await officer.getByText('사건 파일을 내려받았습니다.').waitFor();
      await screenshot(officer, 'case-file-02-downloaded', shots);

      // The published key, fetched as a recipient would (no API key), and the offline command.
      const pem = await fetch(`${baseURL}/case-files/public-key`);
      expect(pem.status).toBe(200);
      const keyFile = path.join(runDir, 'case-file-key.pem');
      await writeFile(keyFile, await pem.text());
      const verified = await run(
        process.execPath,
        ['--import', 'tsx', 'src/cli/case-file-verify.ts', zipFile, '--public-key', keyFile],
        { cwd: ROOT },
      );
      expect(verified.stdout).toMatch(new RegExp(`^OK .*violation ${confirmedId}, signature by key [0-9a-f]{16}`, 'm'));

      const entries = unzipSync(await readFile(zipFile));
      const manifest = caseFileManifest.parse(JSON.parse(Buffer.from(entries['case-file.json']!).toString('utf8')));
      expect(manifest.violationId).toBe(confirmedId);
      const audit = await t.prisma.auditLog.count({ where: { action: 'case_file.download', entityId: confirmedId } });
      expect(audit).toBe(1);

      // The notice: one page, rendered with pdftoppm into the screenshots.
      const pdf = path.join(runDir, 'notice.pdf');
      await writeFile(pdf, entries['notice.pdf']!);
      expect((await run('pdfinfo', [pdf])).stdout).toMatch(/Pages:\s+1\n/);
      await mkdir(SCREENSHOT_DIR, { recursive: true });
      const notice = path.join(SCREENSHOT_DIR, 'case-file-03-notice');
      await run('pdftoppm', ['-png', '-r', '110', '-singlefile', pdf, notice]);
      expect((await sharp(`${notice}.png`).metadata()).width).toBeGreaterThan(800);
      shots.push(path.relative(ROOT, `${notice}.png`));

      // What the blur left, for the eye: the annotated pictures and frames of the clip copy.
      for (const moment of ['entry', 'peak', 'exit']) {
        const file = path.join(SCREENSHOT_DIR, `case-file-04-${moment}.png`);
        await sharp(Buffer.from(entries[`evidence/annotated-${moment}.jpg`]!))
          .png()
          .toFile(file);
        shots.push(path.relative(ROOT, file));
      }
      const clip = path.join(runDir, 'clip-copy.mp4');
      await writeFile(clip, entries['evidence/clip.mp4']!);
      for (const [i, at] of ['0.1', '1.5', '3'].entries()) {
        const file = path.join(SCREENSHOT_DIR, `case-file-05-clip-${i + 1}.png`);
        await run('ffmpeg', ['-v', 'error', '-y', '-ss', at, '-i', clip, '-frames:v', '1', file]);
        shots.push(path.relative(ROOT, file));
      }
      if (entries['evidence/vehicle.jpg']) {
        const file = path.join(SCREENSHOT_DIR, 'case-file-06-vehicle.png');
        await sharp(Buffer.from(entries['evidence/vehicle.jpg'])).png().toFile(file);
        shots.push(path.relative(ROOT, file));
      }
    },
    BUILD_TIMEOUT_MS + 120_000,
  );
});
