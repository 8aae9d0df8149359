import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createPrisma } from '../src/db/client.js';
import { createCameraFeed } from '../src/live/camera-feed.js';
import { LiveAnalyzer } from '../src/live/live-analyzer.js';
import type { FeedRecorder } from '../src/live/feed-recorder.js';
import { createLogger } from '../src/logger.js';
import { createRedisConnection } from '../src/queue/connection.js';
import { createQueue } from '../src/queue/queues.js';

const USAGE = `usage: tsx workers/live-recorder.ts [--camera <id>]... [--segment-seconds N] [--transcode] [--live]

Records each enabled camera that has a source URL (RTSP, HTTP(S), TCP or a file), or only the enabled --camera ids given,
into fixed-length segments under FOOTAGE_ROOT/live/<camera id>/; each closed segment is hashed, recorded in Postgres
and queued for analysis. A lost feed is retried with exponential backoff; health is in GET /cameras/:id/health.

  --segment-seconds  segment length (default 10)
  --transcode        re-encode to H.264 instead of copying the source's video stream
  --live             analyse each feed as it arrives (frames from the same ffmpeg): a violation is stored, alerted
                     and shown on the sign as its rule fires, its evidence written once its segments close; the
                     segments are stored analysed instead of queued. Packages a stopped recorder left are finished
                     on start.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      camera: { type: 'string', multiple: true },
      'segment-seconds': { type: 'string', default: '10' },
      transcode: { type: 'boolean', default: false },
      live: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const segmentSeconds = Number(values['segment-seconds']);
  if (!Number.isFinite(segmentSeconds) || segmentSeconds < 1 || segmentSeconds > 3600) {
    throw new Error('--segment-seconds must be a number of seconds between 1 and 3600');
  }
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'live-recorder');
  const prisma = createPrisma(config.DATABASE_URL);
  // Fail fast when Redis is down: the segment row is already written and the reconciler queues it later.
  const redis = createRedisConnection(config.REDIS_URL, 'producer');
  const queue = createQueue('analyze', { connection: redis, prefix: config.QUEUE_PREFIX });

  const cameras = await prisma.camera.findMany({
    // a disabled camera records nothing, even when named with --camera
    where: { sourceUrl: { not: null }, enabled: true, ...(values.camera ? { id: { in: values.camera } } : {}) },
    select: { id: true, name: true, sourceUrl: true },
  });
  if (cameras.length === 0)
    throw new Error('no camera to record: none is enabled with a source URL (or matches --camera)');

  const analysers = new Map<string, LiveAnalyzer>();
  if (values.live) {
    for (const camera of cameras) {
      const analyser = new LiveAnalyzer({
        prisma,
        cameraId: camera.id,
        footageRoot: config.FOOTAGE_ROOT,
        evidenceRoot: config.EVIDENCE_ROOT,
        pipelineVersion: config.PIPELINE_VERSION,
        fps: config.ANALYSIS_FPS,
        logger,
      });
      await analyser.init();
      analysers.set(camera.id, analyser);
    }
  }
  const feeds: FeedRecorder[] = cameras.map((camera) =>
    createCameraFeed({
      prisma,
      queue,
      pipelineVersion: config.PIPELINE_VERSION,
      camera: { id: camera.id, sourceUrl: camera.sourceUrl! },
      footageRoot: config.FOOTAGE_ROOT,
      segmentSeconds,
      copyCodec: !values.transcode,
      logger,
      ...(analysers.has(camera.id) ? { live: analysers.get(camera.id)! } : {}),
    }),
  );
  for (const feed of feeds) feed.start();
  logger.info({ cameras: cameras.map((c) => c.name), segmentSeconds, live: values.live }, 'live recorder started');

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'closing the current segments, then stopping');
    Promise.all(feeds.map((f) => f.stop()))
      .then(() => queue.close())
      .then(() => prisma.$disconnect())
      .then(
        () => {
          redis.disconnect();
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'unclean shutdown');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`live-recorder: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
