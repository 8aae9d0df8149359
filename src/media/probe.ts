import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import type ffmpegTypes from 'fluent-ffmpeg';
import { ffmpeg, ffprobePath } from './binaries.js';
import { MediaError, stderrTail } from './errors.js';

const execFileAsync = promisify(execFile);

export interface VideoInfo {
  durationSec: number;
  fps: number;
  width: number;
  height: number;
  codec: string;
  /** e.g. yuv420p; empty when the stream does not say */
  pixelFormat: string;
  /** from the container's index when it has one */
  frameCount?: number;
  /** the container's (or the stream's) creation_time tag, when it has a valid one */
  creationTime?: Date;
}

/** Demuxers that read one still picture, not a video. */
const IMAGE_FORMATS = /(^|,)(image2|\w+_pipe|gif|webp)(,|$)/;

function parseRate(rate: string | undefined): number {
  if (!rate) return 0;
  const [num, den] = rate.split('/').map(Number);
  if (!num || !den || !Number.isFinite(num / den)) return 0;
  return num / den;
}

function rotationOf(stream: ffmpegTypes.FfprobeStream): number {
  const sideData = (stream as { side_data_list?: Array<{ rotation?: number | string }> }).side_data_list;
  const fromSideData = sideData?.find((d) => d.rotation !== undefined)?.rotation;
  const tags = stream.tags as { rotate?: number | string } | undefined;
  const rotate = Number(fromSideData ?? tags?.rotate ?? 0);
  return Number.isFinite(rotate) ? rotate : 0;
}

async function startsWithMp4Box(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(12);
    await handle.read(head, 0, 12, 0);
    return ['ftyp', 'moov', 'mdat', 'free', 'wide'].includes(head.toString('latin1', 4, 8));
  } finally {
    await handle.close();
  }
}

function ffprobe(file: string): Promise<ffmpegTypes.FfprobeData> {
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(file, (err: Error | null, data: ffmpegTypes.FfprobeData) => (err ? reject(err) : resolve(data)));
  });
}

/** What ffprobe says of the first video stream of `file`: the `-show_entries` asked for, in the form `args` ask. */
async function askFfprobe(file: string, entries: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(ffprobePath, [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    entries,
    ...args,
    file,
  ]);
  return stdout;
}

/**
 * A container whose index sits at the start (faststart MP4) still probes after truncation; the
 * last second then has no packets. Reading that second catches the cut without decoding the file.
 */
async function hasPacketsNear(file: string, atSec: number): Promise<boolean> {
  const stdout = await askFfprobe(
    file,
    'packet=pts_time',
    '-read_intervals',
    `${atSec.toFixed(3)}%+#1`,
    '-of',
    'csv=p=0',
  );
  return stdout.trim().length > 0;
}

