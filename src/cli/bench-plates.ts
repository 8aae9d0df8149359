import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../config.js';
import { createPrisma } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { countViolations, listViolations } from '../db/violations.js';
import { runCommand, UsageError } from './run-command.js';

const USAGE = `usage: npm run bench:plates -- [--rows N] [--queries Q] [--keep]

Fills a scratch database (DATABASE_URL's server, database motoguard_bench_plates) with N violations (1,000,000)
whose plates are random Korean plates (one in ten unread), then times Q plate searches (200) two ways: the search
query alone (the page of 50, newest first, as SQL), and all GET /violations asks of the database for it (the page
with its relations and the per-status counts, through the repository). Prints one JSON object with p50/p99 of each
and the load average, since a busy machine shows in the tail.
The scratch database is dropped afterwards unless --keep.`;

const SCRATCH_DB = 'motoguard_bench_plates';
const HANGUL = '가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주하허호배';

/** Rows are spread over this many cameras, as a city's violations are. */
const CAMERAS = 20;

const round = (ms: number) => Math.round(ms * 10) / 10;

function percentiles(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50Ms: round(at(50)), p99Ms: round(at(99)), maxMs: round(sorted.at(-1)!) };
}

/** The search query of GET /violations?plate=, as the repository has Postgres run it for the page. */
const SEARCH_SQL = `SELECT id, start_time, plate_text FROM violations
  WHERE superseded_by_id IS NULL AND plate_text ILIKE $1 ORDER BY start_time DESC, id DESC LIMIT 51`;

async function timeEach(terms: string[], run: (plate: string) => Promise<number>) {
  for (const plate of terms.slice(0, 10)) await run(plate);
  const times: number[] = [];
  let found = 0;
  for (const plate of terms) {
    const t0 = performance.now();
    const n = await run(plate);
    times.push(performance.now() - t0);
    if (n === 0) throw new Error(`no violation found for ${plate}, a plate in the table`);
    found += n;
  }
  return { ...percentiles(times), meanMatches: Math.round(found / terms.length) };
}

async function fill(url: string, rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const cameras = await client.query<{ id: string }>(
      `INSERT INTO cameras (id, name, timezone, enabled, plate_format, created_at, updated_at)
       SELECT gen_random_uuid(), 'bench ' || i, 'Asia/Seoul', true, 'kr', now(), now()
         FROM generate_series(1, ${CAMERAS}) i RETURNING id`,
    );
    const ids = cameras.rows.map((r) => r.id);
    const segment = await client.query<{ id: string }>(
      `INSERT INTO segments (id, camera_id, file_uri, sha256, start_time, status, created_at, updated_at)
       VALUES (gen_random_uuid(), $1, 'file:///bench.mp4', repeat('0', 64), now(), 'done', now(), now()) RETURNING id`,
      [ids[0]],
    );
    const run = await client.query<{ id: string }>(
      `INSERT INTO analysis_runs (id, segment_id, pipeline_version, model_fingerprints, config_hash, timings, started_at)
       VALUES (gen_random_uuid(), $1, 'bench', '{}', repeat('0', 64), '{}', now()) RETURNING id`,
      [segment.rows[0]!.id],
    );
    // The statistics trigger updates one rollup row per inserted row: a million of those in one statement pile up
    // row versions for hours, so the rollups are counted once afterwards, as bench:stats does.
    await client.query('ALTER TABLE violations DISABLE TRIGGER violations_stats');
    // One statement, generated in the server: plates NN<Hangul>NNNN (some with a region), a tenth unread, over a year.
    await client.query(
      `INSERT INTO violations (id, run_id, camera_id, zone_name, zone_kind, track_id, start_time, end_time,
                               start_sec, end_sec, status, plate_text, plate_confidence, plate_candidates,
                               version, created_at, updated_at)
       SELECT gen_random_uuid(), $1, ($2::uuid[])[1 + i % ${CAMERAS}], 'sidewalk', 'sidewalk', i, t, t + interval '3 s',
              0, 3, (ARRAY['pending','confirmed','rejected','needs_second_review']::"ViolationStatus"[])[1 + i % 4],
              CASE WHEN i % 10 = 0 THEN NULL ELSE
                (CASE WHEN i % 7 = 0 THEN '서울' ELSE '' END)
                || lpad((floor(random() * 100))::int::text, 2, '0')
                || substr($3, 1 + floor(random() * ${HANGUL.length})::int, 1)
                || lpad((floor(random() * 10000))::int::text, 4, '0') END,
              0.9, '[]', 1, now(), now()
         FROM generate_series(1, $4::int) i,
              LATERAL (SELECT timestamptz '2026-01-01' + (i::float8 / $4 * 365) * interval '1 day' AS t) time`,
      [run.rows[0]!.id, ids, HANGUL, rows],
    );
    await client.query('ALTER TABLE violations ENABLE TRIGGER violations_stats');
    await client.query('SELECT rebuild_stats()');
    await client.query('ANALYZE violations');
  } finally {
    await client.end();
  }
}

