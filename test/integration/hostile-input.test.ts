import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../../src/db/api-keys.js';
import { migrate } from '../../src/db/migrate.js';
import { endSession, openSession } from '../../src/db/sessions.js';
import { createUser } from '../../src/db/users.js';
import { bearer, seedRun, seedViolation, startTestApi, type TestApi } from './api-helpers.js';

/*
 * Hostile input against every route the app has, generated from its OpenAPI document (so routes added later
 * are covered without touching this file): malformed ids and queries, bodies of the wrong type, shape or size,
 * control characters, out-of-range numbers and dates, broken JSON and multipart, wrong content types and
 * methods, and bad credentials. Every request is wrong in at least one way, so every answer must be a 4xx
 * problem, never a 5xx, and the database must be exactly as it was.
 */

interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  minLength?: number;
  maxLength?: number;
  items?: JsonSchema | JsonSchema[];
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  security?: Record<string, string[]>[];
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}

interface Probe {
  method: string;
  url: string;
  what: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
}

/** `officerSession`: a signed-in officer's session cookie with its CSRF token, as the console sends it */
type Credential = 'none' | 'officer' | 'ops' | 'admin' | 'officerSession';

const NIL = '00000000-0000-0000-0000-000000000000';
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPE = { 'content-type': 'application/json' };
/** Over JSON_BODY_LIMIT (1 MiB). */
const HUGE_BODY = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) });

let t: TestApi;
let doc: OpenApi;
/** Ids of seeded rows: bodies are thrown at real rows too, where one accepted by mistake would change them. */
let real: Record<'camera' | 'zone' | 'segment' | 'violation' | 'key' | 'user', string>;
let revokedKey: string;
let officerSession: { token: string; csrfToken: string };
let endedSessionToken: string;

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** Control characters no input may carry: the NUL, an escape sequence, a C1 code, a bell. */
const CONTROL_STRINGS = ['nul\u0000here', 'esc\u001b[31mred', 'c1\u0085next', 'bell\u0007'];

/** Values of a JSON property that break its schema, whatever the rest of the body. */
function invalidValues(schema: JsonSchema): unknown[] {
  const notNull = schema.nullable ? [] : [null];
  const type = schema.type ?? (schema.anyOf ?? schema.oneOf)?.[0]?.type;
  switch (type) {
    case 'string': {
      const out: unknown[] = [...notNull, 12345, true, [], { a: 1 }, ...CONTROL_STRINGS];
      if (schema.maxLength !== undefined) out.push('x'.repeat(Math.max(schema.maxLength + 1, 100_000)));
      if (schema.enum) out.push('NOT_A_VALUE', '');
      if (schema.format === 'uuid') out.push('not-a-uuid', '../../etc/passwd', `${NIL.slice(0, -1)}g`);
      if (schema.format === 'date-time')
        out.push(
          '0000-01-01T00:00:00Z',
          '99999-01-01T00:00:00Z',
          '2026-02-30T00:00:00Z',
          '2026-01-01',
          'yesterday',
          'NaN',
          1_700_000_000_000,
        );
      if (schema.format === 'uri') out.push('javascript:alert(1)', 'not a url', 'file:///etc/passwd');
      return out;
    }
    case 'integer':
    case 'number':
      return [
        ...notNull,
        '12',
        'NaN',
        true,
        [1],
        { n: 1 },
        ...[-1, 0, 0.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308].filter((n) => !numberFits(schema, n)),
      ];
    case 'boolean':
      return [...notNull, 'true', 1, {}];
    case 'array': {
      const out: unknown[] = [...notNull, {}, 'x', 42, [null]];
      if (schema.maxItems !== undefined)
        out.push(Array.from({ length: schema.maxItems + 1 }, () => sample(itemOf(schema))));
      return out;
    }
    case 'object':
      return [...notNull, [], 'x', 42];
    default:
      return [...notNull, { unexpected: true }];
  }
}

