import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../src/db/migrate.js';

const SERVER_URL = 'postgresql://postgres@127.0.0.1:5432/';
const RUN_DB_PREFIX = 'motoguard_test_run_';
/** Databases of runs that were killed before their teardown are dropped once this old. */
const STALE_AFTER_SECONDS = 6 * 3600;

/**
 * A fresh, migrated database for every `vitest run`, handed to the tests as DATABASE_URL. Each run gets its own
 * (`motoguard_test_run_<time>_<pid>`, dropped afterwards) so runs started at the same time on one machine never
 * drop each other's data; TEST_DATABASE_URL names a fixed database instead, recreated the same way.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fixed = process.env.TEST_DATABASE_URL;
  const url = new URL(fixed ?? SERVER_URL);
  if (!fixed) url.pathname = `/${RUN_DB_PREFIX}${Math.floor(Date.now() / 1000)}_${process.pid}`;
  const dbName = decodeURIComponent(url.pathname.slice(1));

  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const withAdmin = async (work: (admin: pg.Client) => Promise<void>) => {
    const admin = new pg.Client({ connectionString: adminUrl.toString() });
    await admin.connect();
    try {
      await work(admin);
    } finally {
      await admin.end();
    }
  };

  await withAdmin(async (admin) => {
    await dropStaleRunDatabases(admin);
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(dbName)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(dbName)}`);
  });
  await migrate(url.toString());

  project.config.env.DATABASE_URL = url.toString();
  process.env.DATABASE_URL = url.toString();

  return async () => {
    if (!fixed)
      await withAdmin((admin) =>
        admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(dbName)} WITH (FORCE)`).then(() => {}),
      );
  };
}

async function dropStaleRunDatabases(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
    `${RUN_DB_PREFIX}%`,
  ]);
  const now = Date.now() / 1000;
  for (const { datname } of rows) {
    const startedAt = Number(datname.slice(RUN_DB_PREFIX.length).split('_')[0]);
    if (Number.isFinite(startedAt) && now - startedAt > STALE_AFTER_SECONDS) {
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  }
}
