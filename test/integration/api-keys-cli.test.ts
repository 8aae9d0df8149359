import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestApi, type TestApi } from './api-helpers.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
let t: TestApi;

/** `npm run keys -- …`, run the way the README tells users to, against the test database. */
async function keysCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: t.deps.config.DATABASE_URL },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

describe('npm run keys', () => {
  it('creates the first admin key, printed once, that the API accepts; lists and revokes it', async () => {
    const created = await keysCli('create', '--role', 'admin', '--label', 'first admin');
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim().split('\n').at(-1)!;
    expect(secret).toMatch(/^mg_[A-Za-z0-9_-]{43}$/);
    const id = /key ([0-9a-f-]{36})/.exec(created.stdout)![1]!;

    const keys = await t.app.inject({ method: 'GET', url: '/keys', headers: bearer(secret) });
    expect(keys.statusCode).toBe(200);
    const audit = await t.prisma.auditLog.findFirstOrThrow({ where: { entityId: id, action: 'api_key.create' } });
    expect(audit.actor).toMatch(/^cli:/);

    const listed = await keysCli('list');
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(secret);

    expect((await keysCli('revoke', id)).code).toBe(0);
    expect((await t.app.inject({ method: 'GET', url: '/keys', headers: bearer(secret) })).statusCode).toBe(401);
  });

  it('refuses a bad role with a usage message and an unknown id with an error', async () => {
    const before = await t.prisma.apiKey.count();
    const badRole = await keysCli('create', '--role', 'root', '--label', 'x');
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/usage/);
    expect((await keysCli('revoke', '00000000-0000-4000-8000-000000000000')).code).toBe(1);
    expect(await t.prisma.apiKey.count()).toBe(before);
  });
});