function numberFits(schema: JsonSchema, n: number): boolean {
  if (schema.type === 'integer' && !Number.isSafeInteger(n)) return false;
  if (schema.minimum !== undefined && (schema.exclusiveMinimum === true ? n <= schema.minimum : n < schema.minimum))
    return false;
  if (typeof schema.exclusiveMinimum === 'number' && n <= schema.exclusiveMinimum) return false;
  if (schema.maximum !== undefined && (schema.exclusiveMaximum === true ? n >= schema.maximum : n > schema.maximum))
    return false;
  if (typeof schema.exclusiveMaximum === 'number' && n >= schema.exclusiveMaximum) return false;
  return true;
}

/** The same for a query parameter, where every value is a string and a number is its digits. */
function invalidQueryValues(schema: JsonSchema): string[] {
  if (schema.type === 'integer' || schema.type === 'number')
    return ['NaN', 'abc', '', '1e999', '-1e308', '9007199254740993', '2147483648', '-1', '0', '0.5'].filter((v) => {
      const n = Number(v);
      return Number.isNaN(n) || !numberFits(schema, n);
    });
  if (schema.type === 'boolean') return ['yes', '2', ''];
  return invalidValues(schema).filter((v): v is string => typeof v === 'string');
}

const itemOf = (schema: JsonSchema): JsonSchema => (Array.isArray(schema.items) ? schema.items[0] : schema.items) ?? {};

/** A plausible value for a schema: the body every mutation starts from, so that the mutation is its only fault. */
function sample(schema: JsonSchema): unknown {
  const alternative = schema.anyOf ?? schema.oneOf;
  if (alternative?.[0]) return sample(alternative[0]);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uuid') return NIL;
      if (schema.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (schema.format === 'uri') return 'https://example.com/hook';
      return 'x'.repeat(Math.max(schema.minLength ?? 1, 1));
    case 'integer':
    case 'number': {
      const low = schema.minimum ?? (typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : 0);
      const n = schema.exclusiveMinimum === true || typeof schema.exclusiveMinimum === 'number' ? low + 1 : low;
      return Math.min(n, schema.maximum ?? n);
    }
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, (_, i) =>
        sample(Array.isArray(schema.items) ? (schema.items[i] ?? {}) : (schema.items ?? {})),
      );
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((k) => [k, sample(schema.properties?.[k] ?? {})]));
    default:
      return null;
  }
}

/** The seeded row a path parameter can name, by the route's resource; the nil UUID (no row) otherwise. */
function realId(path: string, name: string): string {
  const resource = /^\/([\w-]+)/.exec(path)?.[1];
  if (name === 'cameraId' || resource === 'cameras') return real.camera;
  if (resource === 'zones') return real.zone;
  if (resource === 'segments') return real.segment;
  if (resource === 'violations') return real.violation;
  if (resource === 'keys') return real.key;
  if (resource === 'users') return real.user;
  return NIL;
}

const fill = (path: string, value: (name: string) => string) => path.replace(/\{(\w+)\}/g, (_, n: string) => value(n));

