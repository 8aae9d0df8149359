import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { MediaError, stderrTail } from './errors.js';
import { probeVideo } from './probe.js';

/** Seconds of video kept before the start and after the end of what a clip shows, unless told otherwise. */
export const DEFAULT_ROLL_SEC = 3;

export interface ClipOptions {
  startSec: number;
  endSec: number;
  /** default DEFAULT_ROLL_SEC */
  preRollSec?: number;
  /** default DEFAULT_ROLL_SEC */
  postRollSec?: number;
}

export interface ClipResult {
  path: string;
  /** actual window in the source, after roll and clamping */
  startSec: number;
  endSec: number;
}

/** Cut [start - preRoll, end + postRoll] of `src`, clamped to its duration, into an H.264 MP4 (faststart). */
export async function cutClip(src: string, dest: string, options: ClipOptions): Promise<ClipResult> {
  const { startSec, endSec, preRollSec = DEFAULT_ROLL_SEC, postRollSec = DEFAULT_ROLL_SEC } = options;
  if (!(endSec >= startSec)) throw new RangeError(`clip end ${endSec} s is before its start ${startSec} s`);
  const info = await probeVideo(src);
  const from = Math.max(0, startSec - preRollSec);
  const to = Math.min(info.durationSec, endSec + postRollSec);
  if (!(to > from)) {
    throw new RangeError(
      `clip window ${from.toFixed(2)}–${to.toFixed(2)} s lies outside the ${info.durationSec.toFixed(2)} s video ${src}`,
    );
  }
  await mkdir(path.dirname(dest), { recursive: true });

  await new Promise<void>((resolve, reject) => {
    ffmpeg(src)
      // Input seeking is frame-accurate when re-encoding and avoids decoding the skipped part.
      .inputOptions(['-ss', from.toFixed(3)])
      .outputOptions([
        '-t',
        (to - from).toFixed(3),
        '-map',
        '0:v:0',
        '-an',
        '-sn',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-crf',
        '23',
        '-pix_fmt',
        'yuv420p',
        // yuv420p needs even sizes
        '-vf',
        'scale=trunc(iw/2)*2:trunc(ih/2)*2',
        '-movflags',
        '+faststart',
      ])
      .format('mp4')
      .on('error', (err: Error, _o: string | null, stderr: string | null) =>
        reject(
          new MediaError('corrupt', src, `ffmpeg could not cut the clip: ${stderrTail(stderr || err.message)}`, {
            cause: err,
          }),
        ),
      )
      .on('end', () => resolve())
      .save(dest);
  });
  return { path: dest, startSec: from, endSec: to };
}
