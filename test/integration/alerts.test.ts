import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  DELIVERY_HEADER,
  verifyWebhook,
} from '../../src/alerts/webhook-signature.js';
import { createApiKey, revokeApiKey } from '../../src/db/api-keys.js';
import { bearer, expectProblem, seedRun, seedViolation, startTestApi, type TestApi } from './api-helpers.js';
import { openSse, waitFor, type SseClient } from './live-helpers.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A webhook receiver on loopback that refuses the first `failFirst` requests with 500. */
async function startReceiver(failFirst: number) {
  const received: Received[] = [];
  let calls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls += 1;
      if (calls <= failFirst) {
        res.writeHead(500).end('try later');
        return;
      }
      received.push({ headers: req.headers, body, at: Date.now() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    calls: () => calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let api: TestApi;
let baseUrl: string;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let sse: SseClient;

beforeAll(async () => {
  // the test receiver listens on 127.0.0.1, which webhooks may reach only when allowed
  api = await startTestApi({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  receiver = await startReceiver(1);
});

afterAll(async () => {
  sse?.close();
  await receiver?.close();
  await api?.close();
});

describe('alerts', () => {
  it('signs each webhook, retries a refused one with backoff, logs it and streams it over SSE', async () => {
    const { camera, zone, run } = await seedRun(api.prisma, `alerts-cam-${Date.now()}`);
    const sub = await api.app.inject({
      method: 'POST',
      url: '/alerts/webhooks',
      headers: bearer(api.keys.ops),
      payload: { url: receiver.url, label: 'sign controller', cameraId: camera.id },
    });
    expect(sub.statusCode, sub.body).toBe(201);
    const { id: subscriptionId, secret } = sub.json<{ id: string; secret: string }>();
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const listed = await api.app.inject({ method: 'GET', url: '/alerts/webhooks', headers: bearer(api.keys.ops) });
    expect(listed.body).not.toContain(secret);

    sse = await openSse(`${baseUrl}/alerts/stream?cameraId=${camera.id}`, api.keys.officer);
    const recorded = Date.now();
    const violation = await seedViolation(
      api.prisma,
      { cameraId: camera.id, runId: run.id, zoneId: zone.id },
      {
        startTime: new Date(recorded - 3000),
        plateText: '서울12가3456',
      },
    );

    const event = await waitFor(() => sse.events.find((e) => e.id === violation.id), 10_000);
    expect(event.event).toBe('violation');
    expect(JSON.parse(event.data)).toMatchObject({
      type: 'violation.recorded',
      violation: { id: violation.id, cameraId: camera.id, zoneName: 'sidewalk', plate: { text: '서울12가3456' } },
    });

    const hit = await waitFor(() => receiver.received[0], 20_000);
    expect(receiver.calls()).toBe(2);
    const timestamp = Number(hit.headers[TIMESTAMP_HEADER]);
    const signature = String(hit.headers[SIGNATURE_HEADER]);
    expect(verifyWebhook(secret, timestamp, hit.body, signature, Math.floor(Date.now() / 1000))).toBe(true);
    expect(
      verifyWebhook(
        secret,
        timestamp,
        hit.body.replace('서울12가3456', '서울12가3457'),
        signature,
        Math.floor(Date.now() / 1000),
      ),
    ).toBe(false);
    expect(verifyWebhook('whsec_wrong', timestamp, hit.body, signature, Math.floor(Date.now() / 1000))).toBe(false);
    expect(JSON.parse(hit.body).violation.id).toBe(violation.id);

    const log = await waitFor(async () => {
      const res = await api.app.inject({
        method: 'GET',
        url: `/alerts/webhooks/${subscriptionId}/deliveries`,
        headers: bearer(api.keys.ops),
      });
      const items = res.json<{ items: Array<Record<string, unknown>> }>().items;
      return items[0]?.status === 'delivered' ? items : undefined;
    }, 10_000);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      id: hit.headers[DELIVERY_HEADER],
      violationId: violation.id,
      attempts: 2,
      responseStatus: 204,
      lastError: null,
    });
  });

  it('does not alert old footage, batch reprocessing or a rerun of a segment already analysed', async () => {
    const { camera, zone, run, segment } = await seedRun(api.prisma, `alerts-quiet-${Date.now()}`);
    await api.app.inject({
      method: 'POST',
      url: '/alerts/webhooks',
      headers: bearer(api.keys.ops),
      payload: { url: receiver.url, label: 'quiet', cameraId: camera.id },
    });
    const before = receiver.calls();
    const streamed = sse.events.length;
    await seedViolation(
      api.prisma,
      { cameraId: camera.id, runId: run.id, zoneId: zone.id },
      { startTime: new Date(Date.now() - 3600_000) },
    );
    const rerun = await api.prisma.analysisRun.create({
      data: {
        segmentId: segment.id,
        pipelineVersion: 'rerun',
        modelFingerprints: {},
        configHash: '1'.repeat(64),
        timings: {},
        startedAt: new Date(),
      },
    });
    await seedViolation(
      api.prisma,
      { cameraId: camera.id, runId: rerun.id, zoneId: zone.id },
      { startTime: new Date(Date.now() - 3000) },
    );
    // a batch over freshly written archive files: new on disk, but not live
    const archived = await seedRun(api.prisma, `alerts-archive-${Date.now()}`);
    await api.prisma.batch.create({
      data: {
        cameraId: archived.camera.id,
        pipelineVersion: 'seed',
        createdBy: 'test',
        total: 1,
        items: { create: [{ segmentId: archived.segment.id }] },
      },
    });
    await seedViolation(
      api.prisma,
      { cameraId: archived.camera.id, runId: archived.run.id, zoneId: archived.zone.id },
      { startTime: new Date(Date.now() - 3000) },
    );
    await new Promise((r) => setTimeout(r, 3000));
    expect(receiver.calls()).toBe(before);
    expect(sse.events.length).toBe(streamed);
  });

  it('ends a stream whose key is revoked, saying why, and sends it no alert after that', async () => {
    const { camera, zone, run } = await seedRun(api.prisma, `alerts-revoke-${Date.now()}`);
    const key = await createApiKey(api.prisma, { role: 'officer', label: `sign ${process.pid}`, actor: 'test' });
    const stream = await openSse(`${baseUrl}/alerts/stream?cameraId=${camera.id}`, key.secret);
    try {
      await revokeApiKey(api.prisma, { id: key.id, actor: 'test' });
      await seedViolation(
        api.prisma,
        { cameraId: camera.id, runId: run.id, zoneId: zone.id },
        { startTime: new Date(Date.now() - 3000), plateText: '서울12가3457' },
      );
      await waitFor(() => (stream.ended ? true : undefined), 10_000, 'the stream to end');
      expect(stream.events.map((e) => [e.event, e.data])).toEqual([['end', JSON.stringify({ reason: 'key_revoked' })]]);
    } finally {
      stream.close();
    }
  });

  it('refuses bad subscriptions and unauthenticated streams', async () => {
    const bad = await api.app.inject({
      method: 'POST',
      url: '/alerts/webhooks',
      headers: bearer(api.keys.ops),
      payload: { url: 'ftp://127.0.0.1/x', label: 'x' },
    });
    expectProblem(bad, 400);
    // the server's own network is out of reach: metadata service, Postgres and Redis by address or by name
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://localhost:5432/', 'http://[::1]:6379/']) {
      const internal = await api.app.inject({
        method: 'POST',
        url: '/alerts/webhooks',
        headers: bearer(api.keys.ops),
        payload: { url, label: 'probe' },
      });
      expect(expectProblem(internal, 422).type).toBe('/problems/webhook-target-refused');
    }
    const officer = await api.app.inject({
      method: 'POST',
      url: '/alerts/webhooks',
      headers: bearer(api.keys.officer),
      payload: { url: receiver.url, label: 'x' },
    });
    expectProblem(officer, 403);
    expectProblem(await api.app.inject({ method: 'GET', url: '/alerts/stream' }), 401);
    expectProblem(
      await api.app.inject({
        method: 'DELETE',
        url: `/alerts/webhooks/${crypto.randomUUID()}`,
        headers: bearer(api.keys.ops),
      }),
      404,
    );
  });
});
