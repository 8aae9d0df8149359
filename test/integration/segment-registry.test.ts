import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';
import { createPrisma } from '../../src/db/client.js';
import { segmentStatus } from '../../src/db/segments.js';
import { registerSegment } from '../../src/queue/segment-registry.js';
import { CAMERA_DEFAULTS } from '../../src/core/camera-config.js';

const CLIP = path.resolve(projectRoot, '..', 'shared', 'footage', 'rishii_test.mp4');

describe('registerSegment, the one way a file becomes a segment', () => {
  const prisma = createPrisma(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL!);
  let tmp: string;
  let cameraId: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'motoguard-registry-'));
    cameraId = (
      await prisma.camera.create({ data: { name: `registry ${process.pid} ${Date.now()}`, ...CAMERA_DEFAULTS } })
    ).id;
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
    await prisma.$disconnect();
  });

  const input = (file: string) => ({
    cameraId,
    file,
    startTime: new Date('2026-12-01T09:00:00Z'),
    startTimeSource: 'explicit' as const,
    durationSec: 2.9,
    actor: 'test',
  });

  it('records a pending row with the file URI and the sha256 of its bytes, and audits it', async () => {
    const file = path.join(tmp, 'a.mp4');
    await copyFile(CLIP, file);
    const first = await registerSegment(prisma, input(file));
    expect(first.created).toBe(true);
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.segment).toMatchObject({
      cameraId,
      status: 'pending',
      sha256: first.sha256,
      fileUri: pathToFileURL(file).href,
    });
    const audit = await prisma.auditLog.findFirst({
      where: { entityId: first.segment.id, action: 'segment.register' },
    });
    expect(audit).not.toBeNull();
  });

  it('gives back the row already there for the same bytes under another name', async () => {
    const file = path.join(tmp, 'b.mp4');
    await copyFile(CLIP, file);
    const again = await registerSegment(prisma, input(file));
    expect(again.created).toBe(false);
    const rows = await prisma.segment.findMany({ where: { cameraId, sha256: again.sha256 } });
    expect(rows.map((r) => r.id)).toEqual([again.segment.id]);
  });

  it('records nothing for an empty file when asked to skip it, and records it otherwise', async () => {
    const empty = path.join(tmp, 'empty.mp4');
    await writeFile(empty, '');
    expect(await registerSegment(prisma, input(empty), { skipEmpty: true })).toBeNull();
    expect(await prisma.segment.count({ where: { cameraId, fileUri: pathToFileURL(empty).href } })).toBe(0);
    expect((await registerSegment(prisma, input(empty))).created).toBe(true);
  });

  it('moves a segment through its named status transitions, and no further back than they allow', async () => {
    const file = path.join(tmp, 'lifecycle.mp4');
    await writeFile(file, 'not a video, only bytes to hash');
    const { segment } = await registerSegment(prisma, input(file));
    const status = async () => (await prisma.segment.findUniqueOrThrow({ where: { id: segment.id } })).status;
    expect(await status()).toBe('pending');
    await segmentStatus.queued(prisma, segment.id);
    await segmentStatus.processing(prisma, segment.id);
    // queued only moves a pending row: a late enqueue does not pull a running segment back
    await segmentStatus.queued(prisma, segment.id);
    expect(await status()).toBe('processing');
    await segmentStatus.attemptFailed(prisma, segment.id, { retrying: true });
    expect(await status()).toBe('queued');
    await segmentStatus.attemptFailed(prisma, segment.id, { retrying: false, reason: 'analysis failed 3 times: boom' });
    expect(await prisma.segment.findUniqueOrThrow({ where: { id: segment.id } })).toMatchObject({
      status: 'failed',
      error: 'analysis failed 3 times: boom',
    });
    await segmentStatus.done(prisma, segment.id);
    await segmentStatus.attemptFailed(prisma, segment.id, { retrying: false, reason: 'a stale failure' });
    expect(await prisma.segment.findUniqueOrThrow({ where: { id: segment.id } })).toMatchObject({
      status: 'done',
      error: null,
    });
  });
});
