import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';
import { toSharp } from '../../src/evidence/annotate.js';
import { cutClip, cutClips, keyframeAtOrBefore } from '../../src/media/clip.js';
import { MediaError } from '../../src/media/errors.js';
import { streamFrames } from '../../src/media/frame-stream.js';
import { extractFrame, extractFrames, type Keyframe } from '../../src/media/keyframe.js';
import { probeVideo, probeVideoIndexed, streamDuration } from '../../src/media/probe.js';
import type { RgbFrame } from '../../src/core/types.js';

const footage = (name: string) => path.resolve(projectRoot, '..', 'shared', 'footage', name);
const THANGLM = footage('thanglm_traffic.mp4');

let tmp: string;
const bad: Record<string, string> = {};

function ffprobeJson(file: string): { streams: Array<Record<string, unknown>>; format: Record<string, string> } {
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file], {
      encoding: 'utf8',
    }),
  );
}

async function take(file: string, fps: number, n: number, maxWidth?: number): Promise<RgbFrame[]> {
  const frames: RgbFrame[] = [];
  for await (const frame of streamFrames(file, { fps, ...(maxWidth ? { maxWidth } : {}) })) {
    frames.push(frame);
    if (frames.length >= n) break;
  }
  return frames;
}

function childProcesses(): string[] {
  try {
    return execFileSync('ps', ['-o', 'comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'motoguard-media-'));
  const write = (name: string, data: Buffer | string) => {
    bad[name] = path.join(tmp, name);
    writeFileSync(bad[name], data);
  };
  write('empty.mp4', Buffer.alloc(0));
  write('random.mp4', Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919 + 13) % 251)));
  write('notes.txt', 'not a video\n'.repeat(100));
  // thanglm keeps its index (moov) at the end: a cut-off copy loses it.
  write('truncated-tail-index.mp4', readFileSync(THANGLM).subarray(0, 1_500_000));
  // sanay_bikes has its index first: a cut-off copy still probes but lacks the later frames.
  write('truncated-head-index.mp4', readFileSync(footage('sanay_bikes.mp4')).subarray(0, 300_000));
  bad['audio.m4a'] = path.join(tmp, 'audio.m4a');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-y', bad['audio.m4a']]);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('probeVideo', () => {
  it('reads size, rate, duration and codec of real clips, portrait included', async () => {
    const traffic = await probeVideo(THANGLM);
    expect(traffic).toMatchObject({ width: 1920, height: 1080, codec: 'h264' });
    expect(traffic.fps).toBeCloseTo(30, 0);
    expect(traffic.durationSec).toBeGreaterThan(10);
    expect(traffic.durationSec).toBeLessThan(11);
    expect(traffic.frameCount).toBeGreaterThan(300);

    expect(await probeVideo(footage('sanay_bikes.mp4'))).toMatchObject({ width: 480, height: 848 });
    const rishii = await probeVideo(footage('rishii_test.mp4'));
    expect(rishii).toMatchObject({ width: 864, height: 1296 });
    expect(rishii.fps).toBeCloseTo(24, 0);
  });

  it('reads the same of every clip together with its packets, in one ffprobe run', async () => {
    for (const name of readdirSync(footage('.')).filter((n) => n.endsWith('.mp4'))) {
      const { info, index } = await probeVideoIndexed(footage(name));
      expect(info).toEqual(await probeVideo(footage(name)));
      expect(index.keyframes[0]).toBe(0);
      if (index.packets) expect(index.packets).toHaveLength(info.frameCount!);
    }
  });

  it.each([
    ['missing', () => path.join(tmp, 'nope.mp4'), 'not_found', /does not exist/],
    ['a directory', () => tmp, 'not_found', /not a regular file/],
    ['zero-length', () => bad['empty.mp4']!, 'empty', /empty/],
    ['random bytes', () => bad['random.mp4']!, 'corrupt', /not a readable media container/],
    ['a text file', () => bad['notes.txt']!, 'not_video', /text file/],
    ['audio-only', () => bad['audio.m4a']!, 'not_video', /audio only/],
    ['truncated (index at the end)', () => bad['truncated-tail-index.mp4']!, 'truncated', /truncated/],
    ['truncated (index first)', () => bad['truncated-head-index.mp4']!, 'truncated', /truncated/],
  ])(
    'rejects %s with a MediaError naming the file, with or without its packets',
    async (_label, file, code, message) => {
      for (const probe of [probeVideo, probeVideoIndexed]) {
        const error = await probe(file()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(MediaError);
        expect((error as MediaError).code).toBe(code);
        expect((error as MediaError).message).toMatch(message);
        expect((error as MediaError).message).toContain(file());
      }
    },
  );
});

