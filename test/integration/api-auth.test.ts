import { QueueEvents, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { createPrisma } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { hashApiKey } from '../../src/db/api-keys.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createQueue, QUEUES } from '../../src/queue/queues.js';
import { bearer, dbFingerprint, expectProblem, startTestApi, type TestApi } from './api-helpers.js';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

describe('API keys and roles', () => {
  it('refuses a request without a key, with a malformed header, or with an unknown key (401)', async () => {
    const before = await dbFingerprint(t.prisma);
    const none = await t.app.inject({ method: 'GET', url: '/cameras' });
    expectProblem(none, 401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expectProblem(
      await t.app.inject({ method: 'GET', url: '/cameras', headers: { authorization: `Basic ${t.keys.ops}` } }),
      401,
    );
    const wrong = await t.app.inject({ method: 'GET', url: '/cameras', headers: bearer('mg_notakey') });
    expect(expectProblem(wrong, 401).type).toBe('/problems/unauthorized');
    const post = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer('mg_notakey'),
      payload: { name: 'never stored' },
    });
    expectProblem(post, 401);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('refuses a role calling a route it may not (403) and lets admin do everything', async () => {
    const before = await dbFingerprint(t.prisma);
    const officerCreates = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.officer),
      payload: { name: 'officer cam' },
    });
    expect(expectProblem(officerCreates, 403).allowedRoles).toEqual(['ops', 'admin']);
    expectProblem(await t.app.inject({ method: 'GET', url: '/keys', headers: bearer(t.keys.ops) }), 403);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/keys',
        headers: bearer(t.keys.officer),
        payload: { role: 'admin', label: 'escalate' },
      }),
      403,
    );
    expect(await dbFingerprint(t.prisma)).toBe(before);
    expect((await t.app.inject({ method: 'GET', url: '/keys', headers: bearer(t.keys.admin) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/cameras', headers: bearer(t.keys.admin) })).statusCode).toBe(
      200,
    );
  });

  it('tells the caller who they are', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(t.keys.officer) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: t.keyIds.officer, role: 'officer' });
  });

  it('creates a key whose secret is shown once and stored only as sha256, lists and revokes it', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/keys',
      headers: bearer(t.keys.admin),
      payload: { role: 'ops', label: 'night shift' },
    });
    expect(created.statusCode).toBe(201);
    const key = created.json();
    expect(key.key).toMatch(/^mg_[A-Za-z0-9_-]{43}$/);
    const row = await t.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.keyHash).toBe(hashApiKey(key.key));
    expect(JSON.stringify(row)).not.toContain(key.key);

    const list = await t.app.inject({ method: 'GET', url: '/keys', headers: bearer(t.keys.admin) });
    expect(list.body).not.toContain(key.key);
    expect(list.json().items.map((k: { id: string }) => k.id)).toContain(key.id);

    expect((await t.app.inject({ method: 'GET', url: '/cameras', headers: bearer(key.key) })).statusCode).toBe(200);
    const revoked = await t.app.inject({
      method: 'POST',
      url: `/keys/${key.id}/revoke`,
      headers: bearer(t.keys.admin),
    });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().revokedAt).toEqual(expect.any(String));
    expectProblem(await t.app.inject({ method: 'GET', url: '/cameras', headers: bearer(key.key) }), 401);

    const audit = await t.prisma.auditLog.findMany({
      where: { entityType: 'api_key', entityId: key.id },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['api_key.create', 'api_key.revoke']);
    expect(audit[0]!.actor).toBe(`api-key:${t.keyIds.admin}`);
    expect(JSON.stringify(audit.map((a) => a.details))).not.toContain(key.key);
  });

  it('rejects bad key bodies and unknown key ids without storing anything', async () => {
    const before = await dbFingerprint(t.prisma);
    const badRole = await t.app.inject({
      method: 'POST',
      url: '/keys',
      headers: bearer(t.keys.admin),
      payload: { role: 'root', label: 'x' },
    });
    expect(expectProblem(badRole, 400).errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/role' })]);
    const extra = await t.app.inject({
      method: 'POST',
      url: '/keys',
      headers: bearer(t.keys.admin),
      payload: { role: 'ops', label: 'x', keyHash: 'f'.repeat(64) },
    });
    expect(expectProblem(extra, 400).errors).toEqual([expect.objectContaining({ pointer: '/keyHash' })]);
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: '/keys/00000000-0000-4000-8000-000000000000/revoke',
        headers: bearer(t.keys.admin),
      }),
      404,
    );
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });
});

