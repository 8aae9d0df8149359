import {
  Queue,
  Worker,
  type BackoffStrategy,
  type ConnectionOptions,
  type DefaultJobOptions,
  type Processor,
} from 'bullmq';

/**
 * The registry of every BullMQ queue of the system: its Redis name, the data its jobs carry and
 * what they return, its jobs' default options and how many jobs one worker runs at once. Queues
 * and workers are made only from here (createQueue, createWorker), and the worker process starts
 * one worker per entry or refuses to start (startQueueWorkers).
 */

export interface AnalyzeSegmentJob {
  segmentId: string;
  sha256: string;
  pipelineVersion: string;
}

export interface AnalyzeSegmentResult {
  runId: string;
  violations: number;
  /** true when a run for this segment and pipeline version already existed, so nothing was analysed */
  reused: boolean;
}

/** The parent job of a batch flow: run once every analyze child has finished. */
export interface BatchJobData {
  batchId: string;
}

export interface WebhookJobData {
  deliveryId: string;
}

interface QueueSpec {
  name: string;
  jobOptions: DefaultJobOptions;
  concurrency: number;
}

/**
 * An analysis that fails for a reason of its own (a bug, not bad media, not the infrastructure) is given up after
 * this many attempts; the job's own `attempts` are there to wait out an outage (see CAPPED_EXPONENTIAL).
 */
export const ANALYSIS_ATTEMPTS = 3;
/** Longest wait between two attempts of an analysis: also how long a job may idle after Postgres is back. */
export const ANALYSIS_MAX_BACKOFF_MS = 15_000;
const CAPPED_EXPONENTIAL = 'capped-exponential';

/**
 * 1 s, 2 s, 4 s, 8 s, then every 15 s: 30 attempts wait about seven minutes, enough for a database restart or
 * failover; afterwards the reconciler re-queues the segment (src/queue/reconciler.ts).
 */
const cappedExponential: BackoffStrategy = (attemptsMade, _type, _err, job) => {
  const base = typeof job?.opts.backoff === 'object' ? (job.opts.backoff.delay ?? 1000) : 1000;
  return Math.min(base * 2 ** Math.max(0, attemptsMade - 1), ANALYSIS_MAX_BACKOFF_MS);
};

/** 1 s, 2 s, 4 s … about four minutes in all before a webhook delivery is given up. */
export const WEBHOOK_ATTEMPTS = 8;
const WEEK_SEC = 7 * 24 * 3600;

export const QUEUES = {
  analyze: {
    name: 'analyze-segment',
    jobOptions: {
      attempts: 30,
      backoff: { type: CAPPED_EXPONENTIAL, delay: 1_000 },
      // Kept long enough that a re-enqueue of the same segment and version is recognised as a duplicate;
      // Postgres (one AnalysisRun per segment and version) is the lasting guard.
      removeOnComplete: { age: WEEK_SEC, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
    // one segment at a time saturates the cores; WORKER_CONCURRENCY overrides it
    concurrency: 1,
  },
  batchComplete: {
    name: 'batch-complete',
    jobOptions: {
      // closing a batch writes to Postgres: an outage is waited out like an analysis's
      attempts: 30,
      backoff: { type: CAPPED_EXPONENTIAL, delay: 1_000 },
      removeOnComplete: { age: WEEK_SEC },
      removeOnFail: { age: WEEK_SEC },
    },
    // cheap: closing a batch is a few queries
    concurrency: 4,
  },
  webhookDelivery: {
    name: 'webhook-delivery',
    jobOptions: {
      attempts: WEBHOOK_ATTEMPTS,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { count: 1000 },
      removeOnFail: { count: 1000 },
    },
    // waiting on receivers, not the CPU
    concurrency: 8,
  },
} as const satisfies Record<string, QueueSpec>;

export type QueueKey = keyof typeof QUEUES;

interface JobTypes {
  analyze: { data: AnalyzeSegmentJob; result: AnalyzeSegmentResult };
  batchComplete: { data: BatchJobData; result: void };
  webhookDelivery: { data: WebhookJobData; result: void };
}

export type JobQueue<K extends QueueKey> = Queue<JobTypes[K]['data'], JobTypes[K]['result']>;
export type JobWorker<K extends QueueKey> = Worker<JobTypes[K]['data'], JobTypes[K]['result']>;
export type JobHandler<K extends QueueKey> = Processor<JobTypes[K]['data'], JobTypes[K]['result']>;
export type AnalyzeSegmentQueue = JobQueue<'analyze'>;

export interface QueueSettings {
  connection: ConnectionOptions;
  /** Redis key prefix: QUEUE_PREFIX, so installations sharing a Redis never see each other's jobs; tests use their own. */
  prefix: string;
}

export function createQueue<K extends QueueKey>(key: K, { connection, prefix }: QueueSettings): JobQueue<K> {
  return new Queue<JobTypes[K]['data'], JobTypes[K]['result']>(QUEUES[key].name, {
    connection,
    prefix,
    defaultJobOptions: QUEUES[key].jobOptions,
  });
}

export function createWorker<K extends QueueKey>(
  key: K,
  handler: JobHandler<K>,
  {
    connection,
    prefix,
    concurrency,
    lockMs,
  }: QueueSettings & {
    concurrency?: number;
    /** how long a job's lock outlives its worker: a killed worker's job is handed on after 1-2 of these */
    lockMs?: number;
  },
): JobWorker<K> {
  return new Worker<JobTypes[K]['data'], JobTypes[K]['result']>(QUEUES[key].name, handler, {
    connection,
    prefix,
    ...(lockMs ? { lockDuration: lockMs, stalledInterval: lockMs } : {}),
    concurrency: concurrency ?? QUEUES[key].concurrency,
    settings: { backoffStrategy: cappedExponential },
  });
}

/**
 * Starts the worker of every queue in QUEUES, through the starter given for it. A queue without
 * one means jobs nobody would ever run: the process refuses to start, before starting anything.
 */
export function startQueueWorkers<T>(starters: { readonly [K in QueueKey]: () => T }): T[] {
  const keys = Object.keys(QUEUES) as QueueKey[];
  const missing = keys.filter((k) => typeof (starters as Partial<Record<QueueKey, unknown>>)[k] !== 'function');
  if (missing.length > 0)
    throw new Error(`no worker for queue(s) ${missing.map((k) => QUEUES[k].name).join(', ')}: refusing to start`);
  return keys.map((k) => starters[k]());
}
