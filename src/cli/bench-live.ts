import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EventSource } from 'eventsource';
import pg from 'pg';
import { syncCameraFromFile } from '../batch/camera-sync.js';
import { loadConfig, projectRoot } from '../config.js';
import { parseCameraConfig, type CameraConfig } from '../core/camera-config.js';
import { createApiKey } from '../db/api-keys.js';
import { createPrisma } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createCameraFeed } from '../live/camera-feed.js';
import type { FeedRecorder } from '../live/feed-recorder.js';
import { LiveAnalyzer, type LiveStored } from '../live/live-analyzer.js';
import { createLogger } from '../logger.js';
import { ffmpegPath } from '../media/binaries.js';
import { createRedisConnection } from '../queue/connection.js';
import { createQueue } from '../queue/queues.js';
import { DEMO_CAMERA, DEMO_FOOTAGE } from './demo-paths.js';
import { freePort, spawnLoopSource } from './loopback.js';

const USAGE = `usage: npm run bench:live -- [--seconds 60] [--segment-seconds 10] [--width 1920]

Live analysis end to end on this machine: a scratch database (motoguard_bench_live on DATABASE_URL's server, dropped
afterwards), \`npm run api\` in a process of its own (alerts, sign streams), and two looping \`ffmpeg -re\` cameras on loopback recorded
by the live analyser: the demo clip (a boulevard of motorbikes; --width scales it) and a Korean van with a legible
plate parked over a sidewalk zone (../shared/plates/scenes), whose sign shows the plate. For --seconds it measures
rule fire → SSE alert (GET /alerts/stream), rule fire → sign warning with the plate (GET /sign/:id/stream) and last
segment closed → evidence ready. Prints one JSON object (milliseconds).`;

const VAN = path.resolve(projectRoot, '..', 'shared', 'plates', 'scenes', 'P2_77더7739.jpg');
const VAN_CAMERA = {
  timezone: 'Asia/Seoul',
  plateFormat: 'kr',
  zones: [
    {
      name: '보도',
      kind: 'sidewalk',
      polygon: [
        [0.4, 0.6],
        [0.9, 0.6],
        [0.9, 1],
        [0.4, 1],
      ],
      rules: { minDwellSeconds: 0.5, minDisplacement: 0, classes: ['bus', 'truck', 'car'], requireRider: false },
    },
  ],
};

