import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, dbFingerprint, expectProblem, startTestApi, type TestApi } from './api-helpers.js';

let t: TestApi;
let cameraId: string;
const square = [
  [0.1, 0.1],
  [0.9, 0.1],
  [0.9, 0.9],
  [0.1, 0.9],
];

beforeAll(async () => {
  t = await startTestApi();
  const res = await t.app.inject({
    method: 'POST',
    url: '/cameras',
    headers: bearer(t.keys.ops),
    payload: {
      name: `Mapo-gu sidewalk ${process.pid}`,
      sourceUrl: 'rtsp://10.0.0.5/stream1',
      frameWidth: 1920,
      frameHeight: 1080,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  cameraId = res.json().id;
});
afterAll(async () => {
  await t?.close();
});

const zoneUrl = () => `/cameras/${cameraId}/zones`;

describe('cameras', () => {
  it('creates with defaults, reads, lists with health, updates and audits', async () => {
    const got = await t.app.inject({ method: 'GET', url: `/cameras/${cameraId}`, headers: bearer(t.keys.officer) });
    expect(got.json()).toMatchObject({
      id: cameraId,
      timezone: 'Asia/Seoul',
      enabled: true,
      frameWidth: 1920,
      health: { segmentsToday: 0, lastSegmentAt: null, lastError: null },
    });

    const list = await t.app.inject({ method: 'GET', url: '/cameras', headers: bearer(t.keys.ops) });
    expect(list.json().items.map((c: { id: string }) => c.id)).toContain(cameraId);

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/cameras/${cameraId}`,
      headers: bearer(t.keys.ops),
      payload: { enabled: false },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ enabled: false, frameWidth: 1920, sourceUrl: 'rtsp://10.0.0.5/stream1' });
    const audit = await t.prisma.auditLog.findMany({
      where: { entityType: 'camera', entityId: cameraId },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['camera.create', 'camera.update']);
    expect(audit[1]!.details).toEqual({ changes: { enabled: false } });
  });

  it("shows a source URL's password to ops only, and keeps it out of the audit log", async () => {
    const withPassword = 'rtsp://admin:hunter2@10.0.0.9:554/stream1';
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/cameras/${cameraId}`,
      headers: bearer(t.keys.ops),
      payload: { sourceUrl: withPassword },
    });
    expect(patched.json()).toMatchObject({ sourceUrl: withPassword });
    const asOps = await t.app.inject({ method: 'GET', url: `/cameras/${cameraId}`, headers: bearer(t.keys.ops) });
    expect(asOps.json().sourceUrl).toBe(withPassword);
    const asOfficer = await t.app.inject({
      method: 'GET',
      url: `/cameras/${cameraId}`,
      headers: bearer(t.keys.officer),
    });
    expect(asOfficer.json().sourceUrl).toBe('rtsp://admin:***@10.0.0.9:554/stream1');
    const listed = await t.app.inject({ method: 'GET', url: '/cameras', headers: bearer(t.keys.officer) });
    expect(listed.body).not.toContain('hunter2');
    const audit = await t.prisma.auditLog.findMany({ where: { entityType: 'camera', entityId: cameraId } });
    expect(JSON.stringify(audit.map((a) => a.details))).not.toContain('hunter2');
  });

  it('refuses a frame size no video has (it overflowed the database: a 500)', async () => {
    const before = await dbFingerprint(t.prisma);
    const huge = await t.app.inject({
      method: 'PATCH',
      url: `/cameras/${cameraId}`,
      headers: bearer(t.keys.ops),
      payload: { frameWidth: 2 ** 31 },
    });
    expect(expectProblem(huge, 400).errors!.map((e) => e.pointer)).toEqual(['/frameWidth']);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('rejects wrong types, unknown fields, bad time zones and duplicate names without storing anything', async () => {
    const before = await dbFingerprint(t.prisma);
    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.ops),
      payload: { name: 42, enabled: 'yes' },
    });
    const errs = expectProblem(wrongType, 400).errors!;
    expect(errs.map((e) => e.pointer).sort()).toEqual(['/enabled', '/name']);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.ops),
      payload: { name: 'x', id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(expectProblem(unknown, 400).errors).toEqual([
      { in: 'body', pointer: '/id', detail: 'unknown field "id"', code: 'unrecognized_keys' },
    ]);
    const tz = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.ops),
      payload: { name: 'tz', timezone: 'Mars/Olympus' },
    });
    expect(expectProblem(tz, 400).errors![0]!.pointer).toBe('/timezone');
    const patchUnknown = await t.app.inject({
      method: 'PATCH',
      url: `/cameras/${cameraId}`,
      headers: bearer(t.keys.ops),
      payload: { version: 3 },
    });
    expectProblem(patchUnknown, 400);
    const dup = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.ops),
      payload: { name: `Mapo-gu sidewalk ${process.pid}` },
    });
    expect(expectProblem(dup, 409).type).toBe('/problems/conflict');
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('answers unknown camera ids with 404', async () => {
    const before = await dbFingerprint(t.prisma);
    const missing = '7d1e9a52-52c9-4d55-9d0b-3a0b9e3b6f10';
    expectProblem(await t.app.inject({ method: 'GET', url: `/cameras/${missing}`, headers: bearer(t.keys.ops) }), 404);
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/cameras/${missing}`,
        headers: bearer(t.keys.ops),
        payload: { enabled: true },
      }),
      404,
    );
    expectProblem(
      await t.app.inject({ method: 'DELETE', url: `/cameras/${missing}`, headers: bearer(t.keys.ops) }),
      404,
    );
    expectProblem(
      await t.app.inject({ method: 'GET', url: `/cameras/${missing}/zones`, headers: bearer(t.keys.ops) }),
      404,
    );
    expectProblem(
      await t.app.inject({
        method: 'POST',
        url: `/cameras/${missing}/zones`,
        headers: bearer(t.keys.ops),
        payload: { name: 'z', kind: 'park', polygon: square },
      }),
      404,
    );
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });
});

describe('settings defaults', () => {
  it('serves the defaults a camera and its sign left unset were given, to any signed-in role', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/config/defaults', headers: bearer(t.keys.officer) });
    expect(res.statusCode, res.body).toBe(200);
    const defaults = res.json();
    expect(defaults).toEqual({
      camera: { timezone: 'Asia/Seoul', enabled: true, plateFormat: 'kr' },
      zoneRules: {
        minDwellSeconds: 1,
        minDisplacement: 0.03,
        directionToleranceDeg: 60,
        classes: ['motorcycle'],
        requireRider: true,
      },
      sign: { displaySeconds: 10, speak: true },
    });

    const other = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.ops),
      payload: { name: `defaults ${process.pid}` },
    });
    expect(other.statusCode, other.body).toBe(201);
    expect(other.json()).toMatchObject(defaults.camera);
    const sign = await t.app.inject({
      method: 'GET',
      url: `/cameras/${other.json().id}/sign`,
      headers: bearer(t.keys.ops),
    });
    expect(sign.json()).toMatchObject(defaults.sign);

    expect((await t.app.inject({ method: 'GET', url: '/config/defaults' })).statusCode).toBe(401);
  });
});

describe('zones', () => {
  it('creates, lists, updates and deletes a zone, auditing each change', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: zoneUrl(),
      headers: bearer(t.keys.ops),
      payload: {
        name: 'sidewalk east',
        kind: 'sidewalk',
        polygon: square,
        schedule: [{ days: [1, 2, 3, 4, 5], start: '07:00', end: '20:00' }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const zone = created.json();
    expect(zone).toMatchObject({
      cameraId,
      kind: 'sidewalk',
      polygon: square,
      minDwellSeconds: 1,
      minDisplacement: 0.03,
      allowedDirectionDeg: null,
      directionToleranceDeg: 60,
      classes: ['motorcycle'],
      requireRider: true,
    });

    const list = await t.app.inject({ method: 'GET', url: zoneUrl(), headers: bearer(t.keys.officer) });
    expect(list.json().items).toHaveLength(1);

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/zones/${zone.id}`,
      headers: bearer(t.keys.ops),
      payload: { minDwellSeconds: 2.5, schedule: null },
    });
    expect(patched.json()).toMatchObject({
      minDwellSeconds: 2.5,
      minDisplacement: 0.03,
      schedule: null,
      polygon: square,
    });

    const rules = {
      allowedDirectionDeg: 90,
      directionToleranceDeg: 45,
      classes: ['motorcycle', 'car'],
      requireRider: false,
    };
    const ruled = await t.app.inject({
      method: 'PATCH',
      url: `/zones/${zone.id}`,
      headers: bearer(t.keys.ops),
      payload: rules,
    });
    expect(ruled.json()).toMatchObject(rules);
    const bicycles = await t.app.inject({
      method: 'PATCH',
      url: `/zones/${zone.id}`,
      headers: bearer(t.keys.ops),
      payload: { classes: ['bicycle'] },
    });
    expectProblem(bicycles, 400);

    expect(
      (await t.app.inject({ method: 'DELETE', url: `/zones/${zone.id}`, headers: bearer(t.keys.ops) })).statusCode,
    ).toBe(204);
    expectProblem(await t.app.inject({ method: 'GET', url: `/zones/${zone.id}`, headers: bearer(t.keys.ops) }), 404);
    const audit = await t.prisma.auditLog.findMany({
      where: { entityType: 'zone', entityId: zone.id },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['zone.create', 'zone.update', 'zone.update', 'zone.delete']);
    expect(audit[3]!.details).toMatchObject({ name: 'sidewalk east', polygon: square });
  });

  const badPolygons: [string, unknown, RegExp][] = [
    [
      'too few points',
      [
        [0.1, 0.1],
        [0.5, 0.5],
      ],
      /at least 3 points/,
    ],
    [
      'an x above 1',
      [
        [0.1, 0.1],
        [1.5, 0.1],
        [0.5, 0.9],
      ],
      /outside 0\.\.1/,
    ],
    [
      'a negative y',
      [
        [0.1, -0.2],
        [0.9, 0.1],
        [0.5, 0.9],
      ],
      /outside 0\.\.1/,
    ],
    [
      'a self-crossing bow tie',
      [
        [0.1, 0.1],
        [0.9, 0.9],
        [0.9, 0.1],
        [0.1, 0.9],
      ],
      /self-intersecting/,
    ],
    [
      '"NaN" as a string',
      [
        [0.1, 0.1],
        ['NaN', 0.1],
        [0.5, 0.9],
      ],
      /number/,
    ],
    [
      'null where NaN would serialise',
      [
        [0.1, 0.1],
        [null, 0.1],
        [0.5, 0.9],
      ],
      /number/,
    ],
    [
      'a point with three numbers',
      [
        [0.1, 0.1, 0.3],
        [0.9, 0.1],
        [0.5, 0.9],
      ],
      /./,
    ],
    ['not an array', 'POLYGON((0 0, 1 0, 1 1))', /array/],
  ];
  it.each(badPolygons)('rejects a polygon with %s (400, nothing stored)', async (_name, polygon, message) => {
    const before = await dbFingerprint(t.prisma);
    const res = await t.app.inject({
      method: 'POST',
      url: zoneUrl(),
      headers: bearer(t.keys.ops),
      payload: { name: 'bad', kind: 'sidewalk', polygon },
    });
    const problem = expectProblem(res, 400);
    expect(
      problem.errors!.some((e) => e.pointer.startsWith('/polygon') && message.test(e.detail)),
      JSON.stringify(problem.errors),
    ).toBe(true);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('answers a NUL character anywhere in the input with 400, naming where, and stores nothing', async () => {
    const before = await dbFingerprint(t.prisma);
    const inBody = await t.app.inject({
      method: 'POST',
      url: zoneUrl(),
      headers: bearer(t.keys.ops),
      payload: { name: 'nul\u0000zone', kind: 'park', polygon: square },
    });
    expect(expectProblem(inBody, 400).errors).toEqual([
      { in: 'body', pointer: '/name', detail: 'contains a NUL character' },
    ]);
    const inQuery = await t.app.inject({
      method: 'GET',
      url: '/violations?plate=12%00',
      headers: bearer(t.keys.officer),
    });
    expect(expectProblem(inQuery, 400).errors![0]).toMatchObject({ in: 'querystring' });
    // year 0000 parses as a date, but Postgres refuses it: a 400 here, not a 500 there
    const yearZero = await t.app.inject({
      method: 'GET',
      url: '/violations?from=0000-01-01T00:00:00Z',
      headers: bearer(t.keys.officer),
    });
    expect(expectProblem(yearZero, 400).errors!.map((e) => e.pointer)).toEqual(['/from']);
    // a polygon of 6,000 identical points is refused at once, without exhausting the server
    const flood = await t.app.inject({
      method: 'POST',
      url: zoneUrl(),
      headers: bearer(t.keys.ops),
      payload: { name: 'flood', kind: 'park', polygon: Array.from({ length: 6000 }, () => [0.5, 0.5]) },
    });
    expect(expectProblem(flood, 400).errors!.map((e) => e.detail)).toEqual([
      'polygon has 6000 points; a zone may have at most 256',
    ]);
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('rejects a raw NaN token as malformed JSON', async () => {
    const before = await dbFingerprint(t.prisma);
    const res = await t.app.inject({
      method: 'POST',
      url: zoneUrl(),
      headers: { ...bearer(t.keys.ops), 'content-type': 'application/json' },
      payload: '{"name":"nan","kind":"park","polygon":[[0.1,0.1],[NaN,0.2],[0.5,0.9]]}',
    });
    expect(expectProblem(res, 400).type).toBe('/problems/malformed-json');
    expect(await dbFingerprint(t.prisma)).toBe(before);
  });

  it('leaves a stored zone untouched when an update is invalid', async () => {
    const zone = (
      await t.app.inject({
        method: 'POST',
        url: zoneUrl(),
        headers: bearer(t.keys.ops),
        payload: { name: 'keep me', kind: 'park', polygon: square },
      })
    ).json();
    const before = await dbFingerprint(t.prisma);
    const crossing = [
      [0.1, 0.1],
      [0.9, 0.9],
      [0.9, 0.1],
      [0.1, 0.9],
    ];
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/zones/${zone.id}`,
        headers: bearer(t.keys.ops),
        payload: { polygon: crossing },
      }),
      400,
    );
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/zones/${zone.id}`,
        headers: bearer(t.keys.ops),
        payload: { kind: 'highway' },
      }),
      400,
    );
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/zones/${zone.id}`,
        headers: bearer(t.keys.ops),
        payload: { cameraId },
      }),
      400,
    );
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/zones/${zone.id}`,
        headers: bearer(t.keys.ops),
        payload: { schedule: [{ days: [8], start: '25:00', end: '07:00' }] },
      }),
      400,
    );
    expectProblem(
      await t.app.inject({
        method: 'PATCH',
        url: `/zones/${zone.id}`,
        headers: bearer(t.keys.officer),
        payload: { name: 'officer edit' },
      }),
      403,
    );
    expect(await dbFingerprint(t.prisma)).toBe(before);
    const stored = await t.prisma.zone.findUniqueOrThrow({ where: { id: zone.id } });
    expect(stored).toMatchObject({ name: 'keep me', kind: 'park', polygon: square });
  });

  it('deletes a camera without footage together with its zones', async () => {
    const cam = (
      await t.app.inject({
        method: 'POST',
        url: '/cameras',
        headers: bearer(t.keys.ops),
        payload: { name: `temp ${process.pid}` },
      })
    ).json();
    await t.app.inject({
      method: 'POST',
      url: `/cameras/${cam.id}/zones`,
      headers: bearer(t.keys.ops),
      payload: { name: 'z', kind: 'crosswalk', polygon: square },
    });
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/cameras/${cam.id}`, headers: bearer(t.keys.ops) })).statusCode,
    ).toBe(204);
    expect(await t.prisma.zone.count({ where: { cameraId: cam.id } })).toBe(0);
    const audit = await t.prisma.auditLog.findFirstOrThrow({
      where: { entityType: 'camera', entityId: cam.id, action: 'camera.delete' },
    });
    expect(audit.details).toMatchObject({ zonesDeleted: 1 });
  });
});
