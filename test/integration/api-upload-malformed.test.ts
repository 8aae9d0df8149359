import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOOTAGE, bearer, dbFingerprint, expectProblem, startTestApi, type TestApi } from './api-helpers.js';

let t: TestApi;
let cameraId: string;
let video: Buffer;
const BOUNDARY = 'mgBoundary7MA4YWxkTrZu0gW';
const FORM = `multipart/form-data; boundary=${BOUNDARY}`;
const MAX_UPLOAD_BYTES = 1_000_000;

/** One multipart part, written by hand so that it can be wrong in every way a client can make it wrong. */
function field(name: string, value: string | Buffer, contentType?: string): Buffer {
  const type = contentType ? `\r\nContent-Type: ${contentType}` : '';
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${type}\r\n\r\n`),
    Buffer.from(value),
    Buffer.from('\r\n'),
  ]);
}
function file(name: string, data: Buffer | string, filename = 'clip.mp4'): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: video/mp4\r\n\r\n`,
    ),
    Buffer.from(data),
    Buffer.from('\r\n'),
  ]);
}
const END = Buffer.from(`--${BOUNDARY}--\r\n`);
const form = (...parts: Buffer[]) => Buffer.concat(parts);
const uploads = () => readdir(path.join(t.footageRoot, 'uploads')).catch(() => [] as string[]);

