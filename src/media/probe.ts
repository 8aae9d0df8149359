import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ffprobePath } from './binaries.js';
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

function rotationOf(stream: ProbedStream): number {
  const fromSideData = stream.side_data_list?.find((d) => d.rotation !== undefined)?.rotation;
  const rotate = Number(fromSideData ?? stream.tags?.rotate ?? 0);
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

/** The parts of ffprobe's JSON this module reads. */
interface ProbedStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  start_time?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: number | string; creation_time?: unknown };
  side_data_list?: Array<{ rotation?: number | string }>;
}

interface Probed {
  streams?: ProbedStream[];
  format?: { format_name?: string; duration?: string; tags?: { creation_time?: unknown } };
  packets?: Array<{ stream_index?: number; pts_time?: string; duration_time?: string; flags?: string }>;
}

/** ffprobe's listing of a long file's packets runs to megabytes of JSON. */
const PROBE_OUTPUT_LIMIT = 512 * 1024 * 1024;

/** Streams and container of `file`, and with `packets` every packet's time and flags: one ffprobe run. */
async function ffprobe(file: string, packets: boolean): Promise<Probed> {
  const entries = packets ? ['-show_entries', 'packet=stream_index,pts_time,duration_time,flags'] : [];
  const { stdout } = await execFileAsync(
    ffprobePath,
    ['-v', 'error', '-show_streams', '-show_format', ...entries, '-of', 'json', file],
    { maxBuffer: PROBE_OUTPUT_LIMIT },
  );
  return JSON.parse(stdout) as Probed;
}

/** What ffprobe says of the first video stream of `file`: the `-show_entries` asked for, in the form `args` ask. */
async function askFfprobe(file: string, entries: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(
    ffprobePath,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', entries, ...args, file],
    { maxBuffer: PROBE_OUTPUT_LIMIT },
  );
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

/** What ffprobe says of a video file (with `packets`, every packet too); a MediaError says what is wrong with it. */
async function probeFile(file: string, packets: boolean): Promise<Probed> {
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

  try {
    return await ffprobe(file, packets);
  } catch (err) {
    const detail = stderrTail(String((err as { stderr?: string }).stderr || (err as Error).message));
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
}

/** The video stream of a probed file and what it says; a MediaError when there is none or it cannot be used. */
function videoOf(file: string, data: Probed): { video: ProbedStream; info: VideoInfo } {
  const streams = data.streams ?? [];
  const format = data.format ?? {};
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video) {
    const kinds = [...new Set(streams.map((s) => s.codec_type ?? 'unknown'))];
    const what = kinds.length === 1 && kinds[0] === 'audio' ? 'audio only' : `only ${kinds.join(', ') || 'no'} streams`;
    throw new MediaError('not_video', file, `contains no video stream (${what})`);
  }
  if (format.format_name === 'tty') {
    throw new MediaError('not_video', file, 'is a text file, not a video');
  }
  if (IMAGE_FORMATS.test(String(format.format_name ?? ''))) {
    throw new MediaError('not_video', file, `is a still image (${format.format_name}), not a video`);
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
  const durationSec = Number(video.duration) || Number(format.duration) || 0;
  if (!(durationSec > 0) || !(fps > 0)) {
    throw new MediaError(
      'corrupt',
      file,
      `video stream has no usable duration or frame rate (${durationSec} s, ${fps} fps)`,
    );
  }
  const nbFrames = Number(video.nb_frames);
  const created = creationTimeOf(format.tags, video.tags);
  const info: VideoInfo = {
    durationSec,
    fps,
    width,
    height,
    codec,
    pixelFormat: String(video.pix_fmt ?? ''),
    ...(Number.isFinite(nbFrames) && nbFrames > 0 ? { frameCount: nbFrames } : {}),
    ...(created ? { creationTime: created } : {}),
  };
  return { video, info };
}

function truncated(file: string, info: VideoInfo): MediaError {
  return new MediaError(
    'truncated',
    file,
    `no video data in the last second of its ${info.durationSec.toFixed(1)} s: file is truncated`,
  );
}

/** Duration, rate, size and codec of a video file; a MediaError says what is wrong with a bad one. */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const { info } = videoOf(file, await probeFile(file, false));
  if (!(await hasPacketsNear(file, Math.max(0, info.durationSec - 1)))) throw truncated(file, info);
  return info;
}

/**
 * probeVideo and the video's packet index in one ffprobe run, which lists every packet (no decoding): for a file
 * whose clips will be cut, where reading its packets costs less than starting ffprobe again.
 */
export async function probeVideoIndexed(file: string): Promise<{ info: VideoInfo; index: PacketIndex }> {
  const data = await probeFile(file, true);
  const { video, info } = videoOf(file, data);
  const start = Number(video.start_time) || 0;
  const raw = (data.packets ?? [])
    .filter((p) => p.stream_index === video.index && p.pts_time !== undefined)
    .map((p) => ({
      pts: Number(p.pts_time) - start,
      duration: Number(p.duration_time),
      key: p.flags?.includes('K') ?? false,
    }))
    .filter((p) => Number.isFinite(p.pts));
  // a truncated file's packets stop where its data does
  const last = raw.reduce((m, p) => Math.max(m, p.pts), -Infinity);
  if (!(last >= info.durationSec - 1)) throw truncated(file, info);
  const keyframes = raw
    .filter((p) => p.key)
    .map((p) => p.pts)
    .sort((a, b) => a - b);
  const inOrder = raw.every((p, i) => Number.isFinite(p.duration) && (i === 0 || p.pts >= raw[i - 1]!.pts));
  return { info, index: { keyframes, packets: inOrder ? raw.map(({ pts, duration }) => ({ pts, duration })) : null } };
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