/** Every hostile request for one operation of the OpenAPI document. */
function probesFor(path: string, method: string, op: Operation): Probe[] {
  const probes: Probe[] = [];
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const bodySchema = op.requestBody?.content['application/json']?.schema;
  const base = bodySchema ? sample(bodySchema) : undefined;
  const baseBody = base === undefined ? {} : { headers: JSON_TYPE, payload: JSON.stringify(base) };
  const nilUrl = fill(path, () => NIL);
  const realUrl = fill(path, (n) => realId(path, n));

  // path parameters: malformed, traversal, control characters, numbers where a UUID belongs, overlong
  const segments = [
    'not-a-uuid',
    '..%2F..%2Fetc%2Fpasswd',
    '%00',
    '%1b%5b31m',
    '-1',
    '9007199254740993',
    'NaN',
    '%E0%A4%A',
    `${NIL.slice(0, -1)}g`,
    "'%20OR%201=1--",
    'x'.repeat(5000),
  ];
  for (const p of pathParams) {
    for (const segment of segments) {
      const url = fill(path, (n) => (n === p.name ? segment : NIL));
      probes.push({ method, url, what: `path ${p.name}=${segment.slice(0, 30)}`, ...baseBody });
    }
    if (method === 'GET')
      probes.push({ method: 'HEAD', url: fill(path, (n) => (n === p.name ? 'not-a-uuid' : NIL)), what: 'HEAD bad id' });
  }
  // an id of the right form that names nothing
  if (pathParams.length > 0) probes.push({ method, url: nilUrl, what: 'unknown id', ...baseBody });

  // query parameters: every invalid value of its schema, repeated, unknown, broken encoding
  for (const q of queryParams) {
    const values = invalidQueryValues(q.schema);
    if (q.name === 'cursor')
      values.push(
        'garbage',
        b64('[]'),
        b64(JSON.stringify(['0000-01-01T00:00:00Z', NIL])),
        b64(JSON.stringify(['2026-01-01T00:00:00Z', 'not-a-uuid'])),
        b64('{"__proto__":{"x":1}}'),
      );
    for (const v of values)
      probes.push({
        method,
        url: `${nilUrl}?${q.name}=${encodeURIComponent(String(v))}`,
        what: `query ${q.name}=${String(v).slice(0, 30)}`,
        ...baseBody,
      });
    probes.push({ method, url: `${nilUrl}?${q.name}=%E0%A4%A`, what: `query ${q.name} broken encoding`, ...baseBody });
    probes.push({ method, url: `${nilUrl}?${q.name}=1&${q.name}=2`, what: `query ${q.name} twice`, ...baseBody });
  }
  if (queryParams.length > 0)
    probes.push({ method, url: `${nilUrl}?unknownParam=1`, what: 'unknown query parameter', ...baseBody });
  // control characters in a query reach every route, whether it reads the query or not
  for (const query of ['a%00b=1', 'x=%1b%5b31m', 'x=%c2%85'])
    probes.push({ method, url: `${nilUrl}?${query}`, what: `query ${query}`, ...baseBody });

  if (!BODY_METHODS.has(method)) return probes;
  // Bodies refused before any handler runs, sent to real rows: a parser that let one through would change them.
  const raw = (what: string, payload: string | Buffer, contentType: string) =>
    probes.push({ method, url: realUrl, what, headers: { 'content-type': contentType }, payload });
  raw('malformed JSON', '{"name": ', 'application/json');
  raw('empty JSON body', '', 'application/json');
  raw('JSON over the body limit', HUGE_BODY, 'application/json');
  raw('__proto__ in JSON', '{"__proto__": {"polluted": true}}', 'application/json');
  raw('constructor.prototype in JSON', '{"constructor": {"prototype": {"polluted": true}}}', 'application/json');
  raw('text/plain', 'name=x', 'text/plain');
  raw('XML', '<camera><name>x</name></camera>', 'application/xml');
  raw('a form', 'name=x', 'application/x-www-form-urlencoded');
  raw('multipart without a boundary', '--x\r\n\r\n', 'multipart/form-data');
  raw(
    'multipart cut short',
    '--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\nabc',
    'multipart/form-data; boundary=b',
  );
  raw('multipart of garbage', 'garbage', 'multipart/form-data; boundary=b');
  if (!bodySchema) return probes;

  // Well-formed JSON of the wrong shape: only where a schema is there to refuse it.
  const json = (what: string, body: unknown) =>
    probes.push({ method, url: realUrl, what, headers: JSON_TYPE, payload: JSON.stringify(body) });
  for (const [what, body] of [
    ['null body', null],
    ['array body', [base]],
    ['string body', 'x'],
    ['number body', 2 ** 53],
    ['unknown field', { ...(base as object), unexpectedField: 1 }],
    ['ten thousand fields', Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, i]))],
  ] as const)
    json(what, body);
  if ((bodySchema.required ?? []).length > 0) json('empty object', {});
  for (const name of bodySchema.required ?? []) {
    const { [name]: _dropped, ...rest } = base as Record<string, unknown>;
    json(`without ${name}`, rest);
  }
  for (const [name, schema] of Object.entries(bodySchema.properties ?? {}))
    for (const value of invalidValues(schema))
      json(`${name}=${JSON.stringify(value)?.slice(0, 30)}`, { ...(base as object), [name]: value });
  raw('deeply nested JSON', '['.repeat(100_000) + ']'.repeat(100_000), 'application/json');
  // invalid UTF-8 decodes to U+FFFD inside a string of the wrong shape
  raw('invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 'application/json');
  return probes;
}

