import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';

const CLIP = path.resolve(projectRoot, '..', 'shared', 'footage', 'zzmzvn_hi2.mp4');

/** Probes a real clip and cuts a clip of it in a process whose PATH holds only `node`. */
const SCRIPT = `
import { ffmpegPath, ffprobePath } from ${JSON.stringify(path.join(projectRoot, 'src/media/binaries.ts'))};
import { probeVideo } from ${JSON.stringify(path.join(projectRoot, 'src/media/probe.ts'))};
import { cutClip } from ${JSON.stringify(path.join(projectRoot, 'src/media/clip.ts'))};
const info = await probeVideo(process.env.CLIP);
const clip = await cutClip(process.env.CLIP, process.env.OUT, { startSec: 1, endSec: 2, preRollSec: 0, postRollSec: 0 });
const cut = await probeVideo(process.env.OUT);
console.log(JSON.stringify({ ffmpegPath, ffprobePath, width: info.width, clip, cutSec: cut.durationSec }));
`;

describe('ffmpeg on a machine without one', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'motoguard-nodeonly-'));
    await symlink(process.execPath, path.join(dir, 'node'));
    await writeFile(path.join(dir, 'media.mts'), SCRIPT);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("falls back to npm's static ffmpeg and ffprobe when none is on PATH, and they probe and cut real footage", async () => {
    const { stdout } = await promisify(execFile)(
      path.join(projectRoot, 'node_modules', '.bin', 'tsx'),
      [path.join(dir, 'media.mts')],
      { env: { PATH: dir, CLIP, OUT: path.join(dir, 'cut.mp4') }, cwd: projectRoot },
    );
    const out = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(out.ffmpegPath).toContain(path.join('node_modules', '@ffmpeg-installer'));
    expect(out.ffprobePath).toContain(path.join('node_modules', '@ffprobe-installer'));
    expect(out.width).toBeGreaterThan(0);
    expect(out.clip.encoding).toBe('copy');
    expect(out.cutSec).toBeGreaterThan(0.5);
  }, 60_000);
});
