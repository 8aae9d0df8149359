import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../deps.js';
import { REDIS_TIMEOUT_MS, withTimeout } from '../timeout.js';

async function check(probe: () => Promise<unknown>): Promise<{ ok: boolean; ms: number; error?: string }> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    await withTimeout(probe(), REDIS_TIMEOUT_MS, 'health check');
    return { ok: true, ms: ms() };
  } catch (err) {
    return { ok: false, ms: ms(), error: (err as Error).message };
  }
}

/** Liveness (the process answers) and readiness (its Postgres and Redis answer too). */
const healthRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, queue }) => {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], summary: 'Readiness: Postgres and Redis reachable (503 if not)' } },
    async (_request, reply) => {
      const [postgres, redis] = await Promise.all([
        check(() => prisma.$queryRaw`SELECT 1`),
        check(() => queue.getJobCounts('waiting')),
      ]);
      const ready = postgres.ok && redis.ok;
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'unavailable', checks: { postgres, redis } });
    },
  );
};

export default healthRoutes;
