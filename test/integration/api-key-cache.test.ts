import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY_CHANNEL } from '../../src/api/key-cache.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { bearer, expectProblem, startTestApi, type TestApi } from './api-helpers.js';

/**
 * The API keeps live keys in memory (src/api/key-cache.ts). These tests revoke keys the way another process does
 * (plain SQL on a connection of its own, as the keys CLI's transaction ends up) and ask right after it commits; a
 * revocation through the API itself is refused on the next request (api-auth.test.ts).
 */
let t: TestApi;
let sql: pg.Client;
beforeAll(async () => {
  t = await startTestApi();
  sql = new pg.Client({ connectionString: t.deps.config.DATABASE_URL });
  await sql.connect();
});
afterAll(async () => {
  await sql?.end();
  await t?.close();
});

const newKey = async (label: string) => createApiKey(t.prisma, { role: 'officer', label, actor: 'test' });
const camerasWith = (secret: string) => t.app.inject({ method: 'GET', url: '/cameras', headers: bearer(secret) });
/** Revokes with the triggers off (what only a superuser can do): the one thing that tells API processes stays silent. */
async function revokeBehindItsBack(id: string): Promise<void> {
  await sql.query('BEGIN');
  await sql.query('SET LOCAL session_replication_role = replica');
  await sql.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id]);
  await sql.query('COMMIT');
}

describe('the API key cache', () => {
  it('refuses a key revoked by another process as soon as the NOTIFY arrives, after it had been used', async () => {
    for (let i = 0; i < 5; i++) {
      const key = await newKey(`revoked elsewhere ${i}`);
      expect((await camerasWith(key.secret)).statusCode).toBe(200);
      expect((await camerasWith(key.secret)).statusCode).toBe(200);
      await sql.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [key.id]);
      // the notification travels on its own connection, so it can land a moment after the commit's reply; there is
      // no time-to-live to wait out (the next test shows a key stays cached without it)
      await expect
        .poll(async () => (await camerasWith(key.secret)).statusCode, { timeout: 2000, interval: 5 })
        .toBe(401);
      expectProblem(await camerasWith(key.secret), 401);
    }
  });

  it('serves a used key from memory: a revocation that skips the trigger goes unseen until the cache forgets', async () => {
    const key = await newKey('cached');
    expect((await camerasWith(key.secret)).statusCode).toBe(200);
    await revokeBehindItsBack(key.id);
    expect((await camerasWith(key.secret)).statusCode).toBe(200);
    t.app.apiKeys.forget();
    expectProblem(await camerasWith(key.secret), 401);
  });

  it('caches nothing while its LISTEN connection is down, and again once it is back', async () => {
    const { rows } = await sql.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1`,
      [`LISTEN ${API_KEY_CHANNEL}`],
    );
    expect(rows.length).toBeGreaterThan(0);
    const key = await newKey('while deaf');
    for (const { pid } of rows) await sql.query('SELECT pg_terminate_backend($1)', [pid]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await camerasWith(key.secret)).statusCode).toBe(200);
    await revokeBehindItsBack(key.id);
    expectProblem(await camerasWith(key.secret), 401);

    // reconnected (every 2 s), keys are cached again: a silent revocation goes unseen once more
    const later = await newKey('heard again');
    await expect
      .poll(
        async () => {
          await sql.query('UPDATE api_keys SET revoked_at = NULL WHERE id = $1', [later.id]);
          expect((await camerasWith(later.secret)).statusCode).toBe(200);
          await revokeBehindItsBack(later.id);
          return (await camerasWith(later.secret)).statusCode;
        },
        { timeout: 10_000, interval: 500 },
      )
      .toBe(200);
  });
});