/** Row count and content hash of every table: equal before and after means the requests changed nothing. */
async function fingerprint(): Promise<Record<string, string>> {
  const tables = await t.prisma.$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
    ORDER BY table_name`;
  const out: Record<string, string> = {};
  for (const { table_name: table } of tables) {
    const quoted = `"${table.replaceAll('"', '""')}"`;
    // a session's last-seen time moves as the session is used: that is no change a request made
    const rowText = table === 'user_sessions' ? `(to_jsonb(r) - 'last_seen_at')::text` : 'r::text';
    const [row] = await t.prisma.$queryRawUnsafe<{ n: number; rows: string | null }[]>(
      `SELECT count(*)::int AS n, string_agg(${rowText}, E'\\n' ORDER BY ${rowText}) AS rows FROM ${quoted} r`,
    );
    out[table] = `${row?.n ?? 0} rows, ${createHash('sha256')
      .update(row?.rows ?? '')
      .digest('hex')}`;
  }
  return out;
}

const isProblem = (res: LightMyRequestResponse) =>
  /^application\/problem\+json/.test(String(res.headers['content-type']));

/**
 * This file's own database: the run's shared one changes under other test files running at the same time,
 * which would read as a change made by a hostile request. Named like the run's databases, so a killed run's
 * copy is dropped with them (test/global-setup.ts).
 */
const ownDatabase = new URL(process.env.DATABASE_URL!);
ownDatabase.pathname = `/motoguard_test_run_${Math.floor(Date.now() / 1000)}_${process.pid}_hostile`;
const asAdmin = async (sql: string) => {
  const url = new URL(ownDatabase);
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
};
const ownName = () => pg.escapeIdentifier(decodeURIComponent(ownDatabase.pathname.slice(1)));

beforeAll(async () => {
  await asAdmin(`CREATE DATABASE ${ownName()}`);
  await migrate(ownDatabase.toString());
  t = await startTestApi({ DATABASE_URL: ownDatabase.toString() });
  const { camera, zone, segment, run } = await seedRun(t.prisma, `hostile ${process.pid}`);
  const violation = await seedViolation(
    t.prisma,
    { cameraId: camera.id, runId: run.id, zoneId: zone.id },
    { startTime: new Date('2026-11-23T01:00:00Z') },
  );
  const spare = await createApiKey(t.prisma, { role: 'officer', label: 'spare', actor: 'test' });
  const revoked = await createApiKey(t.prisma, { role: 'admin', label: 'revoked', actor: 'test' });
  await revokeApiKey(t.prisma, { id: revoked.id, actor: 'test' });
  revokedKey = revoked.secret;
  const policy = { idleMs: 3_600_000, maxMs: 3_600_000 };
  const officer = await createUser(t.prisma, {
    username: `hostile-officer-${process.pid}`,
    displayName: 'hostile officer',
    password: 'a password of the officer',
    role: 'officer',
    actor: 'test',
  });
  const opened = await openSession(t.prisma, officer.id, policy);
  officerSession = { token: opened.token, csrfToken: opened.session.csrfToken };
  const ended = await openSession(t.prisma, officer.id, policy);
  await endSession(t.prisma, { id: ended.session.id, userId: officer.id });
  endedSessionToken = ended.token;
  real = {
    camera: camera.id,
    zone: zone.id,
    segment: segment.id,
    violation: violation.id,
    key: spare.id,
    user: officer.id,
  };
  const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  doc = res.json<OpenApi>();
});
afterAll(async () => {
  await t?.close();
  await asAdmin(`DROP DATABASE IF EXISTS ${ownName()} WITH (FORCE)`);
});

