import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../config.js';
import { createPrisma, type PrismaClient } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { reviewBacklog, reviewerThroughput, violationStats, type StatsFilter } from '../db/stats.js';

const USAGE = `usage: npm run bench:stats -- [--rows 1000000] [--runs 200]

Fills a scratch database (motoguard_bench_stats on DATABASE_URL's server, dropped afterwards) with --rows violations
over two years on 20 cameras of 3 zones: all decided but half of the last two weeks' (the review backlog), each
decision with its review action by one of 8 reviewers. Then runs each statistics query of GET /stats --runs times
per scenario and prints p50/p99/max in ms as one JSON object, with what inserting one violation (a transaction of
its own) costs with and without the statistics triggers.`;

const DB_NAME = 'motoguard_bench_stats';
const CAMERAS = 20;
const ZONES_PER_CAMERA = 3;
const REVIEWERS = 8;
/** the data's last day: the scenarios' periods end here */
const LAST_DAY = '2026-11-30';

async function withClient<T>(url: URL, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Cameras, zones, a run per camera and `rows` violations spread evenly over the two years to LAST_DAY, loaded in
 * bulk with the triggers off, then the rollups counted at once (rebuild_stats, as the migration does).
 */
async function seed(db: pg.Client, rows: number): Promise<void> {
  await db.query(`
    INSERT INTO cameras (id, name, timezone, enabled, plate_format, updated_at)
    SELECT gen_random_uuid(), 'bench camera ' || c, 'Asia/Seoul', true, 'kr', now() FROM generate_series(1, ${CAMERAS}) c;
    INSERT INTO zones (id, camera_id, name, kind, polygon, min_dwell_seconds, min_displacement,
                       direction_tolerance_deg, classes, require_rider, updated_at)
    SELECT gen_random_uuid(), c.id, 'zone ' || z, 'sidewalk', '[[0,0],[1,0],[1,1]]', 1, 0.03, 60, '{motorcycle}', true, now()
      FROM cameras c CROSS JOIN generate_series(1, ${ZONES_PER_CAMERA}) z;
    INSERT INTO segments (id, camera_id, file_uri, sha256, start_time, status, updated_at)
    SELECT gen_random_uuid(), c.id, 'file:///bench/' || c.id || '.mp4', encode(sha256(c.id::text::bytea), 'hex'),
           now(), 'done', now() FROM cameras c;
    INSERT INTO analysis_runs (id, segment_id, pipeline_version, model_fingerprints, config_hash, timings, started_at)
    SELECT gen_random_uuid(), s.id, 'bench', '{}', repeat('0', 64), '{}', now() FROM segments s;
    INSERT INTO api_keys (id, key_hash, prefix, role, label)
    SELECT gen_random_uuid(), encode(sha256(('bench' || k)::bytea), 'hex'), 'mg_bench' || k, 'officer', 'reviewer ' || k
      FROM generate_series(1, ${REVIEWERS}) k;`);
  await db.query('ALTER TABLE violations DISABLE TRIGGER USER');
  await db.query('ALTER TABLE review_actions DISABLE TRIGGER USER');
  // zone n % 60, in time order over two years; 75 % confirmed and 25 % rejected, but of the last 14 days half is
  // still open (pending, a tenth of it waiting for a second review)
  await db.query(
    `
    WITH z AS (SELECT z.id AS zone_id, z.camera_id, z.name, r.id AS run_id, row_number() OVER (ORDER BY z.id) - 1 AS k
                 FROM zones z JOIN segments s ON s.camera_id = z.camera_id JOIN analysis_runs r ON r.segment_id = s.id)
    INSERT INTO violations (id, run_id, camera_id, zone_id, zone_name, zone_kind, track_id, start_time, end_time,
                            start_sec, end_sec, status, plate_text, plate_confidence, plate_candidates, updated_at,
                            alerted_at, created_at)
    SELECT gen_random_uuid(), z.run_id, z.camera_id, z.zone_id, z.name, 'sidewalk', n, t, t + interval '4 seconds', 1, 5,
           (CASE WHEN t >= $2::date - 13 AND n % 20 < 9 THEN 'pending'
                 WHEN t >= $2::date - 13 AND n % 20 = 9 THEN 'needs_second_review'
                 WHEN n % 4 = 0 THEN 'rejected' ELSE 'confirmed' END)::"ViolationStatus",
           '12가' || lpad((n % 10000)::text, 4, '0'), 0.9, '[]', now(), t, t + interval '1 minute'
      FROM generate_series(1, $1::int) n
      CROSS JOIN LATERAL (SELECT ($2::date + 1 - interval '730 days') + (n::float8 / $1) * interval '730 days' AS t) s
      JOIN z ON z.k = n % ${CAMERAS * ZONES_PER_CAMERA}`,
    [rows, LAST_DAY],
  );
  await db.query(`
    WITH k AS (SELECT id, label, row_number() OVER (ORDER BY id) - 1 AS i FROM api_keys)
    INSERT INTO review_actions (id, violation_id, api_key_id, reviewer, decision, reason_code, previous_status,
                                new_status, previous_version, created_at)
    SELECT gen_random_uuid(), v.id, k.id, k.label,
           (CASE v.status WHEN 'confirmed' THEN 'confirm' ELSE 'reject' END)::"ReviewDecision",
           CASE v.status WHEN 'rejected' THEN 'not_a_violation' END, 'pending', v.status, 1,
           v.start_time + interval '3 hours'
      FROM violations v JOIN k ON k.i = v.track_id % ${REVIEWERS}
     WHERE v.status IN ('confirmed', 'rejected')`);
  await db.query('ALTER TABLE violations ENABLE TRIGGER USER');
  await db.query('ALTER TABLE review_actions ENABLE TRIGGER USER');
  await db.query('SELECT rebuild_stats()');
  await db.query('VACUUM ANALYZE');
}

/**
 * Microseconds to insert one violation in a transaction of its own, as the analysis stores them, `n` times with the
 * statistics trigger on and `n` off, after the queries are timed (the rows stay: the database is dropped).
 */
async function insertCost(db: pg.Client, n: number): Promise<{ withTriggerUs: number; withoutTriggerUs: number }> {
  const { rows } = await db.query<Record<string, unknown>>(
    'SELECT run_id, camera_id, zone_id, zone_name, zone_kind, start_time, end_time FROM violations LIMIT 1',
  );
  const v = rows[0]!;
  const insert = async () => {
    const start = performance.now();
    for (let i = 0; i < n; i++)
      await db.query(
        `INSERT INTO violations (id, run_id, camera_id, zone_id, zone_name, zone_kind, track_id, start_time, end_time,
                                 start_sec, end_sec, plate_candidates, updated_at)
         VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, -1, $6, $7, 1, 5, '[]', now())`,
        [v.run_id, v.camera_id, v.zone_id, v.zone_name, v.zone_kind, v.start_time, v.end_time],
      );
    return Math.round(((performance.now() - start) * 1000) / n);
  };
  await db.query('ALTER TABLE violations DISABLE TRIGGER violations_stats');
  const withoutTriggerUs = await insert();
  await db.query('ALTER TABLE violations ENABLE TRIGGER violations_stats');
  const withTriggerUs = await insert();
  return { withTriggerUs, withoutTriggerUs };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
const ms = (n: number) => Math.round(n * 10) / 10;

async function timeQuery(runs: number, query: () => Promise<unknown>) {
  for (let i = 0; i < 5; i++) await query();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await query();
    times.push(performance.now() - start);
  }
  times.sort((x, y) => x - y);
  return { p50: ms(percentile(times, 0.5)), p99: ms(percentile(times, 0.99)), max: ms(times.at(-1)!) };
}

async function scenarios(prisma: PrismaClient) {
  const camera = await prisma.camera.findFirstOrThrow({ orderBy: { name: 'asc' } });
  const zone = await prisma.zone.findFirstOrThrow({ where: { cameraId: camera.id }, orderBy: { name: 'asc' } });
  const daysBack = (days: number) =>
    new Date(Date.parse(LAST_DAY) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const named: [string, StatsFilter][] = [
    ['all cameras, 30 days', { from: daysBack(30), to: LAST_DAY }],
    ['all cameras, 366 days', { from: daysBack(366), to: LAST_DAY }],
    ['one camera, 366 days', { cameraId: camera.id, from: daysBack(366), to: LAST_DAY }],
    ['one zone, 30 days', { cameraId: camera.id, zoneId: zone.id, from: daysBack(30), to: LAST_DAY }],
  ];
  return named;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '200' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const rows = Number(values.rows);
  const runs = Number(values.runs);
  const dbUrl = new URL(loadConfig().DATABASE_URL);
  dbUrl.pathname = `/${DB_NAME}`;
  const adminUrl = new URL(dbUrl);
  adminUrl.pathname = '/postgres';
  await withClient(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DB_NAME}`);
  });
  const prisma = createPrisma(dbUrl.toString());
  try {
    await migrate(dbUrl.toString());
    const seedStart = performance.now();
    const { rollupRows, reviews, backlog } = await withClient(dbUrl, async (db) => {
      await seed(db, rows);
      const counts = await db.query<{ rollup: number; reviews: number; backlog: number }>(
        `SELECT (SELECT count(*)::int FROM violation_stats) AS rollup, (SELECT count(*)::int FROM review_actions) AS reviews,
                (SELECT count(*)::int FROM violations WHERE status IN ('pending', 'needs_second_review')) AS backlog`,
      );
      const { rollup, reviews, backlog } = counts.rows[0]!;
      return { rollupRows: rollup, reviews, backlog };
    });
    const seedSec = Math.round((performance.now() - seedStart) / 100) / 10;
    const figures = [];
    for (const [scenario, filter] of await scenarios(prisma)) {
      figures.push({
        scenario,
        violationStats: await timeQuery(runs, () => violationStats(prisma, filter)),
        reviewBacklog: await timeQuery(runs, () => reviewBacklog(prisma, filter)),
        reviewerThroughput: await timeQuery(runs, () => reviewerThroughput(prisma, filter)),
      });
    }
    const insert = await withClient(dbUrl, (db) => insertCost(db, 500));
    const result = {
      rows,
      reviews,
      backlog,
      rollupRows,
      runs,
      cpus: os.cpus().length,
      seedSec,
      insertPerViolation: insert,
      figures,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await prisma.$disconnect();
    await withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`));
  }
}

await main();
