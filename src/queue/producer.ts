import type { Job } from 'bullmq';
import type { Segment } from '../generated/prisma/client.js';
import type { PrismaClient } from '../db/client.js';
import { segmentStatus } from '../db/segments.js';
import { QUEUES, type AnalyzeSegmentJob, type AnalyzeSegmentQueue, type AnalyzeSegmentResult } from './queues.js';

/** One job per file content and pipeline version; BullMQ forbids ':' in custom ids. */
export function analyzeJobId(sha256: string, pipelineVersion: string): string {
  return `${sha256}_${pipelineVersion}`.replace(/:/g, '-');
}

export interface EnqueueOptions {
  /** When given, a `pending` segment is marked `queued` once its job is in Redis. */
  prisma?: PrismaClient;
}

/**
 * Adds the analysis job for a segment whose row is already in Postgres. Adding it again for the same content
 * and version returns the existing job instead of a second one (BullMQ ignores a duplicate job id).
 */
export async function enqueueSegment(
  queue: AnalyzeSegmentQueue,
  segment: Pick<Segment, 'id' | 'sha256'>,
  pipelineVersion: string,
  options: EnqueueOptions = {},
): Promise<Job<AnalyzeSegmentJob, AnalyzeSegmentResult>> {
  const data: AnalyzeSegmentJob = { segmentId: segment.id, sha256: segment.sha256, pipelineVersion };
  const job = await queue.add(QUEUES.analyze.name, data, { jobId: analyzeJobId(segment.sha256, pipelineVersion) });
  if (options.prisma) {
    await segmentStatus.queued(options.prisma, segment.id);
  }
  return job;
}

/** What became of one segment asked to be analysed again. */
export type RequeueOutcome = 'queued' | 'already_queued' | 'running';

/**
 * Queues a segment's analysis again, with the camera's zones as they are now. BullMQ ignores an id it still
 * holds, so the finished (or failed) job of this content and version is removed first; a job still waiting
 * will read the zones when it starts, and one running already read them, so it is left alone. The worker
 * stores a new run only when the camera's configuration changed (db/analysis-store.ts).
 */
export async function requeueSegment(
  queue: AnalyzeSegmentQueue,
  prisma: PrismaClient,
  segment: Pick<Segment, 'id' | 'sha256'>,
  pipelineVersion: string,
): Promise<RequeueOutcome> {
  const previous = await queue.getJob(analyzeJobId(segment.sha256, pipelineVersion));
  const state = previous ? await previous.getState() : null;
  if (state === 'active') return 'running';
  if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children')
    return 'already_queued';
  await previous?.remove();
  await enqueueSegment(queue, segment, pipelineVersion);
  await segmentStatus.requeued(prisma, segment.id);
  return 'queued';
}
