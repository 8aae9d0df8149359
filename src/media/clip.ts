import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { MediaError, stderrTail } from './errors.js';
import { keyframeTimes, probeVideo, streamDuration, type VideoInfo } from './probe.js';
import { ffmpeg } from './binaries.js';

/** Seconds of video kept before the start and after the end of what a clip shows, unless told otherwise. */
export const DEFAULT_ROLL_SEC = 3;

export interface ClipOptions {
  startSec: number;
  endSec: number;
  /** default DEFAULT_ROLL_SEC */
  preRollSec?: number;
  /** default DEFAULT_ROLL_SEC */
  postRollSec?: number;
  /** what the caller already knows of the source (one probe per segment, not per clip) */
  source?: { info: VideoInfo; keyframes: readonly number[] };
}

export interface ClipResult {
  path: string;
  /** the clip's real window in the source, seconds: a copied clip starts at the keyframe before the pre-roll */
  startSec: number;
  endSec: number;
  /** copy: the source's own H.264 packets; h264: re-encoded because the source would not play in a browser */
  encoding: 'copy' | 'h264';
}

/** Codecs and pixel formats every browser plays from an MP4 as they are. */
const PLAYABLE = { codecs: new Set(['h264']), pixelFormats: new Set(['yuv420p', 'yuvj420p']) };
/** A re-encoded clip is no wider than this. */
const MAX_ENCODE_WIDTH = 1920;

/** The last keyframe at or before `sec` (the stream's start when none is). */
export function keyframeAtOrBefore(keyframes: readonly number[], sec: number): number {
  let at = 0;
  for (const k of keyframes) if (k <= sec + 1e-6) at = k;
  return at;
}

function runFfmpeg(src: string, dest: string, input: string[], output: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    ffmpeg(src)
      .inputOptions(input)
      .outputOptions(output)
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
}

/**
 * Cut [start - preRoll, end + postRoll] of `src`, clamped to its duration, into a faststart MP4. A
 * source a browser plays (H.264, 4:2:0) is copied packet for packet, from the keyframe at or before
 * the window (no decoding, a fraction of a second); any other is re-encoded to H.264 with a fast
 * preset, at most 1920 px wide. The result says which, and the window the clip really covers.
 */
export async function cutClip(src: string, dest: string, options: ClipOptions): Promise<ClipResult> {
  const { startSec, endSec, preRollSec = DEFAULT_ROLL_SEC, postRollSec = DEFAULT_ROLL_SEC } = options;
  if (!(endSec >= startSec)) throw new RangeError(`clip end ${endSec} s is before its start ${startSec} s`);
  const info = options.source?.info ?? (await probeVideo(src));
  const from = Math.max(0, startSec - preRollSec);
  const to = Math.min(info.durationSec, endSec + postRollSec);
  if (!(to > from)) {
    throw new RangeError(
      `clip window ${from.toFixed(2)}–${to.toFixed(2)} s lies outside the ${info.durationSec.toFixed(2)} s video ${src}`,
    );
  }
  await mkdir(path.dirname(dest), { recursive: true });

  const common = ['-map', '0:v:0', '-an', '-sn', '-movflags', '+faststart'];
  if (PLAYABLE.codecs.has(info.codec) && PLAYABLE.pixelFormats.has(info.pixelFormat)) {
    const begin = keyframeAtOrBefore(options.source?.keyframes ?? (await keyframeTimes(src)), from);
    await runFfmpeg(src, dest, ['-ss', begin.toFixed(3)], [...common, '-t', (to - begin).toFixed(3), '-c:v', 'copy']);
    return {
      path: dest,
      startSec: begin,
      endSec: Math.min(info.durationSec, begin + (await streamDuration(dest))),
      encoding: 'copy',
    };
  }
  await runFfmpeg(
    src,
    dest,
    // Input seeking is frame-accurate when re-encoding and avoids decoding the skipped part.
    ['-ss', from.toFixed(3)],
    [
      ...common,
      '-t',
      (to - from).toFixed(3),
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '23',
      '-pix_fmt',
      'yuv420p',
      // yuv420p needs even sizes; no wider than MAX_ENCODE_WIDTH
      '-vf',
      `scale='trunc(min(iw,${MAX_ENCODE_WIDTH})/2)*2':-2`,
    ],
  );
  return { path: dest, startSec: from, endSec: to, encoding: 'h264' };
}
