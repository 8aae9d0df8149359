import { Queue, type ConnectionOptions, type DefaultJobOptions } from 'bullmq';

export const ANALYZE_SEGMENT_QUEUE = 'analyze-segment';

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

export type AnalyzeSegmentQueue = Queue<AnalyzeSegmentJob, AnalyzeSegmentResult>;

export const ANALYZE_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  // Kept long enough that a re-enqueue of the same segment and version is recognised as a duplicate;
  // Postgres (one AnalysisRun per segment and version) is the lasting guard.
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export interface QueueSettings {
  connection: ConnectionOptions;
  /** Redis key prefix; tests use their own so they never see each other's jobs. */
  prefix?: string;
}

export function createAnalyzeQueue({ connection, prefix }: QueueSettings): AnalyzeSegmentQueue {
  return new Queue<AnalyzeSegmentJob, AnalyzeSegmentResult>(ANALYZE_SEGMENT_QUEUE, {
    connection,
    ...(prefix ? { prefix } : {}),
    defaultJobOptions: ANALYZE_JOB_OPTIONS,
  });
}
