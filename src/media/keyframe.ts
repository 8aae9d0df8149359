import type { PassThrough } from 'node:stream';
import { MediaError, stderrTail } from './errors.js';
import { wholeFrames } from './raw-frames.js';
import { probeVideo, type VideoInfo } from './probe.js';
import { ffmpeg } from './binaries.js';

export interface Keyframe {
  width: number;
  height: number;
  /** packed RGB, 3 bytes per pixel */
  data: Uint8Array;
}

/** Seeks one ffmpeg process makes at most: each is an input of its own, and the source's file handles add up. */
const FRAMES_PER_PROCESS = 16;

/**
 * The full-resolution frame shown at `timestampSec` (accurate seek: decodes from the previous
 * keyframe). `known` spares probing a source the caller has probed already.
 */
export async function extractFrame(src: string, timestampSec: number, known?: VideoInfo): Promise<Keyframe> {
  for await (const frame of extractFrames(src, [timestampSec], known)) return frame;
  throw new MediaError('corrupt', src, `ffmpeg decoded no frame at ${timestampSec.toFixed(3)} s`);
}

/**
 * extractFrame for several timestamps of one source, in their order, from one ffmpeg process per
 * FRAMES_PER_PROCESS (each seek an input of its own, the frames joined into one stream): starting
 * ffmpeg costs more than the seek of a 1080p frame. Frames are yielded as they are decoded, so at
 * most one waits in memory (a 4K frame is 25 MB).
 */
export async function* extractFrames(
  src: string,
  timestamps: readonly number[],
  known?: VideoInfo,
): AsyncGenerator<Keyframe> {
  if (timestamps.length === 0) return;
  const info = known ?? (await probeVideo(src));
  // The last frame starts about one frame before the end (a seek exactly there can land a rounding error past it
  // and yield nothing): a seek half a frame earlier still yields that last picture.
  const ats = timestamps.map((t) => Math.min(Math.max(0, t), Math.max(0, info.durationSec - 1.5 / info.fps)));
  for (let i = 0; i < ats.length; i += FRAMES_PER_PROCESS) {
    yield* decodeAt(src, ats.slice(i, i + FRAMES_PER_PROCESS), info);
  }
}

async function* decodeAt(src: string, ats: readonly number[], info: VideoInfo): AsyncGenerator<Keyframe> {
  const { width, height } = info;
  const frameBytes = width * height * 3;
  const where = ats.map((at) => at.toFixed(3)).join(', ');
  const command = ffmpeg();
  ats.forEach((at) => command.input(src).inputOptions(['-ss', at.toFixed(3)]));
  command
    .complexFilter(
      [
        ...ats.map((_, i) => `[${i}:v:0]trim=end_frame=1,setpts=PTS-STARTPTS[f${i}]`),
        `${ats.map((_, i) => `[f${i}]`).join('')}concat=n=${ats.length}:v=1:a=0[out]`,
      ],
      'out',
    )
    // one frame per seek, whatever their timestamps: the output's frame rate would drop or duplicate some
    .outputOptions(['-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24']);
  let failure: MediaError | undefined;
  let stopped = false;
  const finished = new Promise<void>((resolve) => {
    command.on('end', () => resolve());
    command.on('error', (err: Error, _o: string | null, stderr: string | null) => {
      if (!stopped) {
        failure = new MediaError(
          'corrupt',
          src,
          `ffmpeg could not decode the frame at ${where} s: ${stderrTail(stderr || err.message)}`,
          { cause: err },
        );
      }
      resolve();
    });
  });
  const output = command.pipe() as PassThrough;
  let yielded = 0;
  let drained = false;
  try {
    for await (const data of wholeFrames(output as AsyncIterable<Buffer>, frameBytes)) {
      yield { width, height, data: new Uint8Array(data.buffer, data.byteOffset, frameBytes) };
      yielded++;
    }
    drained = true;
  } finally {
    // the consumer stopped early: ffmpeg need not go on
    if (!drained) {
      stopped = true;
      command.kill('SIGKILL');
    }
  }
  await finished;
  if (failure) throw failure;
  if (yielded !== ats.length) {
    throw new MediaError(
      'corrupt',
      src,
      `decoded ${yielded} whole ${width}x${height} RGB frames at ${where} s, expected ${ats.length}`,
    );
  }
}
