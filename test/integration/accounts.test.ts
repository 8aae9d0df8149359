import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { parseSetCookie } from 'cookie';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dummyPasswordHash, verifyPassword } from '../../src/auth/passwords.js';
import { attemptLogin, createUser } from '../../src/db/users.js';
import { createLogger } from '../../src/logger.js';
import { QUEUES } from '../../src/queue/queues.js';
import { bearer, expectProblem, seedRun, seedViolation, startTestApi, type TestApi } from './api-helpers.js';
import { openSse, waitFor } from './live-helpers.js';

const PASSWORD = 'correct horse battery';
const MAX_FAILURES = 3;
/** short, so the test can watch a lock-out lapse on its own */
const LOCK_MINUTES = 0.04;

let api: TestApi;
let baseUrl: string;
const logLines: string[] = [];
/** every response body this file receives, checked for passwords and hashes at the end */
const bodies: string[] = [];
let seq = 0;

beforeAll(async () => {
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => logLines.push(chunk.toString('utf8')));
  api = await startTestApi(
    { LOGIN_MAX_FAILURES: String(MAX_FAILURES), LOGIN_LOCK_MINUTES: String(LOCK_MINUTES) },
    { logger: createLogger('trace', 'accounts-test', stream) },
  );
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await api?.close();
});

async function inject(opts: InjectOptions): Promise<LightMyRequestResponse> {
  const res = await api.app.inject(opts);
  bodies.push(res.body);
  return res;
}

async function newUser(role: 'officer' | 'ops' | 'admin', password = PASSWORD) {
  const username = `acc-${role}-${process.pid}-${seq++}`;
  return createUser(api.prisma, { username, displayName: `Test ${username}`, password, role, actor: 'test' });
}

interface Signed {
  token: string;
  csrf: string;
  /** the Set-Cookie header the sign-in answered with */
  setCookie: string;
}

function sessionCookie(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const value = Array.isArray(header) ? header[0] : header;
  expect(value, 'a Set-Cookie header').toBeTypeOf('string');
  return value as string;
}

async function login(username: string, password: string, cookie?: string): Promise<LightMyRequestResponse> {
  return inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username, password },
    headers: cookie ? { cookie: `mg_session=${cookie}` } : {},
  });
}

async function signIn(username: string, password = PASSWORD, cookie?: string): Promise<Signed> {
  const res = await login(username, password, cookie);
  expect(res.statusCode, res.body).toBe(200);
  const setCookie = sessionCookie(res);
  return { token: parseSetCookie(setCookie).value ?? '', csrf: res.json().csrfToken, setCookie };
}

const asUser = (s: Signed, csrf: string | null = s.csrf) => ({
  cookie: `mg_session=${s.token}`,
  ...(csrf === null ? {} : { 'x-csrf-token': csrf }),
});

