import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';
import { createPrisma } from '../../src/db/client.js';
import { registerSegment } from '../../src/queue/segment-registry.js';

const CLIP = path.resolve(projectRoot, '..', 'shared', 'footage', 'rishii_test.mp4');

describe('registerSegment, the one way a file becomes a segment', () => {
  const prisma = createPrisma(process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL!);
  let tmp: string;
  let cameraId: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'motoguard-registry-'));
    cameraId = (await prisma.camera.create({ data: { name: `registry ${process.pid} ${Date.now()}` } })).id;
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
    await prisma.$disconnect();
  });

  const input = (file: string) => ({
    cameraId,
    file,
    startTime: new Date('2026-12-01T09:00:00Z'),
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
});
