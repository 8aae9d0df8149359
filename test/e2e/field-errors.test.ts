import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../integration/api-helpers.js';
import { buildConsole, launchBrowser, newPage, screenshot, signIn } from './browser.js';

/** A form's invalid fields, as the API's problem+json names them, are explained in Korean next to each field. */
let t: TestApi;
let browser: Browser;
let baseURL: string;
const shots: string[] = [];

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

describe('field errors in the console', () => {
  it('shows a new camera’s invalid name and time zone in Korean beside the fields', async () => {
    const before = await t.prisma.camera.count();
    const { page } = await newPage(browser, baseURL);
    await signIn(page, t.keys.ops);
    await page.getByRole('link', { name: '카메라', exact: true }).click();
    await page.locator('#cam-name').fill('   ');
    await page.locator('#cam-tz').fill('Mars/Olympus');
    await page.getByRole('button', { name: '만들기' }).click();
    await page.locator('#cam-tz-error').waitFor();
    expect(await page.locator('#cam-name-error').textContent()).toBe('필수 항목입니다.');
    expect(await page.locator('#cam-tz-error').textContent()).toBe('IANA 시간대 이름을 입력하세요 (예: Asia/Seoul).');
    expect(await page.locator('#cam-tz').getAttribute('aria-describedby')).toBe('cam-tz-error');
    expect(await page.locator('#cam-tz').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('form.new-camera').textContent()).not.toMatch(/timezone must|Too small|Invalid/);
    expect(await t.prisma.camera.count()).toBe(before);
    await screenshot(page, 'fe01-camera-field-errors', shots);
  }, 120_000);
});