describe('accounts and sessions', () => {
  it("lets a signed-in admin change queues from the dashboard's own page, and no cross-site request", async () => {
    // bull-board's page cannot send x-csrf-token: the browser's Sec-Fetch-Site stands in for it on its routes only
    const admin = await signIn((await newUser('admin')).username);
    const pause = `/admin/queues/api/queues/${QUEUES.analyze.name}/pause`;
    const put = (headers: Record<string, string>) => inject({ method: 'PUT', url: pause, headers });
    for (const site of ['cross-site', 'same-site', 'none']) {
      expectProblem(await put({ ...asUser(admin, null), 'sec-fetch-site': site }), 403);
    }
    expectProblem(await put(asUser(admin, null)), 403);
    expect(await api.queue.isPaused()).toBe(false);
    // elsewhere in the API a same-origin request still needs the token
    const other = await inject({
      method: 'POST',
      url: '/auth/password',
      payload: { currentPassword: PASSWORD, newPassword: 'another horse battery' },
      headers: { ...asUser(admin, null), 'sec-fetch-site': 'same-origin' },
    });
    expect(expectProblem(other, 403).type).toBe('/problems/csrf');
    const ok = await put({ ...asUser(admin, null), 'sec-fetch-site': 'same-origin' });
    expect(ok.statusCode, ok.body).toBeLessThan(300);
    expect(await api.queue.isPaused()).toBe(true);
    await api.queue.resume();
  });

  it('signs in with a password into an httpOnly, SameSite=Strict cookie; /auth/me names the user', async () => {
    const user = await newUser('officer');
    const s = await signIn(user.username.toUpperCase());
    const cookie = parseSetCookie(s.setCookie);
    expect(cookie).toMatchObject({ name: 'mg_session', httpOnly: true, sameSite: 'strict', path: '/' });
    expect(cookie.secure).toBeFalsy(); // plain http and SESSION_COOKIE_SECURE=auto
    expect(cookie.maxAge).toBe(12 * 3600);
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await inject({ method: 'GET', url: '/auth/me', headers: asUser(s, null) });
    expect(me.json()).toEqual({
      kind: 'user',
      id: user.id,
      role: 'officer',
      label: user.displayName,
      username: user.username,
      csrfToken: s.csrf,
    });
    // only the token's hash is kept
    const row = await api.prisma.userSession.findFirstOrThrow({ where: { userId: user.id } });
    expect(row.tokenHash).not.toContain(s.token);
  });

  it('sets Secure on the cookie when SESSION_COOKIE_SECURE=always (behind a TLS proxy)', async () => {
    const other = await startTestApi({ SESSION_COOKIE_SECURE: 'always' });
    try {
      const user = await newUser('officer');
      const res = await other.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: user.username, password: PASSWORD },
      });
      expect(parseSetCookie(sessionCookie(res))).toMatchObject({ secure: true, httpOnly: true, sameSite: 'strict' });
    } finally {
      await other.close();
    }
  });

  it('rotates the session id at sign-in: a planted or earlier session id is never the signed-in one', async () => {
    const user = await newUser('officer');
    const planted = 'attacker-chosen-session-id-000000000000000';
    const s = await signIn(user.username, PASSWORD, planted);
    expect(s.token).not.toBe(planted);
    expectProblem(await inject({ method: 'GET', url: '/auth/me', headers: { cookie: `mg_session=${planted}` } }), 401);

    // signing in again from a browser that holds a live session ends that one and opens a new one
    const again = await signIn(user.username, PASSWORD, s.token);
    expect(again.token).not.toBe(s.token);
    expect(again.csrf).not.toBe(s.csrf);
    const old = await inject({ method: 'GET', url: '/auth/me', headers: asUser(s, null) });
    expect(expectProblem(old, 401).type).toBe('/problems/session-ended');
    expect((await inject({ method: 'GET', url: '/auth/me', headers: asUser(again, null) })).statusCode).toBe(200);
  });

  it('refuses every state-changing route to a session cookie without its CSRF token; API keys need none', async () => {
    const admin = await newUser('admin');
    const s = await signIn(admin.username);
    const spec = (await inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const changing: [string, string][] = [];
    for (const [route, methods] of Object.entries(spec.paths))
      for (const method of Object.keys(methods))
        if (['post', 'put', 'patch', 'delete'].includes(method) && route !== '/auth/login')
          changing.push([method.toUpperCase(), route.replace(/\{[^}]+\}/g, randomUUID())]);
    expect(changing.length).toBeGreaterThan(15);
    const before = await api.prisma.auditLog.count();
    for (const [method, url] of changing) {
      for (const csrf of [null, 'forged', `${s.csrf}x`]) {
        const res = await inject({ method, url, headers: asUser(s, csrf), payload: {} });
        expect(expectProblem(res, 403).type, `${method} ${url} with ${csrf}`).toBe('/problems/csrf');
      }
    }
    expect(await api.prisma.auditLog.count()).toBe(before);

    // the right token passes; an API key in the header needs none, as before
    const created = await inject({
      method: 'POST',
      url: '/users',
      headers: asUser(s),
      payload: { username: `acc-csrf-${process.pid}`, displayName: 'CSRF ok', password: PASSWORD, role: 'officer' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const byKey = await inject({
      method: 'POST',
      url: '/keys',
      headers: bearer(api.keys.admin),
      payload: { role: 'officer', label: 'script' },
    });
    expect(byKey.statusCode).toBe(201);
    // reading needs no token
    expect((await inject({ method: 'GET', url: '/users', headers: asUser(s, null) })).statusCode).toBe(200);
  });

  it('enforces roles for sessions as for keys', async () => {
    const officer = await signIn((await newUser('officer')).username);
    const ops = await signIn((await newUser('ops')).username);
    expectProblem(await inject({ method: 'GET', url: '/users', headers: asUser(officer) }), 403);
    expectProblem(await inject({ method: 'GET', url: '/keys', headers: asUser(ops) }), 403);
    expectProblem(await inject({ method: 'POST', url: '/cameras', headers: asUser(officer), payload: {} }), 403);
    expect((await inject({ method: 'GET', url: '/violations', headers: asUser(officer) })).statusCode).toBe(200);
    expect((await inject({ method: 'GET', url: '/cameras', headers: asUser(ops) })).statusCode).toBe(200);
    // no credential at all
    expectProblem(await inject({ method: 'GET', url: '/violations' }), 401);
  });

  it(`locks a user out after ${MAX_FAILURES} wrong passwords, for a time or until an admin unlocks; all audited`, async () => {
    const user = await newUser('officer');
    for (let i = 1; i < MAX_FAILURES; i++) {
      const res = await login(user.username, 'wrong password!');
      expect(expectProblem(res, 401).type).toBe('/problems/invalid-credentials');
    }
    const locking = await login(user.username, 'wrong password!');
    expect(expectProblem(locking, 423).type).toBe('/problems/account-locked');
    // the right password does not open a locked account
    const refused = await login(user.username, PASSWORD);
    expect(expectProblem(refused, 423).lockedUntil).toBeTypeOf('string');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    const actions = await api.prisma.auditLog.findMany({ where: { entityId: user.id }, orderBy: { id: 'asc' } });
    expect(actions.map((a) => [a.action, (a.details as { reason?: string }).reason ?? null])).toEqual([
      ['user.create', null],
      ...Array.from({ length: MAX_FAILURES }, () => ['user.login_failed', 'wrong_password']),
      ['user.lock', null],
      ['user.login_failed', 'locked'],
    ]);

    // the lock lapses on its own
    await new Promise((r) => setTimeout(r, LOCK_MINUTES * 60_000 + 200));
    await signIn(user.username);

    // ...or an admin lifts it
    for (let i = 0; i < MAX_FAILURES; i++) await login(user.username, 'wrong password!');
    expectProblem(await login(user.username, PASSWORD), 423);
    const unlock = await inject({ method: 'POST', url: `/users/${user.id}/unlock`, headers: bearer(api.keys.admin) });
    expect(unlock.json()).toMatchObject({ id: user.id, lockedUntil: null, failedLogins: 0 });
    await signIn(user.username);
    const last = await api.prisma.auditLog.findMany({
      where: { entityId: user.id, action: { in: ['user.unlock', 'user.login'] } },
      orderBy: { id: 'asc' },
    });
    expect(last.map((a) => a.action)).toEqual(['user.login', 'user.unlock', 'user.login']);
  });

  it('does the same scrypt work for an unknown login name as for a wrong password (a dummy hash)', async () => {
    const user = await newUser('officer');
    const checked: string[] = [];
    const counting: typeof verifyPassword = (hash, password) => {
      checked.push(hash);
      return verifyPassword(hash, password);
    };
    const policy = { maxFailures: 100, lockMs: 60_000, verify: counting };
    const unknown = await attemptLogin(
      api.prisma,
      { username: `nobody-${process.pid}`, password: PASSWORD, ip: '127.0.0.1' },
      policy,
    );
    const wrong = await attemptLogin(
      api.prisma,
      { username: user.username, password: 'not the one', ip: '127.0.0.1' },
      policy,
    );
    expect(unknown).toEqual({ ok: false, reason: 'invalid' });
    expect(wrong).toEqual({ ok: false, reason: 'invalid' });
    const stored = (await api.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash;
    expect(checked).toEqual([await dummyPasswordHash(), stored]);
    // the dummy is a real hash with the same cost parameters, so checking it costs what checking a user's does
    const params = (h: string) => h.split('$').slice(0, 4).join('$');
    expect(params(checked[0]!)).toBe(params(stored));
    expect(checked[0]).not.toBe(stored);
    // a disabled user is checked against the dummy too, and refused like a wrong password
    await api.prisma.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    checked.length = 0;
    const disabled = await attemptLogin(
      api.prisma,
      { username: user.username, password: PASSWORD, ip: '127.0.0.1' },
      policy,
    );
    expect(disabled).toEqual({ ok: false, reason: 'invalid' });
    expect(checked).toEqual([await dummyPasswordHash()]);
  });

  it('changes a password: the current one is needed, other sessions end, this one stays', async () => {
    const user = await newUser('officer');
    const here = await signIn(user.username);
    const elsewhere = await signIn(user.username);
    const wrong = await inject({
      method: 'POST',
      url: '/auth/password',
      headers: asUser(here),
      payload: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' },
    });
    expect(expectProblem(wrong, 422).type).toBe('/problems/wrong-password');
    const short = await inject({
      method: 'POST',
      url: '/auth/password',
      headers: asUser(here),
      payload: { currentPassword: PASSWORD, newPassword: 'short' },
    });
    expectProblem(short, 400);
    const ok = await inject({
      method: 'POST',
      url: '/auth/password',
      headers: asUser(here),
      payload: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expect(ok.statusCode, ok.body).toBe(204);
    expect((await inject({ method: 'GET', url: '/auth/me', headers: asUser(here) })).statusCode).toBe(200);
    expectProblem(await inject({ method: 'GET', url: '/auth/me', headers: asUser(elsewhere) }), 401);
    expectProblem(await login(user.username, PASSWORD), 401);
    await signIn(user.username, 'a brand new passphrase');
    // an API key has no password or session
    const byKey = await inject({
      method: 'POST',
      url: '/auth/password',
      headers: bearer(api.keys.officer),
      payload: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
    });
    expectProblem(byKey, 403);
  });

  it('an admin changes roles, disables and resets; the user’s sessions end, and an admin cannot demote themselves', async () => {
    const admin = await signIn((await newUser('admin')).username);
    const meAdmin = (await inject({ method: 'GET', url: '/auth/me', headers: asUser(admin) })).json();
    const user = await newUser('officer');
    const s = await signIn(user.username);
    const promoted = await inject({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: asUser(admin),
      payload: { role: 'ops' },
    });
    expect(promoted.json()).toMatchObject({ role: 'ops' });
    expectProblem(await inject({ method: 'GET', url: '/auth/me', headers: asUser(s) }), 401);
    const change = await api.prisma.auditLog.findFirstOrThrow({
      where: { entityId: user.id, action: 'user.role_change' },
    });
    expect(change).toMatchObject({ actor: `user:${meAdmin.id}`, details: { from: 'officer', to: 'ops' } });

    const s2 = await signIn(user.username);
    const disabled = await inject({
      method: 'PATCH',
      url: `/users/${user.id}`,
      headers: asUser(admin),
      payload: { disabled: true },
    });
    expect(disabled.json().disabledAt).toBeTypeOf('string');
    expectProblem(await inject({ method: 'GET', url: '/auth/me', headers: asUser(s2) }), 401);
    expectProblem(await login(user.username, PASSWORD), 401);
    await inject({ method: 'PATCH', url: `/users/${user.id}`, headers: asUser(admin), payload: { disabled: false } });
    const reset = await inject({
      method: 'POST',
      url: `/users/${user.id}/password`,
      headers: asUser(admin),
      payload: { password: 'reset by the admin' },
    });
    expect(reset.statusCode).toBe(204);
    await signIn(user.username, 'reset by the admin');

    const self = await inject({
      method: 'PATCH',
      url: `/users/${meAdmin.id}`,
      headers: asUser(admin),
      payload: { role: 'officer' },
    });
    expectProblem(self, 409);
    const taken = await inject({
      method: 'POST',
      url: '/users',
      headers: asUser(admin),
      payload: { username: user.username, displayName: 'again', password: PASSWORD, role: 'officer' },
    });
    expectProblem(taken, 409);
  });

  it('ends an open alert stream when its session ends (sign-out)', async () => {
    const user = await newUser('officer');
    const s = await signIn(user.username);
    const stream = await openSse(`${baseUrl}/alerts/stream`, { cookie: `mg_session=${s.token}` });
    try {
      const out = await inject({ method: 'POST', url: '/auth/logout', headers: asUser(s) });
      expect(out.statusCode).toBe(204);
      expect(parseSetCookie(sessionCookie(out))).toMatchObject({ name: 'mg_session', value: '', maxAge: 0 });
      await waitFor(() => stream.ended, 10_000, 'the stream to end');
      expect(stream.events.map((e) => [e.event, e.data])).toEqual([
        ['end', JSON.stringify({ reason: 'session_ended' })],
      ]);
    } finally {
      stream.close();
    }
    expect(await api.prisma.auditLog.count({ where: { entityId: user.id, action: 'user.logout' } })).toBe(1);
  });

  it('records a review made by a signed-in user under the user, and keeps them from finishing their own second review', async () => {
    const { camera, zone, run } = await seedRun(api.prisma, `accounts-review-${process.pid}`);
    const v = await seedViolation(
      api.prisma,
      { cameraId: camera.id, runId: run.id, zoneId: zone.id },
      { startTime: new Date(), plateText: '서울12가3456', plateConfidence: 0.5 },
    );
    const s = await signIn((await newUser('officer')).username);
    const res = await inject({
      method: 'POST',
      url: `/violations/${v.id}/review`,
      headers: asUser(s),
      payload: { decision: 'confirm', expectedVersion: v.version },
    });
    expect(res.statusCode, res.body).toBe(200);
    const me = (await inject({ method: 'GET', url: '/auth/me', headers: asUser(s) })).json();
    const action = await api.prisma.reviewAction.findFirstOrThrow({ where: { violationId: v.id } });
    expect(action).toMatchObject({ userId: me.id, apiKeyId: null, newStatus: 'needs_second_review' });
    const again = await inject({
      method: 'POST',
      url: `/violations/${v.id}/review`,
      headers: asUser(s),
      payload: { decision: 'confirm', expectedVersion: v.version + 1 },
    });
    expectProblem(again, 403);
  });

  it('never returns or logs a password or its hash', async () => {
    const hashes = (await api.prisma.user.findMany({ select: { passwordHash: true } })).map((u) => u.passwordHash);
    expect(hashes.length).toBeGreaterThan(5);
    const list = await inject({ method: 'GET', url: '/users', headers: bearer(api.keys.admin) });
    expect(list.json().items.length).toBe(hashes.length);
    const log = logLines.join('');
    expect(log).toContain('/auth/login'); // the capture works: sign-ins were logged
    const secrets = [PASSWORD, 'a brand new passphrase', 'reset by the admin', 'wrong password!', ...hashes];
    for (const text of [...bodies, log]) {
      for (const secret of secrets) expect(text.includes(secret), `"${secret.slice(0, 12)}…" leaked`).toBe(false);
      expect(text).not.toMatch(/scrypt\$|passwordHash|password_hash/);
    }
  });
});