describe('hostile input on every route', () => {
  it('answers every hostile request with a 4xx problem and changes nothing in the database', async () => {
    const before = await fingerprint();
    const credentials: Record<Credential, Record<string, string>> = {
      none: {},
      officer: bearer(t.keys.officer),
      ops: bearer(t.keys.ops),
      admin: bearer(t.keys.admin),
      officerSession: { cookie: `mg_session=${officerSession.token}`, 'x-csrf-token': officerSession.csrfToken },
    };
    const rotation: Credential[] = ['none', 'officer', 'ops', 'officerSession'];
    const failures: string[] = [];
    const perOperation = new Map<string, number>();
    const send = async (probe: Probe, credential: Credential | 'public', extraHeaders: Record<string, string> = {}) => {
      const headers = {
        ...(credential === 'public' ? {} : credentials[credential]),
        ...probe.headers,
        ...extraHeaders,
      };
      const res = await t.app.inject({
        method: probe.method as 'GET',
        url: probe.url,
        headers,
        ...(probe.payload === undefined ? {} : { payload: probe.payload }),
      });
      const publicRoute = credential === 'public';
      const ok = publicRoute
        ? res.statusCode < 500
        : res.statusCode >= 400 && res.statusCode < 500 && (probe.method === 'HEAD' || isProblem(res));
      if (!ok)
        failures.push(
          `${probe.method} ${probe.url.slice(0, 120)} [${credential}] ${probe.what}: ${res.statusCode} ${res.body.slice(0, 200)}`,
        );
      return res;
    };

    let sent = 0;
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
    );
    for (const { path, method, op } of operations) {
      const key = `${method} ${path}`;
      const secured = (op.security ?? []).length > 0;
      for (const [i, probe] of probesFor(path, method, op).entries()) {
        // admin passes every role check, so the probe reaches validation and the handler; the rotating
        // second credential meets the auth checks (none: 401, a role the route refuses: 403)
        const kinds: (Credential | 'public')[] = secured ? ['admin', rotation[i % rotation.length]!] : ['public'];
        for (const credential of kinds) await send(probe, credential);
        sent += kinds.length;
        perOperation.set(key, (perOperation.get(key) ?? 0) + kinds.length);
      }
      if (!secured) continue;
      // broken credentials, on an id that names nothing
      const url = fill(path, () => NIL);
      for (const authorization of [
        'Bearer',
        'Bearer ',
        'Basic dXNlcjpwYXNzd29yZA==',
        `Bearer ${'A'.repeat(8000)}`,
        `Bearer mg_${'0'.repeat(43)}`,
        `Bearer ${revokedKey}`,
        `Bearer ${t.keys.admin} ${t.keys.admin}`,
      ]) {
        await send({ method, url, what: `authorization ${authorization.slice(0, 20)}` }, 'none', { authorization });
        sent += 1;
      }
      // broken session cookies; on a request that changes something, a live session without its CSRF token
      const cookies = [
        'mg_session=garbage',
        'mg_session=',
        'mg_session',
        'mg_session=%zz%00',
        `mg_session=${'A'.repeat(8000)}`,
        `mg_session=${endedSessionToken}`,
        ...(BODY_METHODS.has(method)
          ? [`mg_session=${officerSession.token}`, `mg_session=${officerSession.token}; x-csrf-token=forged`]
          : []),
      ];
      for (const cookie of cookies) {
        await send({ method, url, what: `cookie ${cookie.slice(0, 24)}` }, 'none', { cookie });
        sent += 1;
      }
      perOperation.set(key, (perOperation.get(key) ?? 0) + 7 + cookies.length);
    }

    // methods no route takes, on every path
    for (const path of Object.keys(doc.paths)) {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter(
        (m) => !doc.paths[path]![m.toLowerCase()],
      )) {
        await send(
          { method, url: fill(path, () => NIL), what: 'method not allowed', headers: JSON_TYPE, payload: '{}' },
          'admin',
        );
        sent += 1;
      }
    }

    // public routes outside the document: traversal out of the console and the docs, junk queries
    for (const url of [
      '/console/..%2f..%2fpackage.json',
      '/console/%2e%2e/%2e%2e/package.json',
      '/assets/..%2f..%2f..%2fpackage.json',
      '/docs/static/..%2f..%2f..%2fpackage.json',
      '/healthz?%00=%00',
      '/readyz?x=%E0%A4%A',
      '/metrics?name[]=1&name[$ne]=2',
      '/openapi.json?%1b=%1b',
      `/${'x'.repeat(10_000)}`,
      '/%00',
      '//cameras',
    ]) {
      const res = await send({ method: 'GET', url, what: 'public' }, 'public');
      expect(res.body, url).not.toMatch(/"postinstall"/);
      sent += 1;
    }

    expect(failures, failures.join('\n')).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(250);
    // every operation of the document got its share
    for (const { path, method } of operations)
      expect(perOperation.get(`${method} ${path}`), `${method} ${path}`).toBeGreaterThanOrEqual(3);
    expect(await fingerprint()).toEqual(before);

    // and the server is still there, answering real requests
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const cameras = await t.app.inject({ method: 'GET', url: '/cameras', headers: bearer(t.keys.ops) });
    expect(cameras.statusCode).toBe(200);
    expect(cameras.json().items.map((c: { id: string }) => c.id)).toContain(real.camera);
  }, 120_000);
});

