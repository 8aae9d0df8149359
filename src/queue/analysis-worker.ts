import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { analysisConfigHash } from '../analysis/config-hash.js';
import { analyzeSegment } from '../analysis/segment-analyzer.js';
import type { AnalysisProgress, ViolationNotice } from '../analysis/types.js';
import type { Config } from '../config.js';
import { findRun, loadAnalysisInput, persistAnalysis } from '../db/analysis-store.js';
import type { PrismaClient } from '../db/client.js';
import { isLiveAnalysis, segmentStatus } from '../db/segments.js';
import { publishSignCue } from '../db/signs.js';
import { hashFile } from '../evidence/file-hash.js';
import { cleanLeftovers } from '../evidence/package-writer.js';
import type { Logger } from '../logger.js';
import { MediaError } from '../media/errors.js';
import { createRedisConnection } from './connection.js';
import {
  ANALYSIS_ATTEMPTS,
  createQueue,
  createWorker,
  type AnalyzeSegmentJob,
  type AnalyzeSegmentResult,
  type JobWorker,
} from './queues.js';
import { InfrastructureError, isInfrastructureError } from './failure-kind.js';
import { segmentsPass, startReconciler, type ReconcilePass } from './reconciler.js';
import { DEFAULT_DETECTOR, type DetectorName } from '../vision/detector.js';

export interface AnalysisWorkerDeps {
  prisma: PrismaClient;
  config: Pick<
    Config,
    'REDIS_URL' | 'QUEUE_PREFIX' | 'EVIDENCE_ROOT' | 'PIPELINE_VERSION' | 'ANALYSIS_FPS' | 'WORKER_CONCURRENCY'
  > &
    Partial<Pick<Config, 'WORKER_LOCK_MS'>>;
  logger: Logger;
  /** Redis key prefix in place of config.QUEUE_PREFIX (tests, benches) */
  prefix?: string;
  detector?: DetectorName;
  /** how often segments Redis lost are re-enqueued; 0 turns the reconciler off (default 60 s) */
  reconcileIntervalMs?: number;
  /** more work for each reconciler pass (the worker process adds the batches'; src/queue cannot import them) */
  reconcilePasses?: ReconcilePass[];
}

export interface AnalysisWorkerHandle {
  worker: JobWorker<'analyze'>;
  /** Stops taking jobs, lets the running ones finish, then disconnects. */
  close(): Promise<void>;
}

type AnalyzeJob = Job<AnalyzeSegmentJob, AnalyzeSegmentResult>;

/** Job progress goes to Redis; once a second is plenty for a progress bar. */
const PROGRESS_INTERVAL_MS = 1_000;

