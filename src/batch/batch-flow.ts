import { FlowProducer, Job, type ConnectionOptions, type FlowJob } from 'bullmq';
import type { Segment } from '../generated/prisma/client.js';
import {
  createQueue,
  QUEUES,
  type AnalyzeSegmentJob,
  type AnalyzeSegmentQueue,
  type BatchJobData,
  type JobQueue,
} from '../queue/queues.js';

/**
 * A batch's parent job id. Each start or resume opens a new flow (`attempt` counts them) so that children left
 * failed in Redis by an earlier flow cannot swallow the new jobs by id.
 */
export function flowJobId(batchId: string, attempt: number): string {
  return `batch_${batchId}_${attempt}`;
}

export function attemptOf(jobId: string): number {
  return Number(jobId.split('_').at(-1));
}

/** Child job ids end with the segment id, which is how progress maps back to batch items. */
export const childJobId = (parentId: string, segmentId: string) => `${parentId}_${segmentId}`;
export const segmentIdOfJobKey = (jobKey: string) => jobKey.slice(-36);

export interface BatchRedis {
  connection: ConnectionOptions;
  /** Redis key prefix shared with the analyze queue (a flow lives under one prefix) */
  prefix: string;
  flow: FlowProducer;
  /** the parent of every batch flow waits here until all its analyze children are finished */
  batchQueue: JobQueue<'batchComplete'>;
  analyzeQueue: AnalyzeSegmentQueue;
}

export function createBatchRedis(connection: ConnectionOptions, analyzeQueue: AnalyzeSegmentQueue): BatchRedis {
  const prefix = analyzeQueue.opts.prefix ?? 'bull';
  return {
    connection,
    prefix,
    flow: new FlowProducer({ connection, prefix }),
    batchQueue: createQueue('batchComplete', { connection, prefix }),
    analyzeQueue,
  };
}

export async function closeBatchRedis(r: BatchRedis): Promise<void> {
  await Promise.all([r.flow.close(), r.batchQueue.close()]);
}

/**
 * One parent on the batch queue, one analyze job per segment as its children. A failed child is recorded and
 * ignored (ignoreDependencyOnFailure) so one bad file neither blocks nor fails the batch.
 */
export async function addBatchFlow(
  r: BatchRedis,
  batchId: string,
  parentId: string,
  segments: Segment[],
  pipelineVersion: string,
): Promise<void> {
  const children: FlowJob[] = segments.map((segment) => ({
    name: QUEUES.analyze.name,
    queueName: r.analyzeQueue.name,
    data: { segmentId: segment.id, sha256: segment.sha256, pipelineVersion } satisfies AnalyzeSegmentJob,
    // a flow's jobs do not take their queue's defaults
    opts: { ...QUEUES.analyze.jobOptions, jobId: childJobId(parentId, segment.id), ignoreDependencyOnFailure: true },
  }));
  await r.flow.add({
    name: 'complete-batch',
    queueName: QUEUES.batchComplete.name,
    data: { batchId } satisfies BatchJobData,
    opts: { ...QUEUES.batchComplete.jobOptions, jobId: parentId },
    children,
  });
}

export function getParentJob(r: BatchRedis, parentId: string): Promise<Job<BatchJobData> | undefined> {
  return Job.fromId<BatchJobData>(r.batchQueue, parentId);
}
