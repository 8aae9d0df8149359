import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSignToken, publishSignCue, type SignCue } from '../../src/db/signs.js';
import { bearer, expectProblem, seedRun, startTestApi, type TestApi } from './api-helpers.js';
import { openSse, waitFor, type SseClient } from './live-helpers.js';

let api: TestApi;
let baseUrl: string;
let cameraId: string;
let otherCameraId: string;
const open: SseClient[] = [];

beforeAll(async () => {
  api = await startTestApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  cameraId = (await seedRun(api.prisma, `sign-cam-${Date.now()}`)).camera.id;
  otherCameraId = (await seedRun(api.prisma, `sign-other-${Date.now()}`)).camera.id;
});

afterAll(async () => {
  for (const s of open) s.close();
  await api?.close();
});

const cue = (over: Partial<SignCue> = {}): SignCue => ({
  cameraId,
  plate: '12가3456',
  zoneKind: 'sidewalk',
  time: new Date(Date.now() - 1000).toISOString(),
  firedAt: new Date().toISOString(),
  ...over,
});

async function createToken(camera: string, label = 'LED board north') {
  const res = await api.app.inject({
    method: 'POST',
    url: `/cameras/${camera}/sign/tokens`,
    headers: bearer(api.keys.ops),
    payload: { label },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { res, body: res.json<{ id: string; token: string; signPath: string; prefix: string }>() };
}

async function stream(camera: string, token: string): Promise<SseClient> {
  const client = await openSse(`${baseUrl}/sign/${camera}/stream`, token);
  open.push(client);
  return client;
}

const auditOf = (entityId: string) =>
  api.prisma.auditLog.findMany({
    where: { entityId },
    orderBy: { id: 'asc' },
    select: { action: true, actor: true, details: true },
  });

describe('sign settings', () => {
  it('has defaults, by zone kind, until ops set the text and time; every change is audited', async () => {
    const before = await api.app.inject({
      method: 'GET',
      url: `/cameras/${cameraId}/sign`,
      headers: bearer(api.keys.officer),
    });
    expect(before.statusCode, before.body).toBe(200);
    expect(before.json()).toMatchObject({
      cameraId,
      warningText: null,
      displaySeconds: 10,
      speak: true,
      updatedAt: null,
      warningsByZoneKind: { sidewalk: '보도 위 이륜차 통행 금지', crosswalk: '횡단보도 이륜차 통행 금지' },
    });

    expectProblem(
      await api.app.inject({
        method: 'PUT',
        url: `/cameras/${cameraId}/sign`,
        headers: bearer(api.keys.officer),
        payload: { displaySeconds: 5 },
      }),
      403,
    );
    for (const payload of [
      { displaySeconds: 1 },
      { warningText: '' },
      { warningText: 'x'.repeat(41) },
      { colour: 'red' },
    ]) {
      expectProblem(
        await api.app.inject({
          method: 'PUT',
          url: `/cameras/${cameraId}/sign`,
          headers: bearer(api.keys.ops),
          payload,
        }),
        400,
      );
    }
    expectProblem(
      await api.app.inject({
        method: 'PUT',
        url: `/cameras/${crypto.randomUUID()}/sign`,
        headers: bearer(api.keys.ops),
        payload: {},
      }),
      404,
    );

    const put = await api.app.inject({
      method: 'PUT',
      url: `/cameras/${cameraId}/sign`,
      headers: bearer(api.keys.ops),
      payload: { warningText: '  보도 주행 금지  ', displaySeconds: 5, speak: false },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({
      warningText: '보도 주행 금지',
      displaySeconds: 5,
      speak: false,
      updatedAt: expect.any(String),
      warningsByZoneKind: { sidewalk: '보도 주행 금지', park: '보도 주행 금지' },
    });
    expect(await auditOf(cameraId)).toContainEqual({
      action: 'sign.update',
      actor: `api-key:${api.keyIds.ops}`,
      details: { warningText: '보도 주행 금지', displaySeconds: 5, speak: false },
    });
  });
});

describe('sign tokens', () => {
  it('are shown once, stored as a hash, listed without the secret, and audited without it', async () => {
    const { res, body } = await createToken(cameraId);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(body.token).toMatch(/^mgs_[A-Za-z0-9_-]{43}$/);
    expect(body.signPath).toBe(`/sign/${cameraId}#token=${body.token}`);
    expect(body.token.startsWith(body.prefix)).toBe(true);

    const row = await api.prisma.signToken.findUniqueOrThrow({ where: { id: body.id } });
    expect(row.tokenHash).toBe(hashSignToken(body.token));
    expect(JSON.stringify(row)).not.toContain(body.token);

    const list = await api.app.inject({
      method: 'GET',
      url: `/cameras/${cameraId}/sign/tokens`,
      headers: bearer(api.keys.ops),
    });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().items).toContainEqual(expect.objectContaining({ id: body.id, label: 'LED board north' }));
    expect(list.body).not.toContain(body.token);
    expect(list.body).not.toContain(row.tokenHash);

    const audit = await auditOf(body.id);
    expect(audit).toEqual([
      {
        action: 'sign_token.create',
        actor: `api-key:${api.keyIds.ops}`,
        details: { cameraId, label: 'LED board north', prefix: body.prefix },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain(body.token);

    expectProblem(
      await api.app.inject({
        method: 'POST',
        url: `/cameras/${cameraId}/sign/tokens`,
        headers: bearer(api.keys.officer),
        payload: { label: 'x' },
      }),
      403,
    );
    expectProblem(
      await api.app.inject({
        method: 'POST',
        url: `/cameras/${crypto.randomUUID()}/sign/tokens`,
        headers: bearer(api.keys.ops),
        payload: { label: 'x' },
      }),
      404,
    );
  });

  it('open only their own sign stream: every other route, and every other sign, refuses them', async () => {
    const { body } = await createToken(cameraId, 'refusal matrix');
    const other = await seedRun(api.prisma, `sign-matrix-${Date.now()}`);
    const violation = await api.prisma.violation.findFirst({ select: { id: true } });
    const routes: Array<[string, string]> = [
      ['GET', '/auth/me'],
      ['GET', '/cameras'],
      ['GET', `/cameras/${cameraId}`],
      ['GET', `/cameras/${cameraId}/snapshot`],
      ['GET', `/cameras/${cameraId}/health`],
      ['GET', `/cameras/${cameraId}/zones`],
      ['GET', `/cameras/${cameraId}/sign`],
      ['PUT', `/cameras/${cameraId}/sign`],
      ['GET', `/cameras/${cameraId}/sign/tokens`],
      ['POST', `/cameras/${cameraId}/sign/tokens`],
      ['POST', `/sign-tokens/${body.id}/revoke`],
      ['GET', `/zones/${other.zone.id}`],
      ['GET', '/segments'],
      ['GET', `/segments/${other.segment.id}`],
      ['GET', '/violations'],
      ['GET', `/violations/${violation?.id ?? crypto.randomUUID()}`],
      ['GET', `/evidence/${crypto.randomUUID()}`],
      ['GET', '/audit/verify'],
      ['GET', '/keys'],
      ['GET', '/alerts/stream'],
      ['GET', '/alerts/webhooks'],
      ['GET', `/sign/${otherCameraId}/stream`],
      ['GET', `/sign/not-a-camera/stream`],
    ];
    for (const [method, url] of routes) {
      const res = await api.app.inject({ method: method as 'GET', url, headers: bearer(body.token) });
      expect(expectProblem(res, 403).detail, `${method} ${url}`).toMatch(/sign/);
    }

    // API keys of every role are refused on a sign stream, and a stream asks for a token at all
    for (const key of [api.keys.officer, api.keys.ops, api.keys.admin]) {
      expectProblem(
        await api.app.inject({ method: 'GET', url: `/sign/${cameraId}/stream`, headers: bearer(key) }),
        403,
      );
    }
    expectProblem(await api.app.inject({ method: 'GET', url: `/sign/${cameraId}/stream` }), 401);
    expectProblem(
      await api.app.inject({ method: 'GET', url: `/sign/${cameraId}/stream`, headers: bearer('mgs_unknown') }),
      401,
    );
  });
});

describe('sign stream', () => {
  it("carries its own camera's warnings with the sign's settings, none stale, and shows a warning still up to a sign that connects", async () => {
    await api.app.inject({
      method: 'PUT',
      url: `/cameras/${otherCameraId}/sign`,
      headers: bearer(api.keys.ops),
      payload: { displaySeconds: 30 },
    });
    const { body } = await createToken(otherCameraId, 'stream');
    const sign = await stream(otherCameraId, body.token);

    await publishSignCue(api.prisma, cue({ cameraId, plate: '99다9999' }));
    await publishSignCue(
      api.prisma,
      cue({ cameraId: otherCameraId, time: new Date(Date.now() - 3600_000).toISOString() }),
    );
    await publishSignCue(api.prisma, cue({ cameraId: otherCameraId, plate: null, zoneKind: 'crosswalk' }));
    await publishSignCue(api.prisma, cue({ cameraId: otherCameraId, plate: '서울12가3456', zoneKind: 'park' }));

    await waitFor(() => sign.events.length >= 2 || undefined, 10_000, 'two warnings');
    await new Promise((r) => setTimeout(r, 500));
    const warnings = sign.events.map((e) => [e.event, JSON.parse(e.data)]);
    expect(warnings).toEqual([
      [
        'warning',
        {
          plate: null,
          zoneKind: 'crosswalk',
          time: expect.any(String),
          timezone: 'Asia/Seoul',
          warning: '횡단보도 이륜차 통행 금지',
          displaySeconds: 30,
          speak: true,
        },
      ],
      [
        'warning',
        expect.objectContaining({ plate: '서울12가3456', zoneKind: 'park', warning: '공원 내 이륜차 통행 금지' }),
      ],
    ]);

    const late = await stream(otherCameraId, body.token);
    const replay = await waitFor(() => late.events[0], 5_000, 'the warning still up');
    expect(JSON.parse(replay.data)).toMatchObject({ plate: '서울12가3456' });
    expect(JSON.parse(replay.data).displaySeconds).toBeLessThanOrEqual(30);
  });

  it('ends, saying why, when its token is revoked; the revocation is audited and the token opens nothing after', async () => {
    const camera = (await seedRun(api.prisma, `sign-revoke-${Date.now()}`)).camera.id;
    const { body } = await createToken(camera, 'to revoke');
    const sign = await stream(camera, body.token);
    const revoked = await api.app.inject({
      method: 'POST',
      url: `/sign-tokens/${body.id}/revoke`,
      headers: bearer(api.keys.ops),
    });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json().revokedAt).toEqual(expect.any(String));
    await publishSignCue(api.prisma, cue({ cameraId: camera, plate: '77더7739' }));
    await waitFor(() => sign.ended || undefined, 10_000, 'the stream to end');
    expect(sign.events.map((e) => [e.event, e.data])).toEqual([['end', JSON.stringify({ reason: 'token_revoked' })]]);

    const again = await api.app.inject({
      method: 'POST',
      url: `/sign-tokens/${body.id}/revoke`,
      headers: bearer(api.keys.ops),
    });
    expect(again.json().revokedAt).toBe(revoked.json().revokedAt);
    expect((await auditOf(body.id)).map((a) => a.action)).toEqual(['sign_token.create', 'sign_token.revoke']);

    const res = await api.app.inject({ method: 'GET', url: `/sign/${camera}/stream`, headers: bearer(body.token) });
    expectProblem(res, 401);
    expectProblem(await api.app.inject({ method: 'GET', url: '/cameras', headers: bearer(body.token) }), 401);
    expectProblem(
      await api.app.inject({
        method: 'POST',
        url: `/sign-tokens/${crypto.randomUUID()}/revoke`,
        headers: bearer(api.keys.ops),
      }),
      404,
    );
  });
});
