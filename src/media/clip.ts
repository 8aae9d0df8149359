import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { probeVideoIndexed, streamDuration, type SourcePacket, type VideoInfo } from './probe.js';
import { runFfmpeg } from './binaries.js';

/** Seconds of video kept before the start and after the end of what a clip shows, unless told otherwise. */
export const DEFAULT_ROLL_SEC = 3;

export interface ClipOptions {
  startSec: number;
  endSec: number;
  /** default DEFAULT_ROLL_SEC */
  preRollSec?: number;
  /** default DEFAULT_ROLL_SEC */
  postRollSec?: number;
  /**
   * what the caller already knows of the source (one probe per segment, not per clip); with its packets in
   * presentation order (probeVideoIndexed), a copied clip's end is known without reading the clip back
   */
  source?: { info: VideoInfo; keyframes: readonly number[]; packets?: readonly SourcePacket[] | null };
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
/** H.264 every browser plays, at a fast preset: for clips whose source would not play as it is. */
export const BROWSER_H264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'] as const;
/** A re-encoded clip is no wider than this. */
const MAX_ENCODE_WIDTH = 1920;

/** The last keyframe at or before `sec` (the stream's start when none is). */
export function keyframeAtOrBefore(keyframes: readonly number[], sec: number): number {
  let at = 0;
  for (const k of keyframes) if (k <= sec + 1e-6) at = k;
  return at;
}

/** One output of a cut: its own seek into the source (an input of its own) and its own output options. */
interface CutJob {
  dest: string;
  input: string[];
  output: string[];
  /** the window in the source: a copy starts at the keyframe `begin`, a re-encode exactly there */
  begin: number;
  to: number;
  /** a copy's -ss and -t as ffmpeg reads them */
  copied?: { seek: number; length: number };
}

/** Runs every job in one ffmpeg process: the source opened once per job, one output each. */
function cutInOneRun(src: string, jobs: readonly CutJob[]): Promise<void> {
  return runFfmpeg(
    [
      ...jobs.flatMap((job) => [...job.input, '-i', src]),
      ...jobs.flatMap((job, i) => ['-map', `${i}:v:0`, ...job.output, '-f', 'mp4', job.dest]),
    ],
    src,
    'ffmpeg could not cut the clip',
  );
}

/**
 * Where a stream copy seeking to `seek` (-ss) for `length` seconds (-t) ends: ffmpeg copies from the keyframe at
 * `begin` every packet that starts before seek + length, in a stream whose packets come in presentation order
 * (a repeated time, which the muxer moves on by one tick, leaves the end where it was). Null when the packets do
 * not say (the keyframe is not among them).
 */
export function copiedClipEnd(
  packets: readonly SourcePacket[],
  begin: number,
  seek: number,
  length: number,
): number | null {
  const first = packets.findIndex((p) => Math.abs(p.pts - begin) < 1e-6);
  if (first < 0) return null;
  let end = begin;
  for (let i = first; i < packets.length && packets[i]!.pts < seek + length; i++) {
    end = Math.max(end, packets[i]!.pts + packets[i]!.duration);
  }
  return end;
}

export interface ClipRequest extends Omit<ClipOptions, 'source'> {
  dest: string;
}

/** Clips cut by one ffmpeg process at most: each is an input of its own, and the source's file handles add up. */
const CLIPS_PER_PROCESS = 16;

/**
 * Cut [start - preRoll, end + postRoll] of `src`, clamped to its duration, into a faststart MP4. A
 * source a browser plays (H.264, 4:2:0) is copied packet for packet, from the keyframe at or before
 * the window (no decoding, a fraction of a second); any other is re-encoded to H.264 with a fast
 * preset, at most 1920 px wide. The result says which, and the window the clip really covers.
 */
export async function cutClip(src: string, dest: string, options: ClipOptions): Promise<ClipResult> {
  const [clip] = await cutClips(src, [{ ...options, dest }], options.source);
  return clip!;
}

/**
 * cutClip for several windows of one source, in one ffmpeg process per CLIPS_PER_PROCESS: a segment's packages
 * are cut together, since starting Debian's ffmpeg (two hundred shared libraries) costs more than a copied clip.
 */
export async function cutClips(
  src: string,
  requests: readonly ClipRequest[],
  source?: ClipOptions['source'],
): Promise<ClipResult[]> {
  if (requests.length === 0) return [];
  const known: NonNullable<ClipOptions['source']> =
    source ?? (await probeVideoIndexed(src).then(({ info, index }) => ({ info, ...index })));
  const { info } = known;
  const windows = requests.map(
    ({ startSec, endSec, preRollSec = DEFAULT_ROLL_SEC, postRollSec = DEFAULT_ROLL_SEC }) => {
      if (!(endSec >= startSec)) throw new RangeError(`clip end ${endSec} s is before its start ${startSec} s`);
      const from = Math.max(0, startSec - preRollSec);
      const to = Math.min(info.durationSec, endSec + postRollSec);
      if (!(to > from)) {
        throw new RangeError(
          `clip window ${from.toFixed(2)}–${to.toFixed(2)} s lies outside the ${info.durationSec.toFixed(2)} s video ${src}`,
        );
      }
      return { from, to };
    },
  );
  await Promise.all([...new Set(requests.map((r) => path.dirname(r.dest)))].map((d) => mkdir(d, { recursive: true })));

  const common = ['-an', '-sn', '-movflags', '+faststart'];
  const copy = PLAYABLE.codecs.has(info.codec) && PLAYABLE.pixelFormats.has(info.pixelFormat);
  const { keyframes } = known;
  const packets = known.packets ?? null;
  const jobs = requests.map((request, i): CutJob => {
    const { from, to } = windows[i]!;
    if (copy) {
      const begin = keyframeAtOrBefore(keyframes, from);
      const seek = begin.toFixed(3);
      const length = (to - begin).toFixed(3);
      return {
        dest: request.dest,
        begin,
        to,
        copied: { seek: Number(seek), length: Number(length) },
        input: ['-ss', seek],
        output: [...common, '-t', length, '-c:v', 'copy'],
      };
    }
    return {
      dest: request.dest,
      begin: from,
      to,
      // Input seeking is frame-accurate when re-encoding and avoids decoding the skipped part.
      input: ['-ss', from.toFixed(3)],
      output: [
        ...common,
        '-t',
        (to - from).toFixed(3),
        ...BROWSER_H264,
        // yuv420p needs even sizes; no wider than MAX_ENCODE_WIDTH
        '-vf',
        `scale='trunc(min(iw,${MAX_ENCODE_WIDTH})/2)*2':-2`,
      ],
    };
  });
  for (let i = 0; i < jobs.length; i += CLIPS_PER_PROCESS) await cutInOneRun(src, jobs.slice(i, i + CLIPS_PER_PROCESS));
  if (!copy) return jobs.map((j) => ({ path: j.dest, startSec: j.begin, endSec: j.to, encoding: 'h264' as const }));
  // A copied clip ends on a packet boundary after `to`: known from the source's packets when they are in
  // presentation order, else read back from the file (an ffprobe, which costs more than the copy).
  return Promise.all(
    jobs.map(async (j) => {
      const known = packets && j.copied ? copiedClipEnd(packets, j.begin, j.copied.seek, j.copied.length) : null;
      return {
        path: j.dest,
        startSec: j.begin,
        endSec: Math.min(info.durationSec, known ?? j.begin + (await streamDuration(j.dest))),
        encoding: 'copy' as const,
      };
    }),
  );
}
