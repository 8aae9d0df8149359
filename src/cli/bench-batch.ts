import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startAnalysisWorker } from '../queue/analysis-worker.js';
import { startAlerting } from '../alerts/alert-dispatcher.js';
import { createSubscription } from '../alerts/subscriptions.js';
import { openBatchRuntime, waitForBatch } from '../batch/batch-runtime.js';
import { createBatch } from '../batch/batch-service.js';
import { syncCameraFromFile } from '../batch/camera-sync.js';
import { loadConfig } from '../config.js';
import { createPrisma } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createCameraFeed } from '../live/camera-feed.js';
import { createLogger } from '../logger.js';
import { loadCameraFile } from './camera-file.js';
import { DEMO_CAMERA, DEMO_FOOTAGE } from './demo-paths.js';
import { spawnLoopSource } from './loopback.js';
import { ffmpegPath } from '../media/binaries.js';

const USAGE = `usage: npm run bench:batch -- [--clips N] [--seconds S] [--width W] [--workers 1,2] [--alerts N]

Needs Postgres and Redis (DATABASE_URL, REDIS_URL); migrates the database (creating it if missing) and writes a
bench camera, segments and runs there.
  batch throughput: N clips of S seconds cut from the demo clip (scaled to W px wide), reprocessed as one batch by
                    1, then 2, ... analysis worker processes (WORKER_CONCURRENCY jobs each); video seconds per wall
                    second for each, and the ratio to one worker
  alert latency:    the same clip looped as a live TCP source, recorded in 3 s segments; for the first N violations,
                    seconds from the segment's close to the signed webhook arriving on 127.0.0.1
Prints one JSON object.`;

const SELF = fileURLToPath(import.meta.url);

/** Worker mode: one analysis worker on the bench's queue prefix, in a process of its own. */
async function workerMode(prefix: string): Promise<void> {
  const config = loadConfig();
  const prisma = createPrisma(config.DATABASE_URL);
  const handle = startAnalysisWorker({
    prisma,
    config,
    logger: createLogger('warn', 'bench-worker'),
    prefix,
    reconcileIntervalMs: 0,
  });
  await handle.worker.waitUntilReady();
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => void handle.close().then(() => process.exit(0)));
}

async function spawnWorker(prefix: string, pipelineVersion: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--worker', '--prefix', prefix], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PIPELINE_VERSION: pipelineVersion },
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
  return child;
}

