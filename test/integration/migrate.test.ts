import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';
import { migrate, migrationChecksum, splitSqlStatements } from '../../src/db/migrate.js';

const MIGRATIONS_DIR = path.join(projectRoot, 'prisma', 'migrations');
const base = new URL(process.env.DATABASE_URL!);
const created: string[] = [];
const tempDirs: string[] = [];

/** A database name nobody else uses; migrate() must create it. */
function scratchUrl(): string {
  const name = `motoguard_migrate_${randomBytes(4).toString('hex')}`;
  created.push(name);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function localMigrations(): Promise<string[]> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'motoguard-migrations-'));
  tempDirs.push(dir);
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

afterAll(async () => {
  const adminUrl = new URL(base);
  adminUrl.pathname = '/postgres';
  for (const name of created) {
    await query(adminUrl.toString(), `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  }
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

describe('migrate', () => {
  it('creates a missing database, applies every folder in order, and a second run is a no-op', async () => {
    const url = scratchUrl();
    const expected = await localMigrations();
    expect(expected.length).toBeGreaterThan(0);

    expect((await migrate(url)).applied).toEqual(expected);
    expect((await migrate(url)).applied).toEqual([]);

    const rows = await query<{ migration_name: string }>(url, 'SELECT migration_name FROM _prisma_migrations');
    expect(rows.map((r) => r.migration_name).sort()).toEqual(expected);
  });

  it('records migrations the way Prisma does', async () => {
    const url = scratchUrl();
    await migrate(url);
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string; len: number | null }>(
      url,
      `SELECT column_name, data_type, is_nullable, character_maximum_length AS len
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'id', data_type: 'character varying', is_nullable: 'NO', len: 36 },
      { column_name: 'checksum', data_type: 'character varying', is_nullable: 'NO', len: 64 },
      { column_name: 'finished_at', data_type: 'timestamp with time zone', is_nullable: 'YES', len: null },
      { column_name: 'migration_name', data_type: 'character varying', is_nullable: 'NO', len: 255 },
      { column_name: 'logs', data_type: 'text', is_nullable: 'YES', len: null },
      { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', is_nullable: 'YES', len: null },
      { column_name: 'started_at', data_type: 'timestamp with time zone', is_nullable: 'NO', len: null },
      { column_name: 'applied_steps_count', data_type: 'integer', is_nullable: 'NO', len: null },
    ]);

    const rows = await query<{
      id: string;
      checksum: string;
      migration_name: string;
      logs: string | null;
      started_at: Date;
      finished_at: Date;
      rolled_back_at: Date | null;
      applied_steps_count: number;
    }>(url, 'SELECT * FROM _prisma_migrations ORDER BY started_at');
    for (const row of rows) {
      const script = await readFile(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'), 'utf8');
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.checksum).toBe(migrationChecksum(script));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
      expect(row.rolled_back_at).toBeNull();
      expect(row.finished_at.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }
  });

  it('applies each migration once when several processes migrate at the same moment', async () => {
    const url = scratchUrl();
    const results = await Promise.all([migrate(url), migrate(url), migrate(url)]);
    const all = results.flatMap((r) => r.applied).sort();
    expect(all).toEqual(await localMigrations());
    const rows = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM _prisma_migrations');
    expect(Number(rows[0]!.n)).toBe(all.length);
  });

  it('refuses to run when an applied migration file was edited, naming it', async () => {
    const url = scratchUrl();
    const dir = await copyOfMigrations();
    await migrate(url, { migrationsDir: dir });
    const [first] = await localMigrations();
    const file = path.join(dir, first!, 'migration.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- sneaky edit\n`);
    await expect(migrate(url, { migrationsDir: dir })).rejects.toThrow(
      new RegExp(`Migration ${first} was modified after it was applied`),
    );
  });

  it('accepts a file whose line endings git changed', async () => {
    const url = scratchUrl();
    const dir = await copyOfMigrations();
    await migrate(url, { migrationsDir: dir });
    const [first] = await localMigrations();
    const file = path.join(dir, first!, 'migration.sql');
    await writeFile(file, (await readFile(file, 'utf8')).replace(/\n/g, '\r\n'));
    expect((await migrate(url, { migrationsDir: dir })).applied).toEqual([]);
  });

  it('rolls a failing migration back entirely and names the failing statement', async () => {
    const url = scratchUrl();
    const dir = await copyOfMigrations();
    const bad = '99990101000000_broken';
    await mkdir(path.join(dir, bad));
    await writeFile(
      path.join(dir, bad, 'migration.sql'),
      [
        '-- CreateTable',
        'CREATE TABLE "half_done" ("id" INTEGER NOT NULL);',
        '',
        '-- A function body with semicolons must stay one statement',
        'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;',
        '',
        'ALTER TABLE "no_such_table" ADD COLUMN "x" TEXT;',
      ].join('\n'),
    );
    const error = await migrate(url, { migrationsDir: dir }).then(
      () => null,
      (err: Error) => err,
    );
    expect(error?.message).toMatch(/Migration 99990101000000_broken failed at statement 3 of 3/);
    expect(error?.message).toMatch(/no_such_table/);

    const tables = await query<{ tablename: string }>(
      url,
      `SELECT tablename FROM pg_tables WHERE tablename = 'half_done'`,
    );
    expect(tables).toEqual([]);
    const rows = await query<{ migration_name: string }>(url, 'SELECT migration_name FROM _prisma_migrations');
    expect(rows.map((r) => r.migration_name).sort()).toEqual(await localMigrations());
  });
});

describe('splitSqlStatements', () => {
  it('keeps quoted semicolons, dollar-quoted bodies and comments inside their statement', () => {
    const script = [
      '-- note; not a split',
      'INSERT INTO t VALUES (\'a;b\', "c;d");',
      "/* block; comment */ CREATE FUNCTION g() RETURNS trigger AS $body$ BEGIN RAISE EXCEPTION 'x;y'; END; $body$ LANGUAGE plpgsql;",
      'SELECT 1',
    ].join('\n');
    const statements = splitSqlStatements(script);
    expect(statements).toHaveLength(3);
    expect(statements[0]).toContain("'a;b'");
    expect(statements[1]).toContain('END; $body$ LANGUAGE plpgsql');
    expect(statements[2]).toBe('SELECT 1');
  });
});
