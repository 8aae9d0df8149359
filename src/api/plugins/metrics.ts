import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REDIS_TIMEOUT_MS, withTimeout } from '../timeout.js';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;
/** Completed jobs inspected per scrape for durations; BullMQ keeps finished jobs only for a while. */
const RECENT_JOBS = 100;

/**
 * Prometheus `/metrics`: HTTP request durations by route and status, the analysis queue's depth by
 * state, and analysis job durations read from BullMQ's finished jobs at scrape time.
 */
async function metrics(app: FastifyInstance, opts: { queue: Queue }): Promise<void> {
  // One registry per app so several apps (tests) never collide on metric names.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const { queue } = opts;
  new Gauge({
    name: 'analysis_queue_jobs',
    help: 'jobs in the analyze-segment queue by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      // Without Redis the gauge reports nothing rather than stale depths; the HTTP metrics still flow.
      this.reset();
      const counts = await withTimeout(queue.getJobCounts(...QUEUE_STATES), REDIS_TIMEOUT_MS, 'queue counts').catch(
        () => null,
      );
      if (counts) for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
    },
  });

  const seenJobs = new Set<string>();
  const jobDuration = new Histogram({
    name: 'analysis_job_duration_seconds',
    help: 'processing time of finished analyze-segment jobs',
    labelNames: ['outcome'] as const,
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const jobsFinished = new Counter({
    name: 'analysis_jobs_finished_total',
    help: 'analyze-segment jobs seen finished by this API process',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });

  async function observeFinishedJobs(): Promise<void> {
    for (const outcome of ['completed', 'failed'] as const) {
      const jobs = await withTimeout(
        queue.getJobs([outcome], 0, RECENT_JOBS - 1),
        REDIS_TIMEOUT_MS,
        'finished jobs',
      ).catch(() => []);
      for (const job of jobs) {
        const key = `${job.id}:${job.finishedOn}`;
        if (!job.processedOn || !job.finishedOn || seenJobs.has(key)) continue;
        seenJobs.add(key);
        jobDuration.observe({ outcome }, (job.finishedOn - job.processedOn) / 1000);
        jobsFinished.inc({ outcome });
      }
    }
    if (seenJobs.size > 10 * RECENT_JOBS) seenJobs.clear();
  }

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    await observeFinishedJobs();
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}

export default fp(metrics, { name: 'metrics', fastify: '5.x' });