export function startAnalysisWorker(deps: AnalysisWorkerDeps): AnalysisWorkerHandle {
  const { prisma, config, logger } = deps;
  const connection: Redis = createRedisConnection(config.REDIS_URL, 'worker');
  const detector = deps.detector ?? DEFAULT_DETECTOR;
  const prefix = deps.prefix ?? config.QUEUE_PREFIX;

  /**
   * Sorts a failure: infrastructure is retried for minutes (the job's attempts and backoff), anything else but bad
   * media (handled inside) ANALYSIS_ATTEMPTS times, and then the segment is failed for good.
   */
  const processJob = async (job: AnalyzeJob): Promise<AnalyzeSegmentResult> => {
    try {
      return await analyseJob(job);
    } catch (err) {
      if (err instanceof UnrecoverableError) throw err;
      if (isInfrastructureError(err)) throw new InfrastructureError(err);
      if (job.attemptsMade + 1 < ANALYSIS_ATTEMPTS) throw err;
      const reason = `analysis failed ${job.attemptsMade + 1} times: ${err instanceof Error ? err.message : String(err)}`;
      try {
        await segmentStatus.attemptFailed(prisma, job.data.segmentId, { retrying: false, reason });
      } catch (dbErr) {
        // the failure could not be recorded: try again once Postgres answers
        throw new InfrastructureError(dbErr);
      }
      throw new UnrecoverableError(reason);
    }
  };

  const analyseJob = async (job: AnalyzeJob): Promise<AnalyzeSegmentResult> => {
    const { segmentId, pipelineVersion } = job.data;
    const log = logger.child({ jobId: job.id, segmentId, attempt: job.attemptsMade + 1 });
    if (pipelineVersion !== config.PIPELINE_VERSION) {
      // Recording another version's run would be a lie; the reconciler of this version enqueues the segment anew.
      throw new UnrecoverableError(
        `job is for pipeline ${pipelineVersion}; this worker runs ${config.PIPELINE_VERSION}`,
      );
    }
    const input = await loadAnalysisInput(prisma, segmentId);
    if (!input) throw new UnrecoverableError(`segment ${segmentId} does not exist`);
    const { segment, camera, zonesByName } = input;

    const configHash = analysisConfigHash(camera, config.ANALYSIS_FPS, detector);
    const stored = await findRun(prisma, { segmentId, pipelineVersion, configHash });
    if (stored) {
      await segmentStatus.done(prisma, segmentId);
      log.info({ runId: stored.run.id }, 'segment already analysed with this pipeline and configuration');
      return { runId: stored.run.id, violations: stored.violationIds.length, reused: true };
    }

    await segmentStatus.processing(prisma, segmentId);
    // Like alerts, only a live analysis rings the camera's sign: never a rerun or an archive batch.
    const cueSigns = await isLiveAnalysis(prisma, segmentId, new Date());
    const videoPath = segment.fileUri.startsWith('file:') ? fileURLToPath(segment.fileUri) : segment.fileUri;
    let analysis;
    try {
      await checkSameBytes(videoPath, segment.sha256);
      analysis = await analyzeSegment({
        videoPath,
        camera,
        segmentStart: segment.startTime,
        segmentStartSource: segment.startTimeSource,
        fps: config.ANALYSIS_FPS,
        detector,
        evidenceRoot: config.EVIDENCE_ROOT,
        sourceSha256: segment.sha256,
        pipelineVersion,
        onProgress: progressReporter(job, log),
        ...(cueSigns
          ? { onViolation: (notice: ViolationNotice) => cueSign(prisma, log, segment.cameraId, notice) }
          : {}),
      });
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
      // A file that cannot be decoded will not decode on a retry either.
      const reason = `${err.code}: ${err.message}`;
      await segmentStatus.failed(prisma, segmentId, reason);
      log.warn({ reason }, 'segment failed');
      throw new UnrecoverableError(reason);
    }
    const persisted = await persistAnalysis(prisma, { segmentId, cameraId: segment.cameraId, zonesByName, analysis });
    await job.updateProgress({
      phase: 'done',
      framesDone: analysis.framesAnalysed,
      framesTotal: analysis.framesAnalysed,
      violationsFound: analysis.violations.length,
    });
    log.info(
      { runId: persisted.run.id, violations: persisted.violationIds.length, totalMs: analysis.timings.totalMs },
      'segment analysed',
    );
    return { runId: persisted.run.id, violations: persisted.violationIds.length, reused: !persisted.created };
  };

  const worker = createWorker('analyze', processJob, {
    connection,
    concurrency: config.WORKER_CONCURRENCY,
    ...(config.WORKER_LOCK_MS ? { lockMs: config.WORKER_LOCK_MS } : {}),
    prefix,
  });

  worker.on('failed', (job, err) => {
    if (!job || err instanceof UnrecoverableError) return;
    const retrying = job.attemptsMade < (job.opts.attempts ?? 1);
    logger.warn(
      { err, jobId: job.id, segmentId: job.data.segmentId, attempt: job.attemptsMade, retrying },
      retrying
        ? 'analysis job failed; retrying'
        : 'analysis job failed for infrastructure; the reconciler re-queues it',
    );
    // Only infrastructure fails a job without an UnrecoverableError after its last attempt: the segment stays
    // queued for the reconciler either way.
    segmentStatus
      .attemptFailed(prisma, job.data.segmentId, { retrying: true })
      .catch((dbErr: unknown) =>
        logger.warn({ err: dbErr, segmentId: job.data.segmentId }, 'could not record the failed attempt'),
      );
  });
  worker.on('error', (err) => logger.error({ err }, 'worker error'));

  cleanLeftovers(config.EVIDENCE_ROOT).then(
    (done) => {
      if (done.removedStaging.length + done.restored.length + done.removedReplaced.length > 0)
        logger.warn(done, 'evidence store: put right what a crash left');
    },
    (err: unknown) => logger.error({ err }, 'evidence store: could not clean leftovers'),
  );

  const reconcileIntervalMs = deps.reconcileIntervalMs ?? 60_000;
  const queue = reconcileIntervalMs > 0 ? createQueue('analyze', { connection, prefix }) : null;
  const stopReconciler = queue
    ? startReconciler(
        queue,
        [segmentsPass(prisma, queue, { pipelineVersion: config.PIPELINE_VERSION }), ...(deps.reconcilePasses ?? [])],
        { intervalMs: reconcileIntervalMs, logger, redis: connection },
      )
    : async () => {};

  return {
    worker,
    async close() {
      await stopReconciler();
      await worker.close();
      await queue?.close();
      connection.disconnect();
    },
  };
}

/** Evidence must come from the bytes that were registered; a missing or replaced file fails the segment. */
async function checkSameBytes(videoPath: string, sha256: string): Promise<void> {
  try {
    await access(videoPath);
  } catch {
    throw new MediaError('not_found', videoPath, 'file does not exist');
  }
  const actual = (await hashFile(videoPath)).sha256;
  if (actual !== sha256) {
    throw new MediaError(
      'unsupported',
      videoPath,
      `file changed since it was registered (sha256 ${actual}, registered ${sha256})`,
    );
  }
}

/** Tells the camera's sign about a violation as its rule fires; the sign stream drops cues that come too late. */
function cueSign(prisma: PrismaClient, log: Logger, cameraId: string, notice: ViolationNotice): void {
  log.info(
    {
      trackId: notice.trackId,
      zone: notice.zoneName,
      firedAt: notice.firedAt.toISOString(),
      plateRead: notice.plate.text !== null,
    },
    'violation rule fired: sign cued',
  );
  publishSignCue(prisma, {
    cameraId,
    plate: notice.plate.text,
    zoneKind: notice.zoneKind,
    time: notice.endTime.toISOString(),
    firedAt: notice.firedAt.toISOString(),
  }).catch((err: unknown) => log.warn({ err }, 'could not cue the sign'));
}

function progressReporter(job: AnalyzeJob, log: Logger): (p: AnalysisProgress) => void {
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (now - last < PROGRESS_INTERVAL_MS && progress.phase === 'analyse') return;
    last = now;
    job.updateProgress({ ...progress }).catch((err: unknown) => log.debug({ err }, 'progress update failed'));
  };
}
