import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { syncCameraFromFile } from '../batch/camera-sync.js';
import { loadConfig, projectRoot } from '../config.js';
import { parseCameraConfig } from '../core/camera-config.js';
import { createApiKey } from '../db/api-keys.js';
import { createPrisma } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { DEMO_CAMERA } from './demo-paths.js';
import { freePort } from './loopback.js';

const USAGE = `usage: npm run bench:violations -- [--rows 50000] [--rate 500] [--seconds 20] [--connections 20]

Fills a scratch database (motoguard_bench_violations on DATABASE_URL's server, dropped afterwards) with --rows
violations, starts the API on it in a process of its own and has autocannon ask GET /violations?limit=50 (with
its counts) at --rate requests per second, then the same filtered by status and one page further (a cursor).
Prints one JSON object: p50, p99 and max latency in ms and the requests per second of each, and the CPU the API
process spent per request (ms; from /proc, so it holds on a machine others share, where latency does not).`;

const RUNS = 100;

async function withAdmin(serverUrl: URL, work: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

/** One camera and zone, RUNS segments with a run each, and `rows` violations spread over a year. */
async function seed(databaseUrl: string, rows: number): Promise<string> {
  const prisma = createPrisma(databaseUrl);
  try {
    const demo: unknown = JSON.parse(await readFile(DEMO_CAMERA, 'utf8'));
    const camera = await syncCameraFromFile(prisma, parseCameraConfig(demo), 'bench');
    const zone = await prisma.zone.findFirstOrThrow({ where: { cameraId: camera.id } });
    for (let i = 0; i < RUNS; i++) {
      const segment = await prisma.segment.create({
        data: {
          cameraId: camera.id,
          fileUri: `file:///bench/${i}.mp4`,
          sha256: createHash('sha256').update(`bench-${i}`).digest('hex'),
          startTime: new Date(Date.UTC(2026, 0, 1) + i * 3600_000),
          status: 'done',
        },
      });
      await prisma.analysisRun.create({
        data: {
          segmentId: segment.id,
          pipelineVersion: 'bench',
          modelFingerprints: {},
          configHash: '0'.repeat(64),
          timings: {},
          startedAt: new Date(),
        },
      });
    }
    await prisma.$executeRaw`
      INSERT INTO violations (id, run_id, camera_id, zone_id, zone_name, zone_kind, track_id, start_time, end_time,
                              start_sec, end_sec, status, plate_text, plate_confidence, plate_candidates,
                              updated_at, alerted_at)
      SELECT gen_random_uuid(), r.id, ${camera.id}::uuid, ${zone.id}::uuid, ${zone.name}, ${zone.kind}::"ZoneKind",
             n, timestamp '2026-01-01' + n * interval '10 minutes',
             timestamp '2026-01-01' + n * interval '10 minutes' + interval '4 seconds', 1, 5,
             (ARRAY['pending','confirmed','rejected','needs_second_review'])[1 + n % 4]::"ViolationStatus",
             '12가' || lpad((n % 10000)::text, 4, '0'), 0.9, '[]'::jsonb, now(), now()
      FROM generate_series(1, ${rows}) AS n
      JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM analysis_runs) r ON r.k = n % ${RUNS}`;
    await prisma.$executeRawUnsafe('ANALYZE');
    return (await createApiKey(prisma, { role: 'officer', label: 'bench', actor: 'bench' })).secret;
  } finally {
    await prisma.$disconnect();
  }
}

interface Figures {
  path: string;
  p50: number;
  p99: number;
  max: number;
  requestsPerSec: number;
  non2xx: number;
  apiCpuMsPerRequest: number;
}

/** User + system CPU seconds a process has spent so far (Linux /proc; fields 14 and 15 of stat, in clock ticks). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function load(url: string, key: string, o: { rate: number; seconds: number; connections: number }, pid: number) {
  const cpuBefore = await cpuSeconds(pid);
  const result = await autocannon({
    url,
    headers: { authorization: `Bearer ${key}` },
    connections: o.connections,
    overallRate: o.rate,
    duration: o.seconds,
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    requestsPerSec: result.requests.average,
    non2xx: result.non2xx,
    apiCpuMsPerRequest: Number(((((await cpuSeconds(pid)) - cpuBefore) * 1000) / result.requests.total).toFixed(2)),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '50000' },
      rate: { type: 'string', default: '500' },
      seconds: { type: 'string', default: '20' },
      connections: { type: 'string', default: '20' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const rows = Number(values.rows);
  const opts = { rate: Number(values.rate), seconds: Number(values.seconds), connections: Number(values.connections) };
  const config = loadConfig();
  const dbUrl = new URL(config.DATABASE_URL);
  dbUrl.pathname = '/motoguard_bench_violations';
  const dbName = 'motoguard_bench_violations';
  await withAdmin(dbUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${dbName}`);
  });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'motoguard-bench-violations-'));
  try {
    await migrate(dbUrl.toString());
    const seedStart = Date.now();
    const key = await seed(dbUrl.toString(), rows);
    const seedSec = (Date.now() - seedStart) / 1000;

    const port = await freePort();
    const api = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src', 'api', 'server.ts')], {
      cwd: projectRoot,
      env: {
        ...process.env,
        DATABASE_URL: dbUrl.toString(),
        PORT: String(port),
        LOG_LEVEL: 'warn',
        AUDIT_CHECKPOINT_FILE: path.join(tmp, 'checkpoints.jsonl'),
        AUDIT_KEY_DIR: path.join(tmp, 'keys'),
        EVIDENCE_ROOT: path.join(tmp, 'evidence'),
        FOOTAGE_ROOT: path.join(tmp, 'footage'),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        const ok = await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (i > 300) throw new Error('the API did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
      const first = (await (
        await fetch(`${base}/violations?limit=50`, { headers: { authorization: `Bearer ${key}` } })
      ).json()) as { nextCursor: string };
      // warm-up: the JIT, Postgres' caches and the API's
      await load(`${base}/violations?limit=50`, key, { ...opts, seconds: 3 }, api.pid!);
      const figures: Figures[] = [];
      for (const p of [
        '/violations?limit=50',
        '/violations?limit=50&status=pending',
        `/violations?limit=50&cursor=${encodeURIComponent(first.nextCursor)}`,
      ]) {
        figures.push({
          path: p.replace(/cursor=[^&]+/, 'cursor=…'),
          ...(await load(`${base}${p}`, key, opts, api.pid!)),
        });
      }
      process.stdout.write(
        `${JSON.stringify({ rows, rate: opts.rate, seconds: opts.seconds, cpus: os.cpus().length, seedSec, figures }, null, 2)}\n`,
      );
    } finally {
      api.kill('SIGTERM');
      await once(api, 'exit');
    }
  } finally {
    await withAdmin(dbUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