/** Searches as officers type them: a plate's front (12가), its number (3456), a middle (가34), the whole plate. */
async function searchTerms(url: string, n: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const plates = await client.query<{ plate_text: string }>(
      `SELECT plate_text FROM violations TABLESAMPLE SYSTEM (1) WHERE plate_text IS NOT NULL LIMIT $1`,
      [n],
    );
    return plates.rows.map(({ plate_text: p }, i) => {
      const core = p.slice(-7);
      return [core.slice(0, 3), core.slice(-4), core.slice(2, 5), p][i % 4]!;
    });
  } finally {
    await client.end();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { rows: { type: 'string' }, queries: { type: 'string' }, keep: { type: 'boolean' } },
  });
  const rows = Number(values.rows ?? 1_000_000);
  const queries = Number(values.queries ?? 200);
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(queries) || queries < 1)
    throw new UsageError('--rows and --queries take positive integers');

  const base = new URL(loadConfig().DATABASE_URL);
  const scratch = new URL(base);
  scratch.pathname = `/${SCRATCH_DB}`;
  const maintenance = new URL(base);
  maintenance.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: maintenance.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${SCRATCH_DB}`);

  const started = performance.now();
  await migrate(scratch.toString());
  await fill(scratch.toString(), rows);
  const fillSeconds = (performance.now() - started) / 1000;

  const prisma = createPrisma(scratch.toString());
  const client = new pg.Client({ connectionString: scratch.toString() });
  await client.connect();
  try {
    const terms = await searchTerms(scratch.toString(), queries);
    const searchQuery = await timeEach(
      terms,
      async (plate) => (await client.query(SEARCH_SQL, [`%${plate}%`])).rowCount ?? 0,
    );
    const wholeRequest = await timeEach(terms, async (plate) => {
      const [page, counts] = await Promise.all([
        listViolations(prisma, { plate }, { limit: 50 }),
        countViolations(prisma, { plate }),
      ]);
      return Math.min(page.items.length, counts.total);
    });
    const plan = await prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN SELECT id FROM violations WHERE plate_text ILIKE '%12가%' ORDER BY start_time DESC LIMIT 51`,
    );
    console.log(
      JSON.stringify({
        rows,
        queries: terms.length,
        fillSeconds: Math.round(fillSeconds),
        searchQuery,
        wholeRequest,
        loadAverage: round(os.loadavg()[0]!),
        cpus: os.availableParallelism(),
        usesTrigramIndex: plan.some((r) => r['QUERY PLAN'].includes('violations_plate_text_trgm_idx')),
        terms: terms.slice(0, 8),
      }),
    );
  } finally {
    await client.end();
    await prisma.$disconnect();
    if (!values.keep) await admin.query(`DROP DATABASE IF EXISTS ${SCRATCH_DB}`);
    await admin.end();
  }
  return 0;
}

runCommand('bench:plates', USAGE, main);
