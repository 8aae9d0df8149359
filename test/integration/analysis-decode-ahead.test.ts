import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAhead } from '../../src/analysis/decode-ahead.js';
import { projectRoot } from '../../src/config.js';
import { MediaError } from '../../src/media/errors.js';
import { streamFrames } from '../../src/media/frame-stream.js';

const execFileAsync = promisify(execFile);
const CLIP = path.resolve(projectRoot, '..', 'shared', 'footage', 'zzmzvn_hi2.mp4');

const digest = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function ffmpegReading(file: string): Promise<number> {
  const { stdout } = await execFileAsync('ps', ['-eo', 'args']);
  return stdout.split('\n').filter((line) => line.startsWith('ffmpeg') && line.includes(file)).length;
}

describe('decodeAhead (frames read on a worker thread)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'motoguard-decode-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('yields exactly the frames of the in-thread stream', async () => {
    const expected: string[] = [];
    for await (const f of streamFrames(CLIP, { fps: 2, maxWidth: 320 }))
      expected.push(`${f.index}@${f.timestamp} ${f.width}x${f.height} ${digest(f.data)}`);
    const actual: string[] = [];
    for await (const f of decodeAhead(CLIP, { fps: 2, maxWidth: 320, readAhead: 2 }))
      actual.push(`${f.index}@${f.timestamp} ${f.width}x${f.height} ${digest(f.data)}`);
    expect(expected.length).toBeGreaterThanOrEqual(25);
    expect(actual).toEqual(expected);
  });

  it('stops ffmpeg when the consumer stops early', async () => {
    const copy = path.join(dir, 'early-stop.mp4');
    await execFileAsync('cp', [CLIP, copy]);
    let n = 0;
    for await (const _ of decodeAhead(copy, { fps: 5, readAhead: 2 })) if (++n === 3) break;
    expect(n).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await ffmpegReading(copy)).toBe(0);
  });

  it('passes a MediaError from the decoder thread through with its code', async () => {
    const noise = path.join(dir, 'noise.mp4');
    await writeFile(noise, Buffer.alloc(4096, 7));
    const err = await (async () => {
      for await (const _ of decodeAhead(noise, { fps: 5 })) return null;
      return null;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).code).toBe('corrupt');
    expect((err as MediaError).file).toBe(noise);
  });
});
