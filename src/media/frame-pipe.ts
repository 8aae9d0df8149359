import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { collectStderr, ffmpegPath } from './binaries.js';
import { BROWSER_H264 } from './clip.js';
import { MediaError, stderrTail } from './errors.js';
import { wholeFrames } from './raw-frames.js';

/**
 * Every frame of a video out of ffmpeg and back into it, as packed RGB through pipes: for rewriting a clip frame by
 * frame (the case file's blurred copy). Unlike streamFrames, which samples at the analysis rate, nothing is dropped
 * or repeated: frame i is the i-th frame the decoder shows.
 */

export interface RawFrame {
  index: number;
  width: number;
  height: number;
  data: Uint8Array;
}

async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'close')) as [number | null];
  return code;
}

/** Decodes every frame of `file` (its first video stream, at its own size) to RGB. */
export async function* readEveryFrame(file: string, size: { width: number; height: number }): AsyncGenerator<RawFrame> {
  const child = spawn(
    ffmpegPath,
    [
      '-v',
      'error',
      '-i',
      file,
      '-map',
      '0:v:0',
      '-fps_mode',
      'passthrough',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr = collectStderr(child);
  const frameBytes = size.width * size.height * 3;
  let index = 0;
  let done = false;
  try {
    for await (const data of wholeFrames(child.stdout as AsyncIterable<Buffer>, frameBytes)) {
      yield { index: index++, width: size.width, height: size.height, data };
    }
    const code = await exitOf(child);
    done = true;
    if (code !== 0) throw new MediaError('corrupt', file, `ffmpeg failed while decoding: ${stderrTail(stderr())}`);
    if (index === 0) throw new MediaError('corrupt', file, 'ffmpeg decoded no frames');
  } finally {
    if (!done) child.kill('SIGKILL');
  }
}

export interface RawEncoder {
  write(frame: Uint8Array): Promise<void>;
  /** closes the input and waits for the file */
  finish(): Promise<void>;
  /** kills ffmpeg; the file is incomplete */
  abort(): void;
}

/**
 * Encodes RGB frames of one size into a faststart H.264 MP4 (4:2:0, the browser-playable form the evidence clips
 * have) at `fps`, with no audio.
 */
export function openRawEncoder(dest: string, options: { width: number; height: number; fps: number }): RawEncoder {
  const child = spawn(
    ffmpegPath,
    [
      '-v',
      'error',
      '-y',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-s',
      `${options.width}x${options.height}`,
      '-r',
      String(options.fps),
      '-i',
      '-',
      '-an',
      ...BROWSER_H264,
      // yuv420p needs even sizes
      '-vf',
      'pad=ceil(iw/2)*2:ceil(ih/2)*2',
      '-movflags',
      '+faststart',
      dest,
    ],
    { stdio: ['pipe', 'ignore', 'pipe'] },
  );
  const stderr = collectStderr(child);
  const exited = exitOf(child);
  const stdin = child.stdin;
  let broken: Error | undefined;
  stdin.on('error', (err) => (broken = err));
  const failure = (what: string) =>
    new MediaError('corrupt', dest, `ffmpeg failed while ${what}: ${stderrTail(stderr())}`);
  return {
    async write(frame) {
      if (broken) throw failure('encoding');
      if (!stdin.write(frame)) {
        await Promise.race([once(stdin, 'drain'), exited]);
        if (broken || child.exitCode !== null) throw failure('encoding');
      }
    },
    async finish() {
      stdin.end();
      if ((await exited) !== 0) throw failure('finishing the file');
    },
    abort() {
      child.kill('SIGKILL');
    },
  };
}