function ffmpegRun(args: string[]): Promise<void> {
  const child = spawn(ffmpegPath, ['-y', '-hide_banner', '-loglevel', 'error', ...args], { stdio: 'ignore' });
  return once(child, 'close').then(([code]) => {
    if (code !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed`);
  });
}

/** `npm run api` on the scratch database; resolves once it answers. */
async function startApi(env: NodeJS.ProcessEnv, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'src', 'api', 'server.ts')], {
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode}`);
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return child;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  child.kill('SIGKILL');
  throw new Error('the API did not answer within 2 minutes');
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

const summary = (values: number[]) => ({
  n: values.length,
  p50: percentile(values, 50),
  p95: percentile(values, 95),
  max: values.length ? Math.round(Math.max(...values)) : null,
});

/** An SSE stream with a bearer credential; `onEvent` gets each event of `type` and the time it arrived. */
function listen(url: string, bearer: string, type: string, onEvent: (data: string, at: number) => void): EventSource {
  const source = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...(init?.headers ?? {}), authorization: `Bearer ${bearer}` } }),
  });
  source.addEventListener(type, (e) => onEvent(e.data as string, Date.now()));
  return source;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      'segment-seconds': { type: 'string', default: '10' },
      width: { type: 'string', default: '1920' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const seconds = Number(values.seconds);
  const segmentSeconds = Number(values['segment-seconds']);
  const width = Number(values.width);
  const base = loadConfig();
  const scratch = new URL(base.DATABASE_URL);
  scratch.pathname = '/motoguard_bench_live';
  const admin = new URL(base.DATABASE_URL);
  admin.pathname = '/postgres';
  const adminClient = new pg.Client({ connectionString: admin.toString() });
  await adminClient.connect();
  await adminClient.query('DROP DATABASE IF EXISTS motoguard_bench_live WITH (FORCE)');
  await adminClient.query('CREATE DATABASE motoguard_bench_live');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'motoguard-bench-live-'));
  const sources: ChildProcess[] = [];
  const feeds: FeedRecorder[] = [];
  const streams: EventSource[] = [];
  try {
    await migrate(scratch.toString());
    const env = {
      ...process.env,
      DATABASE_URL: scratch.toString(),
      FOOTAGE_ROOT: path.join(tmp, 'footage'),
      EVIDENCE_ROOT: path.join(tmp, 'evidence'),
      LOG_LEVEL: 'warn',
    };
    const config = loadConfig(env);
    const logger = createLogger('warn', 'bench-live');
    const prisma = createPrisma(config.DATABASE_URL);
    const redis = createRedisConnection(config.REDIS_URL, 'producer');
    const queue = createQueue('analyze', { connection: redis, prefix: `bench-live-${process.pid}` });
    const apiPort = await freePort();
    sources.push(await startApi(env, apiPort));
    const api = `http://127.0.0.1:${apiPort}`;
    const key = (await createApiKey(prisma, { role: 'admin', label: 'bench-live', actor: 'bench' })).secret;

    const boulevard = path.join(tmp, 'boulevard.mp4');
    const van = path.join(tmp, 'van.mp4');
    await ffmpegRun([
      '-i',
      DEMO_FOOTAGE,
      '-vf',
      `scale=${width}:-2`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '10',
      '-an',
      boulevard,
    ]);
    await ffmpegRun([
      '-loop',
      '1',
      '-i',
      VAN,
      '-t',
      '12',
      '-vf',
      'scale=1280:-2,format=yuv420p',
      '-r',
      '25',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '10',
      van,
    ]);

    const stored = new Map<string, LiveStored & { cameraId: string }>();
    let vanCameraId = '';
    const ready: number[] = [];
    const sse = new Map<string, number>();
    const signs: Array<{ cameraId: string; plate: string | null; at: number }> = [];
    streams.push(
      listen(`${api}/alerts/stream`, key, 'violation', (data, at) => {
        const id = (JSON.parse(data) as { violation: { id: string } }).violation.id;
        if (!sse.has(id)) sse.set(id, at);
      }),
    );

    const cameras: Array<{ camera: CameraConfig; clip: string }> = [
      {
        camera: parseCameraConfig({ ...JSON.parse(await readFile(DEMO_CAMERA, 'utf8')), name: 'bench-live-boulevard' }),
        clip: boulevard,
      },
      { camera: parseCameraConfig({ ...VAN_CAMERA, name: 'bench-live-van' }), clip: van },
    ];
    let port = 47000 + (process.pid % 1000);
    for (const { camera, clip } of cameras) {
      port += 1;
      const sourceUrl = `tcp://127.0.0.1:${port}`;
      const { id: cameraId } = await syncCameraFromFile(prisma, { ...camera, sourceUrl }, 'bench');
      const tokenRes = await fetch(`${api}/cameras/${cameraId}/sign/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ label: 'bench' }),
      });
      const { token } = (await tokenRes.json()) as { token: string };
      streams.push(
        listen(`${api}/sign/${cameraId}/stream`, token, 'warning', (data, at) =>
          signs.push({ cameraId, plate: (JSON.parse(data) as { plate: string | null }).plate, at }),
        ),
      );
      const source = spawnLoopSource(clip, port);
      sources.push(source);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const analyser = new LiveAnalyzer({
        prisma,
        cameraId,
        footageRoot: config.FOOTAGE_ROOT,
        evidenceRoot: config.EVIDENCE_ROOT,
        pipelineVersion: config.PIPELINE_VERSION,
        fps: config.ANALYSIS_FPS,
        logger,
        onStored: (e) => stored.set(e.violationId, { ...e, cameraId }),
        onReady: (e) => ready.push(e.readyAt.getTime() - e.lastSegmentClosedAt.getTime()),
      });
      await analyser.init();
      const feed = createCameraFeed({
        prisma,
        queue,
        pipelineVersion: config.PIPELINE_VERSION,
        camera: { id: cameraId, sourceUrl },
        footageRoot: config.FOOTAGE_ROOT,
        segmentSeconds,
        logger,
        live: analyser,
      });
      feeds.push(feed);
      feed.start();
      vanCameraId = cameraId;
    }
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    await Promise.all(feeds.map((f) => f.stop()));

    const fired = [...stored.values()];
    const toSse = fired.flatMap((s) => (sse.has(s.violationId) ? [sse.get(s.violationId)! - s.firedAt.getTime()] : []));
    // each sign warning with a plate against the rule firing that cued it (the van camera's latest before it)
    const toSign = signs.flatMap((s) => {
      if (s.cameraId !== vanCameraId || s.plate === null) return [];
      const cue = fired.filter((f) => f.cameraId === vanCameraId && f.firedAt.getTime() <= s.at).at(-1);
      return cue ? [s.at - cue.firedAt.getTime()] : [];
    });
    const frames = await prisma.analysisRun.aggregate({ _sum: { framesAnalysed: true } });
    process.stdout.write(
      `${JSON.stringify(
        {
          seconds,
          segmentSeconds,
          boulevardWidth: width,
          analysisFps: config.ANALYSIS_FPS,
          violations: fired.length,
          alertedOverSse: sse.size,
          fireToSseMs: summary(toSse),
          fireToSignWithPlateMs: summary(toSign),
          lastSegmentClosedToEvidenceReadyMs: {
            ...summary(ready),
            overSegmentLength: ready.filter((r) => r > segmentSeconds * 1000).length,
          },
          framesAnalysed: frames._sum.framesAnalysed,
          framesExpected: Math.round(seconds * config.ANALYSIS_FPS * cameras.length),
        },
        null,
        2,
      )}\n`,
    );
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    await prisma.$disconnect();
  } finally {
    for (const s of streams) s.close();
    for (const s of sources) s.kill('SIGKILL');
    await adminClient.query('DROP DATABASE IF EXISTS motoguard_bench_live WITH (FORCE)').catch(() => undefined);
    await adminClient.end();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:live: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
