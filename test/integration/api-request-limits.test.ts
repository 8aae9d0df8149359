import { readdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbFingerprint, startTestApi, type TestApi } from './api-helpers.js';

const BODY_TIMEOUT_MS = 1000;
const UPLOAD_TIMEOUT_MS = 3000;
/** How late a cut-off may come: timers, a loaded machine. */
const SLACK_MS = 1500;

let t: TestApi;
let port: number;
let cameraId: string;

interface Exchange {
  /** status of the response, if one came before the connection closed */
  status?: number;
  body: string;
  /** ms from the first byte sent to the connection's close */
  closedAfterMs: number;
  /** ms from the first byte sent to the first byte of the response, if any */
  answeredAfterMs?: number;
}

/**
 * A raw HTTP/1.1 request whose body arrives one byte every `everyMs`, as a slowloris client sends it;
 * `stopAfterBytes` sends that much and then hangs up.
 */
function trickle(head: string, body: Buffer, everyMs: number, stopAfterBytes?: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let answeredAfterMs: number | undefined;
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (stopAfterBytes !== undefined && sent >= stopAfterBytes) {
          clearInterval(timer);
          socket.destroy();
          return;
        }
        if (sent < body.length && socket.writable) socket.write(body.subarray(sent, ++sent));
      }, everyMs);
    });
    socket.on('data', (chunk: Buffer) => {
      answeredAfterMs ??= performance.now() - started;
      received.push(chunk);
    });
    // a reset after the response is one way for the server to close; what was read stays read
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      const text = Buffer.concat(received).toString('utf8');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({
        status: status === undefined ? undefined : Number(status),
        body: text.slice(text.indexOf('\r\n\r\n') + 4),
        closedAfterMs: performance.now() - started,
        answeredAfterMs,
      });
    });
  });
}

function head(url: string, headers: Record<string, string | number>): string {
  const lines = Object.entries({ host: `127.0.0.1:${port}`, ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `POST ${url} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

const BOUNDARY = 'mgSlowBoundary';
function uploadBody(size: number): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="cameraId"\r\n\r\n${cameraId}\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="slow.mp4"\r\nContent-Type: video/mp4\r\n\r\n`,
    ),
    Buffer.alloc(size, 7),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}
const uploads = () => readdir(path.join(t.footageRoot, 'uploads')).catch(() => [] as string[]);

beforeAll(async () => {
  t = await startTestApi({ BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS), UPLOAD_TIMEOUT_MS: String(UPLOAD_TIMEOUT_MS) });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on a port');
  port = address.port;
  const cam = await t.app.inject({
    method: 'POST',
    url: '/cameras',
    headers: { authorization: `Bearer ${t.keys.ops}` },
    payload: { name: `slow bodies ${process.pid}` },
  });
  cameraId = cam.json().id;
});
afterAll(async () => {
  await t?.close();
});

describe('request body deadline', () => {
  it('answers a JSON body trickled past BODY_TIMEOUT_MS with a 408 problem and closes the connection', async () => {
    const before = await dbFingerprint(t.prisma);
    const body = Buffer.from(JSON.stringify({ name: 'never arrives' }).padEnd(200, ' '));
    const res = await trickle(
      head('/cameras', {
        authorization: `Bearer ${t.keys.ops}`,
        'content-type': 'application/json',
        'content-length': body.length,
      }),
      body,
      100,
    );
    expect(res.status, res.body).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({ type: '/problems/request-timeout', status: 408 });
    expect(res.closedAfterMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
    expect(res.closedAfterMs).toBeLessThan(BODY_TIMEOUT_MS + SLACK_MS);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('takes a JSON body that arrives slowly but within the limit', async () => {
    const body = Buffer.from(JSON.stringify({ name: `slow but fine ${process.pid}` }));
    const res = await trickle(
      head('/cameras', {
        authorization: `Bearer ${t.keys.ops}`,
        'content-type': 'application/json',
        'content-length': body.length,
        connection: 'close',
      }),
      body,
      Math.floor(BODY_TIMEOUT_MS / 2 / body.length),
    );
    expect(res.status, res.body).toBe(201);
  });

  it('closes the connection of a refused request whose body keeps trickling (no key: 401 at once)', async () => {
    const body = Buffer.alloc(500, 0x20);
    const res = await trickle(
      head('/cameras', { 'content-type': 'application/json', 'content-length': body.length }),
      body,
      100,
    );
    expect(res.status).toBe(401);
    expect(res.answeredAfterMs).toBeLessThan(BODY_TIMEOUT_MS);
    expect(res.closedAfterMs).toBeLessThan(BODY_TIMEOUT_MS + SLACK_MS);
  });

  it('gives an authorised upload UPLOAD_TIMEOUT_MS, then answers 408 and keeps no staged file', async () => {
    const before = await dbFingerprint(t.prisma);
    const body = uploadBody(100_000);
    const exchange = trickle(
      head('/segments/upload', {
        authorization: `Bearer ${t.keys.ops}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': body.length,
      }),
      body,
      5,
    );
    await expect.poll(uploads, { timeout: UPLOAD_TIMEOUT_MS }).toHaveLength(1);
    const res = await exchange;
    expect(res.status, res.body).toBe(408);
    // not cut at the JSON limit: the upload's own limit applies
    expect(res.closedAfterMs).toBeGreaterThanOrEqual(UPLOAD_TIMEOUT_MS - 50);
    expect(res.closedAfterMs).toBeLessThan(UPLOAD_TIMEOUT_MS + SLACK_MS);
    await expect.poll(uploads).toEqual([]);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('gives an upload refused by auth only the short limit', async () => {
    const body = uploadBody(100_000);
    const res = await trickle(
      head('/segments/upload', {
        authorization: `Bearer ${t.keys.officer}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': body.length,
      }),
      body,
      10,
    );
    expect(res.status).toBe(403);
    expect(res.closedAfterMs).toBeLessThan(BODY_TIMEOUT_MS + SLACK_MS);
  });

  it('keeps no staged file when the client hangs up in the middle of an upload', async () => {
    const before = await dbFingerprint(t.prisma);
    const body = uploadBody(100_000);
    const exchange = trickle(
      head('/segments/upload', {
        authorization: `Bearer ${t.keys.ops}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': body.length,
      }),
      body,
      2,
      600,
    );
    await expect.poll(uploads).toHaveLength(1);
    const res = await exchange;
    expect(res.status).toBeUndefined();
    await expect.poll(uploads).toEqual([]);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });
});