describe('control characters in stored text', () => {
  const square = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ];
  // where a stored name, label, URL or version would carry them (a webhook's URL is parsed, which drops them): [method, url, body, field, key]
  const fields = (): [string, string, Record<string, unknown>, string, keyof TestApi['keys']][] => [
    ['POST', '/cameras', { name: 'X' }, 'name', 'ops'],
    ['PATCH', `/cameras/${real.camera}`, {}, 'name', 'ops'],
    ['PATCH', `/cameras/${real.camera}`, {}, 'sourceUrl', 'ops'],
    ['PATCH', `/cameras/${real.camera}`, {}, 'address', 'ops'],
    ['POST', `/cameras/${real.camera}/zones`, { name: 'X', kind: 'park', polygon: square }, 'name', 'ops'],
    ['PATCH', `/zones/${real.zone}`, {}, 'name', 'ops'],
    ['POST', '/keys', { role: 'officer', label: 'X' }, 'label', 'admin'],
    ['POST', '/alerts/webhooks', { url: 'https://example.com/hook', label: 'X' }, 'label', 'ops'],
    ['POST', '/batches', { cameraId: real.camera, folder: '.' }, 'pipelineVersion', 'ops'],
    ['POST', `/cameras/${real.camera}/sign/tokens`, { label: 'X' }, 'label', 'ops'],
    ['POST', '/users', { username: 'x1', password: 'ten chars!', role: 'officer' }, 'displayName', 'admin'],
    ['POST', '/auth/login', { password: 'any' }, 'username', 'admin'],
  ];
  const controls = [
    'line\nbreak',
    'carriage\rreturn',
    'tab\there',
    'line\u2028separator',
    'bell\u0007',
    'c1\u009bcontrol',
  ];

  it("refuses them in names, labels, a camera's source URL and a batch's version with a 400 naming the field", async () => {
    const before = await fingerprint();
    for (const [method, url, body, field, key] of fields()) {
      for (const control of controls) {
        const value = `name ${control}`;
        const res = await t.app.inject({
          method: method as 'POST',
          url,
          headers: bearer(t.keys[key]),
          payload: { ...body, [field]: value },
        });
        expect(res.statusCode, `${method} ${url} ${field}=${JSON.stringify(value)}: ${res.body}`).toBe(400);
        expect(res.json().errors, `${method} ${url} ${field}`).toContainEqual(
          expect.objectContaining({ pointer: `/${field}` }),
        );
      }
    }
    expect(await fingerprint()).toEqual(before);
  });

  it('takes any other text: Hangul, punctuation, emoji, and spaces trimmed at the ends', async () => {
    const name = '  강남역 3번 출구 / “north” 🚦  ';
    const res = await t.app.inject({
      method: 'POST',
      url: '/cameras',
      headers: bearer(t.keys.ops),
      payload: { name },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().name).toBe(name.trim());
  });
});

describe('detector view of a segment whose footage is gone', () => {
  it('answers a 422 problem on the trace, the clip and the frame, never a 5xx', async () => {
    for (const url of [
      `/segments/${real.segment}/detector-view`,
      `/segments/${real.segment}/detector-view/clip`,
      `/segments/${real.segment}/frame?t=0`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(t.keys.ops) });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(422);
      expect(res.json().type).toBe('/problems/footage-missing');
    }
  });
});