async function ffmpeg(args: string[]): Promise<void> {
  const child = spawn(ffmpegPath, ['-y', '-hide_banner', '-loglevel', 'error', ...args], { stdio: 'inherit' });
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2 : null;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clips: { type: 'string', default: '4' },
      seconds: { type: 'string', default: '3' },
      width: { type: 'string', default: '960' },
      workers: { type: 'string', default: '1,2' },
      alerts: { type: 'string', default: '3' },
      worker: { type: 'boolean', default: false },
      prefix: { type: 'string', default: '' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (values.worker) return workerMode(values.prefix);

  const clips = Number(values.clips);
  const seconds = Number(values.seconds);
  const workerCounts = values.workers.split(',').filter(Boolean).map(Number);
  const alertsWanted = Number(values.alerts);
  const config = loadConfig();
  // a fresh machine has no database yet: created and brought up to date as `npm run db:migrate` would
  await migrate(config.DATABASE_URL);
  const logger = createLogger('warn', 'bench-batch');
  const prisma = createPrisma(config.DATABASE_URL);
  const prefix = `bench-batch-${process.pid}`;
  const runtime = openBatchRuntime({ prisma, redisUrl: config.REDIS_URL, logger, prefix });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'motoguard-bench-batch-'));
  const stamp = Date.now();
  const result: Record<string, unknown> = {
    clips,
    secondsPerClip: seconds,
    width: Number(values.width),
    cpus: os.cpus().length,
    loadAverage: os.loadavg()[0],
  };
  const camera = await syncCameraFromFile(
    prisma,
    { ...(await loadCameraFile(DEMO_CAMERA)), name: `bench-batch-${stamp}` },
    'bench',
  );
  try {
    const folder = path.join(tmp, 'archive');
    await mkdir(folder);
    for (let i = 0; i < clips; i++) {
      await ffmpeg([
        '-ss',
        String(i * seconds),
        '-i',
        DEMO_FOOTAGE,
        '-t',
        String(seconds),
        '-vf',
        `scale=${values.width}:-2`,
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-g',
        '10',
        '-an',
        path.join(folder, `clip-${i}.mp4`),
      ]);
    }
    const throughput: Array<{
      workers: number;
      wallSeconds: number;
      videoSecondsPerSecond: number;
      done: number;
      failed: number;
    }> = [];
    for (const n of workerCounts) {
      // a version of its own per round, so every round analyses every clip afresh
      const pipelineVersion = `bench-${stamp}-w${n}`;
      const procs = await Promise.all(Array.from({ length: n }, () => spawnWorker(prefix, pipelineVersion)));
      const started = Date.now();
      const batch = await createBatch(runtime.deps, {
        cameraId: camera.id,
        scope: { kind: 'folder', folder },
        pipelineVersion,
        actor: 'bench',
      });
      const final = await waitForBatch(runtime.deps, batch.id);
      const wallSeconds = (Date.now() - started) / 1000;
      throughput.push({
        workers: n,
        wallSeconds,
        videoSecondsPerSecond: (clips * seconds) / wallSeconds,
        done: final.done,
        failed: final.failed,
      });
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => once(p, 'exit')));
    }
    result.throughput = throughput;
    const base = throughput[0]?.videoSecondsPerSecond;
    result.scaling = throughput.map((t) => ({
      workers: t.workers,
      ratio: base ? t.videoSecondsPerSecond / base : null,
    }));
    if (alertsWanted > 0)
      result.alertLatency = await alertLatency({ prefix, cameraId: camera.id, tmp, wanted: alertsWanted });
  } finally {
    await runtime.queue.obliterate({ force: true }).catch(() => undefined);
    await runtime.close();
    await prisma.$disconnect();
    await rm(tmp, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);

  async function alertLatency(o: { prefix: string; cameraId: string; tmp: string; wanted: number }) {
    /** segment id → first webhook for it: when it arrived and its violation's id */
    const arrivals = new Map<string, { at: number; violationId: string }>();
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { violation } = JSON.parse(body) as { violation: { id: string; segmentId: string } };
        if (!arrivals.has(violation.segmentId))
          arrivals.set(violation.segmentId, { at: Date.now(), violationId: violation.id });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    await createSubscription(
      prisma,
      { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, label: 'bench', cameraId: o.cameraId },
      'bench',
    );
    const alerting = await startAlerting({
      prisma,
      databaseUrl: config.DATABASE_URL,
      redisUrl: config.REDIS_URL,
      logger,
      prefix: o.prefix,
      // the bench's own receiver listens on 127.0.0.1
      webhookAllowedHosts: new Set(['127.0.0.1']),
    });
    const worker = await spawnWorker(o.prefix, config.PIPELINE_VERSION);
    const port = 42000 + (process.pid % 2000);
    const loop = path.join(o.tmp, 'loop.mp4');
    // the whole clip: 10.4 s is no multiple of the 3 s segments, so each pass is cut differently and is new footage
    await ffmpeg([
      '-i',
      DEMO_FOOTAGE,
      '-vf',
      `scale=${values.width}:-2`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '10',
      '-an',
      loop,
    ]);
    const source = spawnLoopSource(loop, port);
    const closed = new Map<string, number>();
    const feed = createCameraFeed({
      prisma,
      queue: runtime.queue,
      pipelineVersion: config.PIPELINE_VERSION,
      camera: { id: o.cameraId, sourceUrl: `tcp://127.0.0.1:${port}` },
      footageRoot: o.tmp,
      segmentSeconds: 3,
      logger,
      onRegistered: (s, r) => closed.set(r.segmentId, s.closedAt.getTime()),
    });
    feed.start();
    const deadline = Date.now() + 15 * 60_000;
    const measured = () => [...arrivals].filter(([seg]) => closed.has(seg));
    while (measured().length < o.wanted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    await feed.stop();
    source.kill('SIGKILL');
    worker.kill('SIGTERM');
    await once(worker, 'exit');
    await alerting.close();
    receiver.close();
    const samples = measured().map(([seg, a]) => (a.at - closed.get(seg)!) / 1000);
    const recorded = await prisma.violation.findMany({
      where: { id: { in: measured().map(([, a]) => a.violationId) } },
      select: { id: true, createdAt: true },
    });
    const dispatch = measured().map(
      ([, a]) => (a.at - recorded.find((v) => v.id === a.violationId)!.createdAt.getTime()) / 1000,
    );
    return {
      segmentSeconds: 3,
      closeToWebhookSeconds: samples,
      medianCloseToWebhookSeconds: median(samples),
      violationToWebhookSeconds: dispatch,
      medianViolationToWebhookSeconds: median(dispatch),
      note: 'close → webhook includes queueing and analysis of the segment; violation → webhook is commit, NOTIFY, signing and delivery',
    };
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench-batch: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
