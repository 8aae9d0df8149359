import path from 'node:path';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { startAnalysisWorker, type AnalysisWorkerHandle } from '../queue/analysis-worker.js';
import { openBatchRuntime, waitForBatch, workersOnline } from '../batch/batch-runtime.js';
import { cancelBatch, createBatch, type BatchView } from '../batch/batch-service.js';
import { syncCameraFromFile } from '../batch/camera-sync.js';
import { loadConfig } from '../config.js';
import { createPrisma, type PrismaClient } from '../db/client.js';
import { createLogger } from '../logger.js';
import { loadCameraFile } from './camera-file.js';

const USAGE = `usage: npm run reprocess -- <folder> --camera <file.json|camera id> [--pipeline-version v] [--no-local-worker] [--queue-prefix p]

Registers every video file in <folder> as a segment of the camera and analyses them all as one batch
(BullMQ parent/child jobs, spread over every running analysis worker), with a progress bar.

  --camera            a camera file (created, or its zones updated to match) or the id of a stored camera
  --pipeline-version  version for the new analysis runs (default: PIPELINE_VERSION); only workers running that
                      version take the jobs (the in-process one does). A segment already analysed with this
                      version and the same camera configuration is not analysed again
  --no-local-worker   never analyse in this process
  --queue-prefix      Redis key prefix of the queues (default QUEUE_PREFIX); workers must use the same

Needs Postgres (DATABASE_URL) and Redis (REDIS_URL). When no analysis worker is connected to the queue, one runs
inside this process (WORKER_CONCURRENCY jobs at a time); start more with \`npm run worker\` to go faster.
Ctrl-C cancels the batch (running jobs finish); resume it with POST /batches/<id>/resume.`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTOR = 'cli:reprocess';

async function resolveCamera(prisma: PrismaClient, camera: string): Promise<string> {
  if (UUID.test(camera)) {
    const row = await prisma.camera.findUnique({ where: { id: camera }, select: { id: true } });
    if (!row) throw new Error(`no camera with id ${camera}`);
    return row.id;
  }
  return (await syncCameraFromFile(prisma, await loadCameraFile(camera), ACTOR)).id;
}

function progressBar(): { update(b: BatchView): void; stop(): void } {
  if (!process.stderr.isTTY) {
    let last = '';
    return {
      update(b) {
        const line = `${b.done + b.failed}/${b.total} (${b.failed} failed)`;
        if (line !== last) process.stderr.write(`batch ${b.id}: ${line}\n`);
        last = line;
      },
      stop() {},
    };
  }
  const bar = new SingleBar(
    {
      format: 'reprocess [{bar}] {percentage}% | {value}/{total} segments | {failed} failed | {eta_formatted} left',
      stream: process.stderr,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(b) {
      if (!started) bar.start(Math.max(1, b.total), 0, { failed: 0 });
      started = true;
      bar.update(b.done + b.failed, { failed: b.failed });
    },
    stop: () => started && bar.stop(),
  };
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      camera: { type: 'string' },
      'pipeline-version': { type: 'string' },
      'no-local-worker': { type: 'boolean', default: false },
      'queue-prefix': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || !values.camera) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, 'reprocess');
  const prisma = createPrisma(config.DATABASE_URL);
  const prefix = values['queue-prefix'] ?? config.QUEUE_PREFIX;
  const runtime = openBatchRuntime({ prisma, redisUrl: config.REDIS_URL, logger, prefix });
  let local: AnalysisWorkerHandle | null = null;
  try {
    const cameraId = await resolveCamera(prisma, values.camera);
    const pipelineVersion = values['pipeline-version'] ?? config.PIPELINE_VERSION;
    if (!values['no-local-worker'] && (await workersOnline(runtime.queue)) === 0) {
      process.stderr.write('no analysis worker is running: analysing in this process\n');
      local = startAnalysisWorker({
        prisma,
        config: { ...config, PIPELINE_VERSION: pipelineVersion },
        logger,
        reconcileIntervalMs: 0,
        prefix,
      });
    }
    const started = Date.now();
    const batch = await createBatch(runtime.deps, {
      cameraId,
      scope: { kind: 'folder', folder: path.resolve(positionals[0]!) },
      pipelineVersion,
      actor: ACTOR,
    });
    process.stderr.write(`batch ${batch.id}: ${batch.total} segment(s), pipeline ${batch.pipelineVersion}\n`);
    process.once('SIGINT', () => {
      void cancelBatch(runtime.deps, batch.id, ACTOR).then(() =>
        process.stderr.write(`\nbatch ${batch.id} cancelled\n`),
      );
    });
    const bar = progressBar();
    const final = await waitForBatch(runtime.deps, batch.id, (b) => bar.update(b));
    bar.stop();
    const wallSeconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `${JSON.stringify({ type: 'batch', id: final.id, status: final.status, total: final.total, done: final.done, failed: final.failed, cancelled: final.cancelled, wallSeconds })}\n`,
    );
    return final.status === 'completed' && final.failed === 0 ? 0 : 1;
  } finally {
    await local?.close();
    await runtime.close();
    await prisma.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`reprocess: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