/** Duration, rate, size and codec of a video file; a MediaError says what is wrong with a bad one. */
export async function probeVideo(file: string): Promise<VideoInfo> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new MediaError('not_found', file, 'is not a regular file');
    size = st.size;
  } catch (err) {
    if (err instanceof MediaError) throw err;
    throw new MediaError('not_found', file, 'file does not exist or cannot be read', { cause: err });
  }
  if (size === 0) throw new MediaError('empty', file, 'file is empty (0 bytes)');

  let data: ffmpegTypes.FfprobeData;
  try {
    data = await ffprobe(file);
  } catch (err) {
    const detail = stderrTail(String((err as Error).message));
    if (/cannot find ffprobe|spawn .*ENOENT/i.test(detail)) {
      throw new Error('ffprobe was not found: install ffmpeg (Debian: apt-get install -y ffmpeg) or set FFPROBE_PATH', {
        cause: err,
      });
    }
    if (/moov atom not found/i.test(detail) && (await startsWithMp4Box(file))) {
      throw new MediaError(
        'truncated',
        file,
        `MP4 ends before its index (moov atom missing): truncated file? (${detail})`,
        { cause: err },
      );
    }
    throw new MediaError('corrupt', file, `not a readable media container (${detail})`, { cause: err });
  }

  const video = data.streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) {
    const kinds = [...new Set(data.streams.map((s) => s.codec_type ?? 'unknown'))];
    const what = kinds.length === 1 && kinds[0] === 'audio' ? 'audio only' : `only ${kinds.join(', ') || 'no'} streams`;
    throw new MediaError('not_video', file, `contains no video stream (${what})`);
  }
  if (data.format.format_name === 'tty') {
    throw new MediaError('not_video', file, 'is a text file, not a video');
  }
  if (IMAGE_FORMATS.test(String(data.format.format_name ?? ''))) {
    throw new MediaError('not_video', file, `is a still image (${data.format.format_name}), not a video`);
  }
  // Phone clips store landscape pixels plus a rotation; ffmpeg auto-rotates when decoding, so report the shown size.
  const quarterTurn = Math.abs(rotationOf(video)) % 180 === 90;
  const width = Number(quarterTurn ? video.height : video.width);
  const height = Number(quarterTurn ? video.width : video.height);
  const codec = String(video.codec_name ?? '');
  if (!width || !height || !codec || codec === 'unknown') {
    throw new MediaError('unsupported', file, `video stream has no decodable codec or size (codec ${codec || 'none'})`);
  }
  const fps = parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate);
  const durationSec = Number(video.duration) || Number(data.format.duration) || 0;
  if (!(durationSec > 0) || !(fps > 0)) {
    throw new MediaError(
      'corrupt',
      file,
      `video stream has no usable duration or frame rate (${durationSec} s, ${fps} fps)`,
    );
  }
  if (!(await hasPacketsNear(file, Math.max(0, durationSec - 1)))) {
    throw new MediaError(
      'truncated',
      file,
      `no video data in the last second of its ${durationSec.toFixed(1)} s: file is truncated`,
    );
  }
  const nbFrames = Number(video.nb_frames);
  const created = creationTimeOf(data.format.tags, video.tags);
  return {
    durationSec,
    fps,
    width,
    height,
    codec,
    pixelFormat: String(video.pix_fmt ?? ''),
    ...(Number.isFinite(nbFrames) && nbFrames > 0 ? { frameCount: nbFrames } : {}),
    ...(created ? { creationTime: created } : {}),
  };
}

/** creation_time from the container's tags, else the stream's; muxers write 1970 or 1904 when they know none. */
function creationTimeOf(...tagSets: unknown[]): Date | undefined {
  for (const tags of tagSets) {
    const raw = (tags as { creation_time?: unknown } | undefined)?.creation_time;
    if (typeof raw !== 'string') continue;
    const at = new Date(raw);
    if (Number.isFinite(at.getTime()) && at.getUTCFullYear() > 1990) return at;
  }
  return undefined;
}

/** Duration of a file's first video stream (the container's when the stream has none), seconds: one ffprobe run. */
export async function streamDuration(file: string): Promise<number> {
  const stdout = await askFfprobe(file, 'stream=duration:format=duration', '-of', 'json');
  const parsed = JSON.parse(stdout) as { streams?: Array<{ duration?: string }>; format?: { duration?: string } };
  return Number(parsed.streams?.[0]?.duration) || Number(parsed.format?.duration) || 0;
}

/** A packet of the first video stream: presentation time and duration, seconds from the stream's start. */
export interface SourcePacket {
  pts: number;
  duration: number;
}

export interface PacketIndex {
  /** keyframe times in order: where a stream copy can begin */
  keyframes: number[];
  /**
   * every packet in decode order, when that is also presentation order (no B-frames; a repeated time is no
   * reordering): a stream-copied clip's length then follows from it; null when frames are reordered
   */
  packets: SourcePacket[] | null;
}

/** The video's packet index: keyframe times and, without B-frames, every packet (one ffprobe run, no decoding). */
export async function packetIndex(file: string): Promise<PacketIndex> {
  const stdout = await askFfprobe(file, 'stream=start_time:packet=pts_time,duration_time,flags', '-of', 'json');
  const parsed = JSON.parse(stdout) as {
    streams?: Array<{ start_time?: string }>;
    packets?: Array<{ pts_time?: string; duration_time?: string; flags?: string }>;
  };
  const start = Number(parsed.streams?.[0]?.start_time) || 0;
  const raw = (parsed.packets ?? [])
    .filter((p) => p.pts_time !== undefined)
    .map((p) => ({
      pts: Number(p.pts_time) - start,
      duration: Number(p.duration_time),
      key: p.flags?.includes('K') ?? false,
    }))
    .filter((p) => Number.isFinite(p.pts));
  const keyframes = raw
    .filter((p) => p.key)
    .map((p) => p.pts)
    .sort((a, b) => a - b);
  const inOrder = raw.every((p, i) => Number.isFinite(p.duration) && (i === 0 || p.pts >= raw[i - 1]!.pts));
  return { keyframes, packets: inOrder ? raw.map(({ pts, duration }) => ({ pts, duration })) : null };
}
