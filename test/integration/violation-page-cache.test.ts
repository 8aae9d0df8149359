import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIOLATION_LIST_CHANNEL, ViolationPageCache } from '../../src/api/violation-page-cache.js';
import { createLogger } from '../../src/logger.js';
import { bearer, seedRun, seedViolation, startTestApi, type TestApi } from './api-helpers.js';

/**
 * The API keeps pages of GET /violations in memory (src/api/violation-page-cache.ts). Changes are made the way
 * another process makes them (plain SQL on a connection of its own) and the page is asked for right after the
 * commit: no poll, as a page from memory is served only once every notification committed before it has been heard.
 */
let t: TestApi;
let sql: pg.Client;
let seeded: Awaited<ReturnType<typeof seedRun>>;
beforeAll(async () => {
  t = await startTestApi();
  sql = new pg.Client({ connectionString: t.deps.config.DATABASE_URL });
  await sql.connect();
  seeded = await seedRun(t.prisma, `page cache ${Date.now()}`);
  for (let i = 0; i < 3; i++)
    await seedViolation(
      t.prisma,
      { cameraId: seeded.camera.id, runId: seeded.run.id, zoneId: seeded.zone.id },
      { startTime: new Date(Date.UTC(2026, 10, 23, 1, i)), trackId: i + 1 },
    );
});
afterAll(async () => {
  await sql?.end();
  await t?.close();
});

interface Page {
  items: { id: string; plateText: string | null; status: string; thumbnailEvidenceId: string | null }[];
  counts: Record<string, number>;
}
const listed = async (query = ''): Promise<Page> => {
  const res = await t.app.inject({
    method: 'GET',
    url: `/violations?cameraId=${seeded.camera.id}${query}`,
    headers: bearer(t.keys.officer),
  });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  return res.json<Page>();
};

/** Changes rows with the triggers off (what only a superuser can do): the one thing that tells API processes stays silent. */
async function behindItsBack(statement: string, values: unknown[]): Promise<void> {
  await sql.query('BEGIN');
  await sql.query('SET LOCAL session_replication_role = replica');
  await sql.query(statement, values);
  await sql.query('COMMIT');
}

describe('the violation page cache', () => {
  it('shows every change committed elsewhere on the very next request', async () => {
    const first = (await listed()).items[0]!;
    for (let i = 0; i < 20; i++) {
      await listed();
      await sql.query('UPDATE violations SET plate_text = $1 WHERE id = $2', [`${10 + i}가1234`, first.id]);
      expect((await listed()).items[0]!.plateText).toBe(`${10 + i}가1234`);
    }
    await listed('&status=pending');
    await sql.query(`UPDATE violations SET status = 'rejected' WHERE id = $1`, [first.id]);
    const after = await listed('&status=pending');
    expect(after.items.map((v) => v.id)).not.toContain(first.id);
    expect(after.counts.rejected).toBe(1);
    const thumbnail = await sql.query<{ id: string }>(
      `INSERT INTO evidence_files (id, violation_id, role, path, sha256, size_bytes, mime, created_at)
       VALUES (gen_random_uuid(), $1, 'keyframe', 'x/keyframe-entry.jpg', repeat('a', 64), 1, 'image/jpeg', now())
       RETURNING id`,
      [first.id],
    );
    expect((await listed()).items.find((v) => v.id === first.id)!.thumbnailEvidenceId).toBe(thumbnail.rows[0]!.id);
  });

  it('serves a page from memory: a change that skips the triggers goes unseen until the cache forgets', async () => {
    const before = await listed();
    const id = before.items[1]!.id;
    await behindItsBack('UPDATE violations SET plate_text = $1 WHERE id = $2', ['99허9999', id]);
    expect((await listed()).items[1]!.plateText).toBe(before.items[1]!.plateText);
    t.app.violationPages.forget();
    expect((await listed()).items[1]!.plateText).toBe('99허9999');
  });

  it('keeps nothing while its LISTEN connection is down', async () => {
    const { rows } = await sql.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1`,
      [`%${VIOLATION_LIST_CHANNEL}%`],
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const { pid } of rows) await sql.query('SELECT pg_terminate_backend($1)', [pid]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const id = (await listed()).items[2]!.id;
    await behindItsBack('UPDATE violations SET plate_text = $1 WHERE id = $2', ['88허8888', id]);
    expect((await listed()).items[2]!.plateText).toBe('88허8888');
  });

  it('builds a page once for the requests that ask while it is being built, and again after a change', async () => {
    const cache = new ViolationPageCache({
      prisma: t.prisma,
      databaseUrl: t.deps.config.DATABASE_URL,
      logger: createLogger('silent'),
    });
    await cache.start();
    try {
      let builds = 0;
      const build = async () => {
        builds++;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return Buffer.from(String(builds));
      };
      const pages = await Promise.all(Array.from({ length: 10 }, () => cache.get('q', build)));
      expect(builds).toBe(1);
      expect(new Set(pages.map(String))).toEqual(new Set(['1']));
      expect(String(await cache.get('q', build))).toBe('1');
      await sql.query('UPDATE cameras SET name = name WHERE id = $1', [seeded.camera.id]);
      expect(String(await cache.get('q', build))).toBe('2');
    } finally {
      await cache.close();
    }
  });
});