describe('request hygiene', () => {
  it('answers malformed JSON with a 400 problem', async () => {
    const before = await dbFingerprint(t.prisma);
    const res = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: { ...bearer(t.keys.ops), 'content-type': 'application/json' },
      payload: '{"name": "broken",',
    });
    expect(expectProblem(res, 400).type).toBe('/problems/malformed-json');
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('answers a body over 1 MiB with 413 and a non-JSON body with 415', async () => {
    const before = await dbFingerprint(t.prisma);
    const huge = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) });
    const big = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: { ...bearer(t.keys.ops), 'content-type': 'application/json' },
      payload: huge,
    });
    expect(expectProblem(big, 413).type).toBe('/problems/body-too-large');
    const text = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: { ...bearer(t.keys.ops), 'content-type': 'text/plain' },
      payload: 'name=x',
    });
    expectProblem(text, 415);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('answers unknown routes and malformed ids with problems and echoes the request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': 'req-123' } });
    expect(expectProblem(res, 404).requestId).toBe('req-123');
    expect(res.headers['x-request-id']).toBe('req-123');
    const bad = await t.app.inject({ method: 'GET', url: '/cameras/not-a-uuid', headers: bearer(t.keys.ops) });
    expect(expectProblem(bad, 400).errors).toEqual([expect.objectContaining({ in: 'params', pointer: '/id' })]);
  });
});

describe('health, docs and metrics', () => {
  it('reports liveness and readiness of Postgres and Redis', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { postgres: { ok: true }, redis: { ok: true } } });
  });

  it('answers /readyz with 503, and other routes with a bare 500 problem, when Postgres and Redis are down', async () => {
    const prisma = createPrisma('postgresql://postgres@127.0.0.1:1/none');
    const redis = createRedisConnection('redis://127.0.0.1:1', 'producer', { retryStrategy: () => 1000 });
    redis.on('error', () => {});
    const queue = createQueue('analyze', { connection: redis, prefix: 'mgtest-no-redis' });
    queue.on('error', () => {});
    const app = await buildApp({ prisma, queue, config: t.deps.config, logger: createLogger('silent') });
    try {
      const res = await app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({
        status: 'unavailable',
        checks: { postgres: { ok: false }, redis: { ok: false } },
      });
      // With the database gone even the key check fails: a 500 problem that names nothing internal.
      const down = await app.inject({ method: 'GET', url: '/cameras', headers: bearer(t.keys.ops) });
      expect(expectProblem(down, 500)).toMatchObject({
        type: '/problems/internal',
        detail: expect.stringMatching(/logged/),
      });
      expect(down.body).not.toMatch(/127\.0\.0\.1|postgres|ECONNREFUSED|prisma/i);
    } finally {
      await app.close();
      await queue.close();
      redis.disconnect();
      await prisma.$disconnect();
    }
  });

  it('serves the OpenAPI document and the docs UI', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const spec = doc.json();
    expect(spec.openapi).toMatch(/^3\./);
    for (const p of [
      '/cameras',
      '/cameras/{cameraId}/zones',
      '/segments',
      '/segments/upload',
      '/violations',
      '/violations/{id}/review',
      '/evidence/{id}',
      '/audit/verify',
      '/keys',
    ]) {
      expect(Object.keys(spec.paths)).toContain(p);
    }
    expect(
      spec.paths['/violations/{id}/review'].post.requestBody.content['application/json'].schema.required,
    ).toContain('expectedVersion');
    // responses are documented from the schemas the console's types come from; times as date-time strings
    const detail = spec.paths['/violations/{id}'].get.responses['200'].content['application/json'].schema;
    expect(detail.required).toEqual(expect.arrayContaining(['evidence', 'reviews', 'secondReview', 'canReview']));
    expect(detail.properties.startTime).toMatchObject({ type: 'string', format: 'date-time' });
    const ui = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });

  it('exposes Prometheus metrics for requests and the queue', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/healthz",status_code="200"\} \d+/,
    );
    expect(res.body).toMatch(/analysis_queue_jobs\{state="waiting"\} \d+/);
  });

  it('measures analysis job durations from the jobs BullMQ has finished', async () => {
    const redis = createRedisConnection(t.deps.config.REDIS_URL, 'worker');
    const worker = new Worker(
      QUEUES.analyze.name,
      async () => {
        await new Promise((r) => setTimeout(r, 150));
        return { runId: 'r', violations: 0, reused: false };
      },
      { connection: redis, prefix: t.queue.opts.prefix },
    );
    const eventsRedis = createRedisConnection(t.deps.config.REDIS_URL, 'worker');
    const events = new QueueEvents(QUEUES.analyze.name, { connection: eventsRedis, prefix: t.queue.opts.prefix });
    try {
      await events.waitUntilReady();
      const job = await t.queue.add(QUEUES.analyze.name, {
        segmentId: 'metrics',
        sha256: '0'.repeat(64),
        pipelineVersion: 'metrics',
      });
      await job.waitUntilFinished(events, 20_000);
      const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(body).toMatch(/analysis_job_duration_seconds_count\{outcome="completed"\} 1\n/);
      const sum = Number(/analysis_job_duration_seconds_sum\{outcome="completed"\} ([\d.]+)/.exec(body)?.[1]);
      expect(sum).toBeGreaterThanOrEqual(0.15);
      expect(body).toMatch(/analysis_queue_jobs\{state="completed"\} 1\n/);
      // A second scrape must not count the same job again.
      expect((await t.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(
        /analysis_job_duration_seconds_count\{outcome="completed"\} 1\n/,
      );
    } finally {
      await worker.close();
      await events.close();
      redis.disconnect();
      eventsRedis.disconnect();
    }
  });
});