describe('streamFrames', () => {
  it('streams every frame of a clip at the analysis rate with index and timestamp', async () => {
    const info = await probeVideo(footage('rishii_test.mp4'));
    const frames = await take(footage('rishii_test.mp4'), 5, 1000);
    expect(Math.abs(frames.length - info.durationSec * 5)).toBeLessThanOrEqual(1);
    frames.forEach((f, i) => {
      expect(f.index).toBe(i);
      expect(f.timestamp).toBeCloseTo(i / 5, 6);
      expect(f.data.length).toBe(864 * 1296 * 3);
    });
    // Consecutive frames of moving traffic differ.
    expect(Buffer.compare(Buffer.from(frames[0]!.data), Buffer.from(frames[5]!.data))).not.toBe(0);
  });

  it('gives each timestamp the source frame shown at that instant (the last one at or before it)', async () => {
    // 60 fps, frame n painted with luma 2n: the frame at t = k/5 is source frame 12k.
    const counter = path.join(tmp, 'counter.mkv');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', "color=c=black:s=64x64:r=60:d=2,format=gray,geq=lum='2*N'"],
      ...['-c:v', 'ffv1', '-y', counter],
    ]);
    const frames = await take(counter, 5, 10);
    expect(frames.map((f) => f.data[0])).toEqual(frames.map((f) => 24 * f.index));
    expect(frames.map((f) => f.timestamp)).toEqual(frames.map((f) => f.index / 5));
  });

  it('downscales wide frames to maxWidth keeping aspect and even sizes (portrait and 1080p)', async () => {
    const [portrait] = await take(footage('sanay_bikes.mp4'), 2, 1, 321);
    expect(portrait).toMatchObject({ width: 322, height: 568 });
    expect(portrait!.data.length).toBe(322 * 568 * 3);
    const [wide] = await take(THANGLM, 2, 1, 640);
    expect(wide).toMatchObject({ width: 640, height: 360 });
  });

  it('handles 4K input', async () => {
    const fourK = path.join(tmp, '4k.mp4');
    const still = path.resolve(projectRoot, '..', 'shared', 'stills', 'seoul_4k_cctv_frame.jpg');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-loop',
      '1',
      '-i',
      still,
      '-frames:v',
      '3',
      '-r',
      '5',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-y',
      fourK,
    ]);
    const info = await probeVideo(fourK);
    expect(info).toMatchObject({ width: 4096, height: 2160 });
    const frames = await take(fourK, 5, 10, 1280);
    expect(frames.length).toBe(3);
    expect(frames[0]).toMatchObject({ width: 1280, height: 676 });
  });

  it('kills ffmpeg when the consumer stops early', async () => {
    const frames = await take(THANGLM, 5, 2);
    expect(frames).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(childProcesses()).not.toContain('ffmpeg');
  });

  it('surfaces a bad file as a MediaError', async () => {
    await expect(take(bad['truncated-head-index.mp4']!, 5, 100)).rejects.toMatchObject({
      name: 'MediaError',
      code: 'truncated',
    });
    await expect(take(bad['random.mp4']!, 5, 100)).rejects.toBeInstanceOf(MediaError);
  });
});

describe('cutClip', () => {
  it('copies an H.264 source from the keyframe at or before the pre-roll into a faststart MP4', async () => {
    const src = footage('zzmzvn_hi2.mp4');
    const {
      index: { keyframes },
    } = await probeVideoIndexed(src);
    const dest = path.join(tmp, 'clips', 'roll.mp4');
    const result = await cutClip(src, dest, { startSec: 4, endSec: 5, preRollSec: 1, postRollSec: 1 });
    expect(result.encoding).toBe('copy');
    expect(result.startSec).toBe(keyframeAtOrBefore(keyframes, 3));
    expect(result.startSec).toBeLessThanOrEqual(3);
    expect(result.endSec).toBeGreaterThan(5.8);
    const probe = ffprobeJson(dest);
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    expect(video).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 640, height: 360 });
    expect(Number(probe.format.duration)).toBeCloseTo(result.endSec - result.startSec, 1);
    const head = readFileSync(dest).subarray(0, 4096).toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(0);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat') === -1 ? Infinity : head.indexOf('mdat'));
  });

  it('cuts several windows in one run and knows where each copy ends from the packets, as the file says', async () => {
    const names = readdirSync(footage('.')).filter((n) => n.endsWith('.mp4'));
    let fromPackets = 0;
    let reordered = 0;
    let overRepeatedTime = 0;
    for (const name of names) {
      const src = footage(name);
      const { info, index } = await probeVideoIndexed(src);
      if (!index.packets) reordered++;
      // thanglm's first two packets share time 0, which the muxer moves on by one tick in a copy
      const repeatedAt = index.packets?.find((p, i) => i > 0 && p.pts === index.packets![i - 1]!.pts)?.pts;
      // windows from the start, the middle (an odd time, between keyframes) and the end of each clip
      const requests = [0.2, 0.45, 0.93].map((at, i) => ({
        dest: path.join(tmp, 'batch', `${name}-${i}.mp4`),
        startSec: info.durationSec * at,
        endSec: info.durationSec * at + 0.77,
      }));
      const clips = await cutClips(src, requests, { info, ...index });
      for (const clip of clips) {
        expect(clip.encoding).toBe('copy');
        expect(index.keyframes).toContain(clip.startSec);
        // what ffprobe reads back from the clip itself, the way a clip without known packets is measured
        const end = Math.min(info.durationSec, clip.startSec + (await streamDuration(clip.path)));
        expect(Math.abs(clip.endSec - end), `${name} ${clip.startSec}`).toBeLessThan(0.001);
        if (index.packets) fromPackets++;
        if (repeatedAt !== undefined && clip.startSec <= repeatedAt) overRepeatedTime++;
      }
    }
    // both ways are exercised: most footage has no B-frames, some has
    expect(fromPackets).toBeGreaterThan(12);
    expect(reordered).toBeGreaterThan(0);
    expect(overRepeatedTime).toBeGreaterThan(0);
  });

  it('clamps the window to the video', async () => {
    const src = footage('zzmzvn_hi2.mp4');
    const info = await probeVideo(src);
    const result = await cutClip(src, path.join(tmp, 'clips', 'end.mp4'), { startSec: 11, endSec: 12.5 });
    expect(result.startSec).toBeLessThanOrEqual(8);
    expect(result.endSec).toBeCloseTo(info.durationSec, 1);
    expect(Number(ffprobeJson(result.path).format.duration)).toBeCloseTo(info.durationSec - result.startSec, 0);
  });

  it('re-encodes a source a browser would not play (4:4:4 H.264) to 4:2:0, from the exact window', async () => {
    const src = path.join(tmp, 'yuv444.mp4');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=10:duration=6',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv444p',
      '-g',
      '30',
      src,
    ]);
    const result = await cutClip(src, path.join(tmp, 'clips', 'encoded.mp4'), {
      startSec: 2,
      endSec: 3,
      preRollSec: 1,
      postRollSec: 1,
    });
    expect(result).toMatchObject({ startSec: 1, endSec: 4, encoding: 'h264' });
    const video = ffprobeJson(result.path).streams.find((s) => s.codec_type === 'video')!;
    expect(video).toMatchObject({ codec_name: 'h264', pix_fmt: 'yuv420p', width: 320, height: 240 });
  });
});

