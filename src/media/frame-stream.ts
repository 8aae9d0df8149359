import { spawn } from 'node:child_process';
import type { RgbFrame } from '../core/types.js';
import { MediaError, stderrTail } from './errors.js';
import { probeVideo, type VideoInfo } from './probe.js';
import { collectStderr, ffmpegPath } from './binaries.js';

export interface FrameStreamOptions {
  /** analysis rate, frames per second */
  fps: number;
  /** downscale wider frames to this width, keeping the aspect ratio (even sizes) */
  maxWidth?: number;
  /**
   * Decoded frames held ahead of the consumer: lets ffmpeg decode the next frames while the
   * caller runs inference on the current one.
   */
  readAhead?: number;
  /** start this many seconds into the file: the first frame is the one shown then (default 0) */
  startSec?: number;
  /** the file as the caller already probed it (each probe starts ffprobe twice) */
  info?: VideoInfo;
}

export interface FrameSize {
  width: number;
  height: number;
}

const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));

/** Output size for a source size and an optional width limit. */
export function outputSize(width: number, height: number, maxWidth?: number): FrameSize {
  if (!maxWidth || width <= maxWidth) return { width, height };
  const w = even(maxWidth);
  return { width: w, height: even((height * w) / width) };
}

/**
 * Decoded RGB frames of a video at `fps`, straight from an ffmpeg pipe (no temporary files).
 * Breaking out of the loop kills ffmpeg; ffmpeg failures surface as MediaError.
 */
export async function* streamFrames(file: string, options: FrameStreamOptions): AsyncGenerator<RgbFrame> {
  if (!(options.fps > 0)) throw new RangeError(`fps must be positive, got ${options.fps}`);
  const info = options.info ?? (await probeVideo(file));
  const { width, height } = outputSize(info.width, info.height, options.maxWidth);
  const frameBytes = width * height * 3;
  const readAhead = Math.max(1, options.readAhead ?? 2);

  // round=up keeps, for the instant index/fps, the source frame shown then (the last one at or before it);
  // the default (near) takes a frame up to half an output interval later, so timestamps ran early.
  const filters = [`fps=${options.fps}:round=up`];
  if (width !== info.width || height !== info.height) filters.push(`scale=${width}:${height}:flags=area`);

  let failure: MediaError | undefined;
  let finished = false;
  let stopped = false;
  const frames: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };

  const startSec = options.startSec ?? 0;
  // spawned directly: fluent-ffmpeg would first start ffmpeg twice more to list its formats and encoders
  const child = spawn(
    ffmpegPath,
    [
      '-v',
      'error',
      ...(startSec > 0 ? ['-ss', String(startSec)] : []),
      '-i',
      file,
      ...['-an', '-sn', '-vf', filters.join(','), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr = collectStderr(child);
  const fail = (problem: string, cause?: unknown) => {
    if (!stopped) failure = new MediaError('corrupt', file, problem, cause ? { cause } : undefined);
  };
  child.on('error', (err) => fail(`ffmpeg could not start: ${err.message}`, err));
  child.on('close', (code) => {
    if (code !== 0) fail(`ffmpeg failed while decoding: ${stderrTail(stderr())}`);
    finished = true;
    signal();
  });
  const output = child.stdout;

  let current = new Uint8Array(frameBytes);
  let filled = 0;
  output.on('data', (chunk: Buffer) => {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - offset);
      current.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === frameBytes) {
        frames.push(current);
        current = new Uint8Array(frameBytes);
        filled = 0;
      }
    }
    if (frames.length >= readAhead) output.pause();
    signal();
  });

  let index = 0;
  try {
    while (true) {
      const data = frames.shift();
      if (data) {
        if (frames.length < readAhead && output.isPaused()) output.resume();
        yield { index, timestamp: startSec + index / options.fps, width, height, data };
        index++;
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure;
    if (index === 0) throw new MediaError('corrupt', file, 'ffmpeg decoded no frames');
  } finally {
    if (!finished) {
      stopped = true;
      child.kill('SIGKILL');
    }
  }
}
