import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { projectRoot } from '../config.js';

/**
 * Applies prisma/migrations the way `prisma migrate deploy` does, without Prisma's schema-engine binary (which
 * cannot be downloaded on offline machines): same `_prisma_migrations` table, same checksums, same advisory
 * lock key, so either tool can take over from the other. Unlike Prisma, each migration runs in one transaction.
 */

export interface MigrateOptions {
  migrationsDir?: string;
}

export interface MigrateResult {
  /** Folder names applied by this call, in order. */
  applied: string[];
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** The key Prisma's schema engine locks on, so this and `prisma migrate` never run at once. */
const PRISMA_ADVISORY_LOCK_KEY = 72707369;

const DEFAULT_MIGRATIONS_DIR = path.join(projectRoot, 'prisma', 'migrations');

/** Verbatim from Prisma's Postgres flavour (schema-engine sql-schema-connector). */
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
);`;

interface LocalMigration {
  name: string;
  script: string;
  checksum: string;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** sha256 hex of the script, as Prisma records it. */
export function migrationChecksum(script: string): string {
  return createHash('sha256').update(script, 'utf8').digest('hex');
}

/** Prisma accepts a checksum taken before git changed the line endings either way. */
function checksumMatches(script: string, checksum: string): boolean {
  const lf = script.replace(/\r\n/g, '\n');
  return [script, lf, lf.replace(/\n/g, '\r\n')].some((variant) => migrationChecksum(variant) === checksum);
}

export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = await readMigrations(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR);
  await ensureDatabase(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    try {
      return { applied: await applyPending(client, migrations) };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_ADVISORY_LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

async function readMigrations(dir: string): Promise<LocalMigration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const script = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, script, checksum: migrationChecksum(script) };
    }),
  );
}

async function ensureDatabase(databaseUrl: string): Promise<void> {
  const probe = new pg.Client({ connectionString: databaseUrl });
  try {
    await probe.connect();
    await probe.end();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err;
  }
  const url = new URL(databaseUrl);
  const dbName = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(dbName)}`);
  } catch (err) {
    // A concurrent migrate created it first.
    if (!['42P04', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
  } finally {
    await admin.end();
  }
}

async function applyPending(client: pg.Client, migrations: LocalMigration[]): Promise<string[]> {
  const existing = await client.query(
    `SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = '_prisma_migrations'`,
  );
  if (existing.rowCount === 0) await client.query(CREATE_MIGRATIONS_TABLE);
  const { rows } = await client.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
  );
  const live = rows.filter((r) => r.rolled_back_at === null);
  const byName = new Map(migrations.map((m) => [m.name, m]));
  for (const row of live) {
    if (row.finished_at === null) {
      throw new MigrationError(
        `Migration ${row.migration_name} failed earlier and was never resolved; fix the database, then mark it ` +
          `rolled back (prisma migrate resolve --rolled-back ${row.migration_name})`,
      );
    }
    const local = byName.get(row.migration_name);
    if (local && !checksumMatches(local.script, row.checksum)) {
      throw new MigrationError(
        `Migration ${row.migration_name} was modified after it was applied ` +
          `(recorded checksum ${row.checksum}, file ${local.checksum}); add a new migration instead`,
      );
    }
  }
  const done = new Set(live.map((r) => r.migration_name));
  const applied: string[] = [];
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    await applyOne(client, migration);
    applied.push(migration.name);
  }
  return applied;
}

async function applyOne(client: pg.Client, migration: LocalMigration): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      'INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, clock_timestamp())',
      [id, migration.checksum, migration.name],
    );
    const statements = splitSqlStatements(migration.script);
    for (const [index, statement] of statements.entries()) {
      try {
        await client.query(statement);
      } catch (err) {
        const firstLine = statement.split('\n').find((l) => l.trim() && !l.trim().startsWith('--')) ?? statement;
        throw new MigrationError(
          `Migration ${migration.name} failed at statement ${index + 1} of ${statements.length} ` +
            `(${firstLine.trim().slice(0, 120)}): ${(err as Error).message}; rolled back, nothing applied`,
          { cause: err },
        );
      }
    }
    await client.query(
      'UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

/**
 * Splits a script on top-level semicolons, skipping those inside quotes, dollar-quoted bodies and comments,
 * so a failure can name its statement.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const text = script.slice(start, end).trim();
    if (text.split('\n').some((l) => l.trim() && !l.trim().startsWith('--'))) statements.push(text);
  };
  while (i < script.length) {
    const ch = script[i]!;
    const next = script[i + 1];
    if (ch === '-' && next === '-') {
      const eol = script.indexOf('\n', i);
      i = eol === -1 ? script.length : eol + 1;
    } else if (ch === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end === -1 ? script.length : end + 2;
    } else if (ch === "'" || ch === '"') {
      i = skipQuoted(script, i, ch);
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(script.slice(i))?.[0];
      if (tag) {
        const end = script.indexOf(tag, i + tag.length);
        i = end === -1 ? script.length : end + tag.length;
      } else {
        i++;
      }
    } else if (ch === ';') {
      push(i);
      start = i + 1;
      i++;
    } else {
      i++;
    }
  }
  push(script.length);
  return statements;
}

function skipQuoted(script: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < script.length) {
    if (script[i] === quote) {
      if (script[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return script.length;
}
