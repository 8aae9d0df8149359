import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../integration/api-helpers.js';
import { buildConsole, launchBrowser, newPage, screenshot, submitPassword } from './browser.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAX_FAILURES = 3;
const ADMIN = `e2e-admin-${process.pid}`;
const ADMIN_PASSWORD = '관리자 비밀번호 2026';
const OFFICER = `e2e-officer-${process.pid}`;
const OFFICER_PASSWORD = 'officer passphrase 1';

let t: TestApi;
let browser: Browser;
let baseURL: string;
let admin: Page;
let officer: Page;
const shots: string[] = [];
/** every sign-in runs scrypt on a shared, busy CPU */
const POLL = { timeout: 20_000 };

/** `npm run users -- create-admin <name>` as the README has it, the password on stdin. */
function createAdmin(name: string, password: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/users.ts', 'create-admin', name], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.deps.config.DATABASE_URL },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(`${password}\n`);
  });
}

beforeAll(async () => {
  await buildConsole();
  t = await startTestApi({ LOGIN_MAX_FAILURES: String(MAX_FAILURES) });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseURL = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
  console.log(`screenshots:\n  ${shots.join('\n  ')}`);
});

describe('accounts in the console', () => {
  it('creates the first admin with the CLI; the admin signs in with a password into an httpOnly cookie', async () => {
    const made = await createAdmin(ADMIN, ADMIN_PASSWORD);
    expect(made.code, made.out).toBe(0);
    expect(made.out).not.toContain(ADMIN_PASSWORD);

    ({ page: admin } = await newPage(browser, baseURL));
    await admin.goto('/');
    await admin.getByLabel('아이디').waitFor();
    await screenshot(admin, 'accounts-01-sign-in', shots);
    await submitPassword(admin, ADMIN, ADMIN_PASSWORD);
    await admin.getByRole('button', { name: '로그아웃' }).waitFor();
    const cookies = await admin.context().cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: 'mg_session', httpOnly: true, sameSite: 'Strict', path: '/' }),
    ]);
    // the page cannot read the session, and no key is kept
    expect(await admin.evaluate(() => document.cookie)).toBe('');
    expect(await admin.evaluate(() => sessionStorage.getItem('motoguard.apiKey'))).toBeNull();
    // a reload keeps the session
    await admin.reload();
    await admin.getByRole('button', { name: '로그아웃' }).waitFor();
  });

  it('an admin creates an officer on the users page', async () => {
    await admin.getByRole('link', { name: '사용자' }).click();
    await admin.getByRole('heading', { name: '사용자 관리' }).waitFor();
    await admin.getByLabel('아이디').fill(OFFICER);
    await admin.getByLabel('이름', { exact: true }).fill('김경관 (마포서)');
    await admin.getByLabel('역할', { exact: true }).selectOption('officer');
    await admin.getByLabel('처음 비밀번호').fill('short');
    await admin.getByRole('button', { name: '만들기' }).click();
    await expect.poll(() => admin.locator('#nu-password-error').textContent(), POLL).toContain('10');
    await admin.getByLabel('처음 비밀번호').fill(OFFICER_PASSWORD);
    await admin.getByRole('button', { name: '만들기' }).click();
    await admin.locator(`tr[data-username="${OFFICER}"]`).waitFor();
    await screenshot(admin, 'accounts-02-user-created', shots);
    const user = await t.prisma.user.findUniqueOrThrow({ where: { username: OFFICER } });
    const adminUser = await t.prisma.user.findUniqueOrThrow({ where: { username: ADMIN } });
    expect(user).toMatchObject({ role: 'officer', displayName: '김경관 (마포서)' });
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { entityId: user.id, action: 'user.create' } });
    expect(audit.actor).toBe(`user:${adminUser.id}`);
  });

  it('an admin creates an API key on the keys page, shown once, that the API accepts; and revokes it', async () => {
    await admin.getByRole('link', { name: 'API 키' }).click();
    await admin.getByRole('heading', { name: 'API 키 관리' }).waitFor();
    await admin.getByLabel('역할', { exact: true }).selectOption('ops');
    await admin.getByLabel('설명').fill('주차장 카메라 업로드 스크립트');
    await admin.getByRole('button', { name: '만들기' }).click();
    const secret = (await admin.getByTestId('new-key').textContent())!;
    expect(secret).toMatch(/^mg_[A-Za-z0-9_-]{43}$/);
    await screenshot(admin, 'accounts-03-key-created', shots);
    const me = await fetch(`${baseURL}/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(await me.json()).toMatchObject({ kind: 'key', role: 'ops', label: '주차장 카메라 업로드 스크립트' });

    const key = await t.prisma.apiKey.findFirstOrThrow({ where: { label: '주차장 카메라 업로드 스크립트' } });
    await admin.locator(`tr[data-key-id="${key.id}"]`).getByRole('button', { name: '폐기' }).click();
    await expect.poll(() => admin.locator(`tr[data-key-id="${key.id}"]`).textContent(), POLL).toContain('폐기됨');
    const after = await fetch(`${baseURL}/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(after.status).toBe(401);
  });

  it(`locks the officer out after ${MAX_FAILURES} wrong passwords, even for the right one`, async () => {
    ({ page: officer } = await newPage(browser, baseURL));
    await officer.goto('/');
    const user = await t.prisma.user.findUniqueOrThrow({ where: { username: OFFICER } });
    /** each attempt shows its outcome once its audit row is written (the messages repeat, so count rows) */
    const attempt = async (password: string, n: number, message: string) => {
      await submitPassword(officer, OFFICER, password);
      await expect
        .poll(() => t.prisma.auditLog.count({ where: { entityId: user.id, action: 'user.login_failed' } }), POLL)
        .toBe(n);
      await expect.poll(() => officer.locator('#signin-error').textContent(), POLL).toContain(message);
    };
    for (let i = 1; i < MAX_FAILURES; i++) await attempt(`wrong password ${i}`, i, '올바르지 않습니다');
    await attempt('wrong password again', MAX_FAILURES, '잠겼습니다');
    await attempt(OFFICER_PASSWORD, MAX_FAILURES + 1, '잠겼습니다');
    await screenshot(officer, 'accounts-04-locked-out', shots);
    const audit = await t.prisma.auditLog.findMany({
      where: { entityId: user.id, action: { startsWith: 'user.' } },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual([
      'user.create',
      ...Array<string>(MAX_FAILURES).fill('user.login_failed'),
      'user.lock',
      'user.login_failed',
    ]);
  });

  it('the admin unlocks the officer, who signs in and is kept to the officer role', async () => {
    await admin.getByRole('link', { name: '사용자' }).click();
    const row = admin.locator(`tr[data-username="${OFFICER}"]`);
    await expect.poll(() => row.textContent(), POLL).toContain('잠김');
    await row.getByRole('button', { name: '잠금 해제' }).click();
    await expect.poll(() => row.textContent(), POLL).toContain('사용 중');

    await submitPassword(officer, OFFICER, OFFICER_PASSWORD);
    await officer.getByRole('heading', { name: '검토 대기열' }).waitFor();
    expect(await officer.getByRole('link', { name: '사용자' }).count()).toBe(0);
    expect(await officer.getByRole('link', { name: 'API 키' }).count()).toBe(0);
    await officer.goto('/console/admin/users');
    await expect.poll(() => officer.getByRole('alert').textContent(), POLL).toContain('이 역할로는 볼 수 없는 화면');
    // the API refuses too, whatever the page shows
    const status = await officer.evaluate(async () => (await fetch('/users')).status);
    expect(status).toBe(403);
    await screenshot(officer, 'accounts-05-role-enforced', shots);
  });

  it('the officer changes their password, signs out, and the old session is gone', async () => {
    await officer.getByRole('link', { name: /김경관/ }).click();
    await officer.getByRole('heading', { name: '내 계정' }).waitFor();
    await officer.getByLabel('현재 비밀번호').fill(OFFICER_PASSWORD);
    await officer.getByLabel('새 비밀번호', { exact: true }).fill('a new officer passphrase');
    await officer.getByLabel('새 비밀번호 확인').fill('a new officer passphrase');
    await officer.getByRole('button', { name: '비밀번호 변경' }).click();
    await expect.poll(() => officer.getByRole('status').textContent(), POLL).toContain('비밀번호를 바꿨습니다');
    await screenshot(officer, 'accounts-06-password-changed', shots);

    const [cookie] = await officer.context().cookies();
    await officer.getByRole('button', { name: '로그아웃' }).click();
    await officer.getByLabel('아이디').waitFor();
    const reused = await fetch(`${baseURL}/auth/me`, { headers: { cookie: `mg_session=${cookie!.value}` } });
    expect(reused.status).toBe(401);
    await submitPassword(officer, OFFICER, 'a new officer passphrase');
    await officer.getByRole('button', { name: '로그아웃' }).waitFor();
  });

  it('a role change from the users page ends the officer’s session at once', async () => {
    await admin.reload();
    const row = admin.locator(`tr[data-username="${OFFICER}"]`);
    await row.getByRole('combobox').selectOption('ops');
    await expect
      .poll(async () => (await t.prisma.user.findUniqueOrThrow({ where: { username: OFFICER } })).role, POLL)
      .toBe('ops');
    await officer.reload();
    await officer.getByLabel('아이디').waitFor();
    const change = await t.prisma.auditLog.findFirstOrThrow({ where: { action: 'user.role_change' } });
    expect(change.details).toEqual({ from: 'officer', to: 'ops' });
  });
});
