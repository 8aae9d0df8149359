import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Screenshots of each main screen land here (gitignored var/). */
export const SCREENSHOT_DIR = path.join(ROOT, 'var', 'screenshots');

/** Debian's chromium: the browser downloads of test tools do not work offline. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Builds the console into dist/web exactly as `npm run build:web` does. */
export async function buildConsole(): Promise<void> {
  await build({ configFile: path.join(ROOT, 'src/web/vite.config.ts'), logLevel: 'warn' });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** A fresh context (own sessionStorage) at laptop size, with Korean as the browser language. */
export async function newPage(
  browser: Browser,
  baseURL: string,
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const page = await context.newPage();
  return { context, page };
}

export async function screenshot(page: Page, name: string, taken: string[]): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  taken.push(path.relative(ROOT, file));
}

/** Signs in with an API key (the sign-in page's compatibility form). */
export async function signIn(page: Page, key: string): Promise<void> {
  await page.goto('/');
  await page.getByText('API 키로 로그인').click();
  await page.getByLabel('API 키').fill(key);
  await page.getByRole('button', { name: '키로 로그인', exact: true }).click();
  await page.getByRole('button', { name: '로그아웃' }).waitFor();
}

/** Fills the sign-in form with a login name and password and submits it (the caller checks the outcome). */
export async function submitPassword(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('아이디').fill(username);
  await page.getByLabel('비밀번호', { exact: true }).fill(password);
  await page.getByRole('button', { name: '로그인', exact: true }).click();
}

/** Clicks the zone surface at normalised coordinates, as a user drawing with the mouse would. */
export async function clickSurface(page: Page, points: readonly (readonly [number, number])[]): Promise<void> {
  const surface = page.getByTestId('zone-surface');
  // mouse clicks land only inside the viewport, and forms above the editor can push it below the fold
  await surface.scrollIntoViewIfNeeded();
  const box = await surface.boundingBox();
  if (!box) throw new Error('zone surface is not visible');
  for (const [x, y] of points) await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
}
