import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { ALL_BACKGROUND } from '../../src/api/runtime.js';
import { loadConfig } from '../../src/config.js';
import { createApiKey } from '../../src/db/api-keys.js';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createQueue, type AnalyzeSegmentQueue } from '../../src/queue/queues.js';
import { CAMERA_DEFAULTS, ZONE_RULE_DEFAULTS } from '../../src/core/camera-config.js';

export const FOOTAGE = path.resolve(import.meta.dirname, '../../../shared/footage');

export interface TestApi {
  app: FastifyInstance;
  prisma: PrismaClient;
  queue: AnalyzeSegmentQueue;
  deps: ApiDeps;
  /** temp folders standing in for FOOTAGE_ROOT and EVIDENCE_ROOT */
  footageRoot: string;
  evidenceRoot: string;
  keys: { officer: string; officer2: string; ops: string; admin: string };
  keyIds: { officer: string; officer2: string; ops: string; admin: string };
  close(): Promise<void>;
}

/**
 * A real app on the real Postgres and Redis. The queue gets a prefix of its own so no other
 * process's worker picks up the jobs these tests enqueue.
 */
export async function startTestApi(
  env: Record<string, string> = {},
  opts: { logger?: ApiDeps['logger'] } = {},
): Promise<TestApi> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'motoguard-api-'));
  const footageRoot = path.join(tmp, 'footage');
  const evidenceRoot = path.join(tmp, 'evidence');
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL,
    FOOTAGE_ROOT: footageRoot,
    EVIDENCE_ROOT: evidenceRoot,
    ...env,
  });
  const prisma = createPrisma(config.DATABASE_URL);
  const redis = createRedisConnection(config.REDIS_URL, 'producer');
  const queue = createQueue('analyze', { connection: redis, prefix: `mgtest-api-${process.pid}-${Date.now()}` });
  const deps: ApiDeps = { prisma, queue, config, logger: opts.logger ?? createLogger('silent') };
  const app = await buildApp(deps, ALL_BACKGROUND);
  await app.ready();

  const made = {} as Record<keyof TestApi['keys'], { secret: string; id: string }>;
  for (const [name, role] of [
    ['officer', 'officer'],
    ['officer2', 'officer'],
    ['ops', 'ops'],
    ['admin', 'admin'],
  ] as const) {
    const k = await createApiKey(prisma, { role, label: `test ${name} ${process.pid}`, actor: 'test' });
    made[name] = { secret: k.secret, id: k.id };
  }
  const { mkdir } = await import('node:fs/promises');
  await mkdir(footageRoot, { recursive: true });
  await mkdir(evidenceRoot, { recursive: true });

  return {
    app,
    prisma,
    queue,
    deps,
    footageRoot,
    evidenceRoot,
    keys: {
      officer: made.officer.secret,
      officer2: made.officer2.secret,
      ops: made.ops.secret,
      admin: made.admin.secret,
    },
    keyIds: { officer: made.officer.id, officer2: made.officer2.id, ops: made.ops.id, admin: made.admin.id },
    async close() {
      await app.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await redis.quit();
      await prisma.$disconnect();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** The response is an RFC 9457 problem with this status; returns its body. */
export function expectProblem(
  res: LightMyRequestResponse,
  status: number,
): Record<string, unknown> & { errors?: { in: string; pointer: string; detail: string }[] } {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({
    status,
    title: expect.any(String),
    type: expect.any(String),
    detail: expect.any(String),
  });
  expect(res.body).not.toMatch(/\n\s+at /);
  return body;
}

/**
 * Every table's row count plus the newest audit hash: equal before and after a refused request
 * means the request stored nothing and changed nothing that leaves an audit trail.
 */
export async function dbFingerprint(prisma: PrismaClient): Promise<string> {
  const [cameras, zones, segments, runs, violations, evidence, reviews, audit, keys, lastAudit] = await Promise.all([
    prisma.camera.count(),
    prisma.zone.count(),
    prisma.segment.count(),
    prisma.analysisRun.count(),
    prisma.violation.count(),
    prisma.evidenceFile.count(),
    prisma.reviewAction.count(),
    prisma.auditLog.count(),
    prisma.apiKey.count({ where: { revokedAt: null } }),
    prisma.auditLog.findFirst({ orderBy: { id: 'desc' }, select: { hash: true } }),
  ]);
  return JSON.stringify({
    cameras,
    zones,
    segments,
    runs,
    violations,
    evidence,
    reviews,
    audit,
    keys,
    last: lastAudit?.hash,
  });
}

/** A camera with one segment and one analysis run, to hang seeded violations on. */
export async function seedRun(prisma: PrismaClient, name: string) {
  const camera = await prisma.camera.create({ data: { name, ...CAMERA_DEFAULTS } });
  const zone = await prisma.zone.create({
    data: {
      cameraId: camera.id,
      name: 'sidewalk',
      kind: 'sidewalk',
      ...ZONE_RULE_DEFAULTS,
      classes: [...ZONE_RULE_DEFAULTS.classes],
      polygon: [
        [0, 0.5],
        [1, 0.5],
        [1, 1],
        [0, 1],
      ],
    },
  });
  const segment = await prisma.segment.create({
    data: {
      cameraId: camera.id,
      fileUri: `file:///seed/${name}.mp4`,
      sha256: createHash('sha256').update(name).digest('hex'),
      startTime: new Date('2026-11-23T00:00:00Z'),
      status: 'done',
    },
  });
  const run = await prisma.analysisRun.create({
    data: {
      segmentId: segment.id,
      pipelineVersion: 'seed',
      modelFingerprints: {},
      configHash: '0'.repeat(64),
      timings: {},
      startedAt: new Date(),
    },
  });
  return { camera, zone, segment, run };
}

export async function seedViolation(
  prisma: PrismaClient,
  at: { cameraId: string; runId: string; zoneId: string },
  v: { startTime: Date; plateText?: string | null; plateConfidence?: number | null; trackId?: number },
) {
  return prisma.violation.create({
    data: {
      runId: at.runId,
      cameraId: at.cameraId,
      zoneId: at.zoneId,
      zoneName: 'sidewalk',
      zoneKind: 'sidewalk',
      trackId: v.trackId ?? 1,
      startTime: v.startTime,
      endTime: new Date(v.startTime.getTime() + 3000),
      startSec: 1,
      endSec: 4,
      plateText: v.plateText === undefined ? '12가3456' : v.plateText,
      plateConfidence: v.plateConfidence === undefined ? 0.95 : v.plateConfidence,
      plateCandidates: [{ text: '12가3456', confidence: 0.95 }],
      plateType: 'kr-two-wheeler',
    },
  });
}