describe('keyframeAtOrBefore', () => {
  it('takes the last keyframe not after the time, and the start before the first', () => {
    expect(keyframeAtOrBefore([0, 2, 4], 3.9)).toBe(2);
    expect(keyframeAtOrBefore([0, 2, 4], 4)).toBe(4);
    expect(keyframeAtOrBefore([1, 2], 0.5)).toBe(0);
    expect(keyframeAtOrBefore([], 7)).toBe(0);
  });
});

describe('extractFrame', () => {
  it('returns the full-resolution frame at a timestamp, matching the streamed frame there', async () => {
    const frame = await extractFrame(THANGLM, 2);
    expect(frame).toMatchObject({ width: 1920, height: 1080 });
    expect(frame.data.length).toBe(1920 * 1080 * 3);

    const streamed = await take(THANGLM, 5, 31);
    const meanDiff = (a: Uint8Array, b: Uint8Array) => {
      let sum = 0;
      for (let i = 0; i < a.length; i += 97) sum += Math.abs(a[i]! - b[i]!);
      return sum / Math.ceil(a.length / 97);
    };
    expect(meanDiff(frame.data, streamed[10]!.data)).toBeLessThan(meanDiff(frame.data, streamed[30]!.data) / 2);

    // Encoded the way evidence keyframes are (src/analysis/violation-evidence.ts).
    const jpeg = path.join(tmp, 'key.jpg');
    await toSharp(frame).jpeg({ quality: 92 }).toFile(jpeg);
    expect(ffprobeJson(jpeg).streams[0]).toMatchObject({ codec_name: 'mjpeg', width: 1920, height: 1080 });
  });

  it('keeps portrait orientation', async () => {
    expect(await extractFrame(footage('rishii_test.mp4'), 1.5)).toMatchObject({ width: 864, height: 1296 });
  });

  it('extracts several timestamps in one ffmpeg run, in their order, each the frame extractFrame gives', async () => {
    // beyond one run's 16 seeks, out of order, one repeated, one past the end (clamped to the last frame)
    const times = [9.8, 0, 2, 5.2, 2, ...Array.from({ length: 12 }, (_, i) => 0.3 + i * 0.7), 99];
    const frames: Keyframe[] = [];
    for await (const frame of extractFrames(THANGLM, times)) frames.push(frame);
    expect(frames).toHaveLength(times.length);
    for (const i of [0, 1, 2, 3, 16, 17]) {
      expect(Buffer.from(frames[i]!.data).equals(Buffer.from((await extractFrame(THANGLM, times[i]!)).data))).toBe(
        true,
      );
    }
    expect(Buffer.from(frames[2]!.data).equals(Buffer.from(frames[4]!.data))).toBe(true);
    expect(Buffer.from(frames[0]!.data).equals(Buffer.from(frames[3]!.data))).toBe(false);
  });

  it('reports a source that cannot be decoded there as a MediaError naming it', async () => {
    const info = await probeVideo(THANGLM);
    const error = await extractFrame(bad['random.mp4']!, 1, info).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaError);
    expect((error as MediaError).message).toContain(bad['random.mp4']!);
    expect((error as MediaError).message).toMatch(/could not decode the frame at 1.000 s/);
  });
});
