import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';
import { migrate } from '../../src/db/migrate.js';

/** How long an idle worker may take to stop once its npm got SIGTERM. */
const STOP_WITHIN_MS = 15_000;

// An empty database of its own, so the worker's reconciler finds no footage of other tests to analyse, and a
// Redis database of its own, so the worker (on BullMQ's default prefix) takes no one else's jobs. The name
// follows the run databases', so a run killed before its teardown leaves it to the stale-database sweep.
const databaseUrl = new URL(process.env.DATABASE_URL!);
databaseUrl.pathname = `${databaseUrl.pathname}_worker_shutdown`;
const REDIS_URL = 'redis://127.0.0.1:6379/11';

async function dropDatabase(): Promise<void> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(databaseUrl.pathname.slice(1))} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  await dropDatabase();
  await migrate(databaseUrl.toString());
});
afterAll(dropDatabase);

it('SIGTERM to `npm run worker` reaches the worker, which stops taking jobs and exits', async () => {
  const npm = spawn('npm', ['run', 'worker'], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl.toString(), REDIS_URL, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  npm.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const npmExit = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
  // pino's lines carry the pid of the node process that runs the worker, below npm (and its shell)
  const workerPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    npm.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('webhook deliveries started')) continue;
        resolve((JSON.parse(line) as { pid: number }).pid);
      }
    });
    npm.once('exit', (code) => reject(new Error(`npm run worker exited with ${code}: ${out}${log}`)));
  });
  expect(workerPid).not.toBe(npm.pid);

  try {
    npm.kill('SIGTERM');
    await npmExit;
    await expect.poll(() => alive(workerPid), { timeout: STOP_WITHIN_MS, interval: 100 }).toBe(false);
    expect(log).not.toMatch(/unclean shutdown/);
  } finally {
    // a worker left behind would go on taking jobs after this test
    if (alive(workerPid)) process.kill(workerPid, 'SIGKILL');
  }
}, 90_000);
