import http from 'node:http';
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAnalysisWorker, type AnalysisWorkerHandle } from '../../src/queue/analysis-worker.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from '../../src/alerts/webhook-signature.js';
import { syncCameraFromFile } from '../../src/batch/camera-sync.js';
import { parseCameraConfig } from '../../src/core/camera-config.js';
import { createCameraFeed } from '../../src/live/camera-feed.js';
import type { FeedRecorder } from '../../src/live/feed-recorder.js';
import { createLogger } from '../../src/logger.js';
import { bearer, FOOTAGE, startTestApi, type TestApi } from './api-helpers.js';
import { cutClip, openSse, startLoopSource, stopProcess, waitFor, type SseClient } from './live-helpers.js';

const PORT = 41000 + (process.pid % 2000);
let api: TestApi;
let clip: string;
let source: ChildProcess | null = null;
let feed: FeedRecorder | null = null;
let worker: AnalysisWorkerHandle | null = null;
let workerClosed: Promise<void> | null = null;
let sse: SseClient | null = null;
let receiver: http.Server;
const hooks: Array<{ body: string; headers: http.IncomingHttpHeaders; at: number }> = [];
/** segment id → when ffmpeg closed it */
const closedAt = new Map<string, number>();

interface Health {
  status: string;
  segmentsRecorded: number;
  reconnects: number;
  lastError: string | null;
  lastSegmentAt: string | null;
  fps: number | null;
}

let cameraId: string;
const health = async (): Promise<Health> => {
  const res = await api.app.inject({
    method: 'GET',
    url: `/cameras/${cameraId}/health`,
    headers: bearer(api.keys.officer),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Health>();
};

beforeAll(async () => {
  // the test receiver listens on 127.0.0.1, which webhooks may reach only when allowed
  api = await startTestApi({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  clip = path.join(api.footageRoot, 'camera-loop.mp4');
  await cutClip(path.join(FOOTAGE, 'thanglm_traffic.mp4'), clip, 0, 6);
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hooks.push({ body, headers: req.headers, at: Date.now() });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));

  const demo = JSON.parse(await readFile(path.join(import.meta.dirname, '../../fixtures/demo-camera.json'), 'utf8'));
  const camera = await syncCameraFromFile(
    api.prisma,
    parseCameraConfig({ ...demo, name: `live-${Date.now()}`, sourceUrl: `tcp://127.0.0.1:${PORT}` }),
    'test',
  );
  cameraId = camera.id;
}, 120_000);

afterAll(async () => {
  sse?.close();
  await feed?.stop();
  await stopProcess(source);
  await (workerClosed ?? worker?.close());
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
  await api?.close();
}, 120_000);

describe('live feed', () => {
  it('records a looping source into segments that are analysed, alerted over webhook and SSE', async () => {
    const sub = await api.app.inject({
      method: 'POST',
      url: '/alerts/webhooks',
      headers: bearer(api.keys.ops),
      payload: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, label: 'sign', cameraId },
    });
    const { secret } = sub.json<{ secret: string }>();
    sse = await openSse(
      `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}/alerts/stream`,
      api.keys.officer,
    );

    worker = startAnalysisWorker({
      prisma: api.prisma,
      config: api.deps.config,
      logger: createLogger('silent'),
      prefix: api.queue.opts.prefix,
      reconcileIntervalMs: 0,
    });
    source = await startLoopSource(clip, PORT);
    feed = createCameraFeed({
      prisma: api.prisma,
      queue: api.queue,
      pipelineVersion: api.deps.config.PIPELINE_VERSION,
      camera: { id: cameraId, sourceUrl: `tcp://127.0.0.1:${PORT}` },
      footageRoot: api.footageRoot,
      segmentSeconds: 3,
      backoffBaseMs: 300,
      backoffMaxMs: 2000,
      logger: createLogger('silent'),
      onRegistered: (segment, registered) => closedAt.set(registered.segmentId, segment.closedAt.getTime()),
    });
    feed.start();

    const segments = await waitFor(
      async () => {
        const rows = await api.prisma.segment.findMany({ where: { cameraId }, orderBy: { startTime: 'asc' } });
        return rows.length >= 2 ? rows : undefined;
      },
      60_000,
      'two recorded segments',
    );
    for (const s of segments) {
      expect(s.fileUri).toMatch(new RegExp(`^file://.*/live/${cameraId}/\\d+-\\d{6}\\.mp4$`));
      expect(s.durationSec).toBeGreaterThan(2);
      expect(s.durationSec).toBeLessThan(4.5);
    }
    expect(segments[1]!.startTime.getTime()).toBeGreaterThanOrEqual(segments[0]!.startTime.getTime() + 2000);
    // the recorder writes its health beside registering the segment: the count may trail the rows briefly
    const h = await waitFor(
      async () => {
        const now = await health();
        return now.segmentsRecorded >= 2 ? now : undefined;
      },
      10_000,
      'health counting two segments',
    );
    expect(h).toMatchObject({ status: 'recording', reconnects: 0, lastError: null });
    expect(h.fps).toBeGreaterThan(15);

    const violation = await waitFor(
      () =>
        api.prisma.violation
          .findFirst({ where: { cameraId }, include: { run: true }, orderBy: { createdAt: 'asc' } })
          .then((v) => v ?? undefined),
      300_000,
      'a violation from the live feed',
    );
    const hook = await waitFor(
      () => hooks.find((x) => JSON.parse(x.body).violation.id === violation.id),
      30_000,
      'the webhook',
    );
    expect(
      verifyWebhook(
        secret,
        Number(hook.headers[TIMESTAMP_HEADER]),
        hook.body,
        String(hook.headers[SIGNATURE_HEADER]),
        Math.floor(Date.now() / 1000),
      ),
    ).toBe(true);
    const event = await waitFor(() => sse!.events.find((e) => e.id === violation.id), 10_000, 'the SSE event');
    expect(JSON.parse(event.data).violation).toMatchObject({
      cameraId,
      segmentId: violation.run!.segmentId,
      zoneKind: 'restricted_road',
    });
    const closed = closedAt.get(violation.run!.segmentId);
    expect(closed).toBeDefined();
    process.stdout.write(
      `live: segment close → webhook ${((hook.at - closed!) / 1000).toFixed(1)} s (analysis included)\n`,
    );
    // enough analysis for this file; the rest is about the feed
    workerClosed = worker.close();
  }, 420_000);

  it('reports a lost source with reconnects and an error, then recovers', async () => {
    await stopProcess(source);
    const lost = await waitFor(
      async () => {
        const h = await health();
        return h.reconnects >= 2 && h.lastError ? h : undefined;
      },
      30_000,
      'reconnect attempts',
    );
    expect(lost.status).toBe('reconnecting');

    const restartedAt = Date.now();
    source = await startLoopSource(clip, PORT);
    const back = await waitFor(
      async () => {
        const h = await health();
        return h.status === 'recording' && h.lastSegmentAt && Date.parse(h.lastSegmentAt) > restartedAt ? h : undefined;
      },
      60_000,
      'a segment after the source came back',
    );
    expect(back.reconnects).toBeGreaterThanOrEqual(lost.reconnects);
    expect(back.segmentsRecorded).toBeGreaterThan(lost.segmentsRecorded);

    await feed!.stop();
    expect((await health()).status).toBe('stopped');
    feed = null;
  }, 120_000);
});