beforeAll(async () => {
  t = await startTestApi({ MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
  // a real, small video: a form that were right in every other way would be taken
  video = await readFile(path.join(FOOTAGE, 'jcsy_bikes.mp4'));
  expect(video.length).toBeLessThan(MAX_UPLOAD_BYTES);
  const cam = await t.app.inject({
    method: 'POST',
    url: '/cameras',
    headers: bearer(t.keys.ops),
    payload: { name: `malformed uploads ${process.pid}` },
  });
  cameraId = cam.json().id;
});
afterAll(async () => {
  await t?.close();
});

describe('POST /segments/upload refuses malformed multipart with a 4xx problem, storing nothing', () => {
  const cases: [string, () => { contentType: string; payload: Buffer }, number, string | RegExp][] = [
    [
      'a content type without a boundary',
      () => ({
        contentType: 'multipart/form-data',
        payload: form(field('cameraId', cameraId), file('file', video), END),
      }),
      400,
      /Boundary not found/,
    ],
    [
      'a body cut off inside the file',
      () => ({ contentType: FORM, payload: form(field('cameraId', cameraId), file('file', video)).subarray(0, 5000) }),
      400,
      /malformed/,
    ],
    [
      'a body without its closing boundary',
      () => ({ contentType: FORM, payload: form(field('cameraId', cameraId), file('file', video)) }),
      400,
      /malformed/,
    ],
    [
      'a body that is not multipart at all',
      () => ({ contentType: FORM, payload: Buffer.from('hello') }),
      400,
      /malformed/,
    ],
    ['an empty body', () => ({ contentType: FORM, payload: Buffer.alloc(0) }), 400, /no file part/],
    [
      'a form with fields only',
      () => ({ contentType: FORM, payload: form(field('cameraId', cameraId), END) }),
      400,
      /no file part/,
    ],
    [
      'a file part not named file',
      () => ({ contentType: FORM, payload: form(field('cameraId', cameraId), file('video', video), END) }),
      400,
      /named "file", not "video"/,
    ],
    [
      'the fields after the file',
      () => ({ contentType: FORM, payload: form(file('file', video), field('cameraId', cameraId), END) }),
      400,
      /cameraId.*fields must come before the file/,
    ],
    [
      'a field after the file (startTime would be lost)',
      () => ({
        contentType: FORM,
        payload: form(
          field('cameraId', cameraId),
          file('file', video),
          field('startTime', '2026-01-01T00:00:00Z'),
          END,
        ),
      }),
      400,
      /nothing may follow the file part/,
    ],
    [
      'two files',
      () => ({
        contentType: FORM,
        payload: form(field('cameraId', cameraId), file('file', video), file('file', video), END),
      }),
      413,
      /files limit/,
    ],
    [
      'a field given twice',
      () => ({
        contentType: FORM,
        payload: form(field('cameraId', cameraId), field('cameraId', cameraId), file('file', video), END),
      }),
      400,
      /cameraId is given twice/,
    ],
    [
      'an unknown field',
      () => ({
        contentType: FORM,
        payload: form(field('cameraId', cameraId), field('plate', 'x'), file('file', video), END),
      }),
      400,
      /Unrecognized key/,
    ],
    [
      'too many fields',
      () => ({
        contentType: FORM,
        payload: form(...['a', 'b', 'c', 'd', 'e'].map((n) => field(n, '1')), file('file', video), END),
      }),
      413,
      /fields limit/,
    ],
    [
      'a field longer than 1024 bytes',
      () => ({
        contentType: FORM,
        payload: form(field('cameraId', cameraId + 'x'.repeat(5000)), file('file', video), END),
      }),
      400,
      /longer than 1024 bytes/,
    ],
    [
      'a JSON field that is an object',
      () => ({
        contentType: FORM,
        payload: form(
          field('cameraId', JSON.stringify({ id: cameraId }), 'application/json'),
          file('file', video),
          END,
        ),
      }),
      400,
      /cameraId/,
    ],
    [
      'a __proto__ field',
      () => ({
        contentType: FORM,
        payload: form(field('__proto__', '{}'), field('cameraId', cameraId), file('file', video), END),
      }),
      400,
      /./,
    ],
    [
      'a lastModified beyond the year 9999',
      () => ({
        contentType: FORM,
        payload: form(field('cameraId', cameraId), field('lastModified', '9e15'), file('file', video), END),
      }),
      400,
      /lastModified/,
    ],
    [
      'a startTime in the year 0000',
      () => ({
        contentType: FORM,
        payload: form(
          field('cameraId', cameraId),
          field('startTime', '0000-01-01T00:00:00Z'),
          file('file', video),
          END,
        ),
      }),
      400,
      /startTime/,
    ],
    [
      'an unknown camera',
      () => ({
        contentType: FORM,
        payload: form(field('cameraId', '00000000-0000-4000-8000-000000000000'), file('file', video), END),
      }),
      404,
      /camera/,
    ],
    [
      'an empty file part',
      () => ({ contentType: FORM, payload: form(field('cameraId', cameraId), file('file', ''), END) }),
      415,
      /empty/,
    ],
    [
      'a file over MAX_UPLOAD_BYTES',
      () => ({
        contentType: FORM,
        payload: form(
          field('cameraId', cameraId),
          file('file', Buffer.concat([video, Buffer.alloc(MAX_UPLOAD_BYTES)])),
          END,
        ),
      }),
      413,
      /exceeds/,
    ],
    [
      'multipart/mixed',
      () => ({
        contentType: `multipart/mixed; boundary=${BOUNDARY}`,
        payload: form(field('cameraId', cameraId), file('file', video), END),
      }),
      415,
      /./,
    ],
  ];

  it.each(cases)('%s', async (_name, make, status, detail) => {
    const before = await dbFingerprint(t.prisma);
    const { contentType, payload } = make();
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments/upload',
      headers: { ...bearer(t.keys.ops), 'content-type': contentType },
      payload,
    });
    expect(expectProblem(res, status).detail).toMatch(detail);
    expect(await uploads()).toEqual([]);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('takes the same video in a well-formed form, under a name of its own whatever the client called it', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/segments/upload',
      headers: { ...bearer(t.keys.ops), 'content-type': FORM },
      payload: form(field('cameraId', cameraId), file('file', video, '../../../etc/passwd.mp4'), END),
    });
    expect(res.statusCode, res.body).toBe(201);
    const staged = await uploads();
    expect(staged).toHaveLength(1);
    expect(staged[0]).toMatch(/^[0-9a-f-]{36}\.mp4$/);
    expect(res.json().fileUri).toContain(`/uploads/${staged[0]}`);
  });
});
