import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createPrisma, type PrismaClient } from '../../src/db/client.js';
import { createRedisConnection } from '../../src/queue/connection.js';
import { createQueue } from '../../src/queue/queues.js';
import { FOOTAGE } from './api-helpers.js';
import { cutClip } from './live-helpers.js';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/reprocess.ts');
const config = loadConfig();
const prefix = `mgtest-reprocess-${process.pid}`;
let tmp: string;
let folder: string;
let cameraFile: string;
let prisma: PrismaClient;
const cameraName = `reprocess-${Date.now()}`;

function reprocess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env: { ...process.env, EVIDENCE_ROOT: path.join(tmp, 'evidence'), LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'motoguard-reprocess-'));
  folder = path.join(tmp, 'clips');
  await mkdir(folder);
  await cutClip(path.join(FOOTAGE, 'thanglm_traffic.mp4'), path.join(folder, 'a.mp4'), 2, 2);
  cameraFile = path.join(tmp, 'camera.json');
  await writeFile(
    cameraFile,
    JSON.stringify({
      name: cameraName,
      timezone: 'Asia/Ho_Chi_Minh',
      zones: [
        {
          name: 'lanes',
          kind: 'restricted_road',
          polygon: [
            [0.55, 0.15],
            [1, 0.15],
            [1, 1],
            [0.55, 1],
          ],
        },
      ],
    }),
  );
  prisma = createPrisma(config.DATABASE_URL);
});

afterAll(async () => {
  const redis = createRedisConnection(config.REDIS_URL, 'producer');
  const queue = createQueue('analyze', { connection: redis, prefix });
  await queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await prisma?.$disconnect();
  await rm(tmp, { recursive: true, force: true });
});

describe('npm run reprocess', () => {
  it('explains itself, including the in-process worker', async () => {
    const { code, stdout } = await reprocess(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--camera <file\.json\|camera id>/);
    expect(stdout).toMatch(/no analysis worker is connected .* runs\s+inside this process/s);
  });

  it('analyses a folder as a batch with a worker of its own, and a second run is a no-op', async () => {
    const first = await reprocess([folder, '--camera', cameraFile, '--queue-prefix', prefix]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/analysing in this process/);
    const summary = JSON.parse(first.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ type: 'batch', status: 'completed', total: 1, done: 1, failed: 0 });
    const camera = await prisma.camera.findUniqueOrThrow({ where: { name: cameraName } });
    expect(await prisma.analysisRun.count({ where: { segment: { cameraId: camera.id } } })).toBe(1);
    const batch = await prisma.batch.findUniqueOrThrow({ where: { id: summary.id }, include: { items: true } });
    expect(batch.items.map((i) => i.status)).toEqual(['done']);

    const second = await reprocess([folder, '--camera', camera.id, '--queue-prefix', prefix]);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout.trim().split('\n').at(-1)!)).toMatchObject({ status: 'completed', done: 1 });
    expect(await prisma.analysisRun.count({ where: { segment: { cameraId: camera.id } } })).toBe(1);
  }, 300_000);

  it('names the problem with a bad camera file', async () => {
    const bad = path.join(tmp, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        name: 'x',
        zones: [
          {
            name: 'z',
            kind: 'moon',
            polygon: [
              [0, 0],
              [1, 0],
            ],
          },
        ],
      }),
    );
    const { code, stderr } = await reprocess([folder, '--camera', bad, '--queue-prefix', prefix]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/bad\.json is invalid/);
  });
});
