/** ffmpeg arguments for recording one source into fixed-length MP4 segments plus a CSV list of closed ones. */
export interface RecorderArgsOptions {
  sourceUrl: string;
  segmentSeconds: number;
  /** copy the video stream when the source is H.264/H.265 (no decode, no CPU); false re-encodes with keyframes on cut points */
  copyCodec: boolean;
  /**
   * output pattern with one %06d for the segment index. Not `-strftime 1`: its names have one-second resolution,
   * and a source that delivers faster than real time (a reconnect burst) then overwrites a segment with the next.
   */
  outputPattern: string;
  listPath: string;
  /** seconds without data before ffmpeg gives up on a network source */
  ioTimeoutSec: number;
  /**
   * also decode the stream into frames for live analysis, written to file descriptor 3 as PPM images (each carries
   * its own size): `fps` frames per second, downscaled to at most `maxWidth` wide. The same ffmpeg reads the source
   * once, so the frames and the segments are the same pictures on the same timeline.
   */
  frames?: { fps: number; maxWidth: number };
}

function inputOptions(url: string, ioTimeoutSec: number): string[] {
  const timeoutUs = String(Math.round(ioTimeoutSec * 1e6));
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  // Small probe so the first segment starts within a second of connecting rather than after ffmpeg's 5 s default.
  const probe = ['-probesize', '1000000', '-analyzeduration', '1000000'];
  if (scheme === 'rtsp' || scheme === 'rtsps') return ['-rtsp_transport', 'tcp', '-timeout', timeoutUs, ...probe];
  if (scheme && scheme !== 'file') return ['-rw_timeout', timeoutUs, ...probe];
  // A plain file is read at its own frame rate so it behaves like a camera.
  return ['-re', ...probe];
}

export function recorderArgs(o: RecorderArgsOptions): string[] {
  const codec = o.copyCodec
    ? ['-c:v', 'copy']
    : ['-c:v', 'libx264', '-preset', 'veryfast', '-force_key_frames', `expr:gte(t,n_forced*${o.segmentSeconds})`];
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostats',
    '-progress',
    'pipe:1',
    ...inputOptions(o.sourceUrl, o.ioTimeoutSec),
    '-i',
    o.sourceUrl,
    '-map',
    '0:v:0',
    '-an',
    ...codec,
    '-f',
    'segment',
    '-segment_time',
    String(o.segmentSeconds),
    '-reset_timestamps',
    '1',
    '-segment_format',
    'mp4',
    '-segment_list',
    o.listPath,
    '-segment_list_type',
    'csv',
    o.outputPattern,
    ...(o.frames ? frameOutput(o.frames) : []),
  ];
}

/** The second output: analysis frames, timed from the stream's start like the segment list's seconds. */
function frameOutput(f: { fps: number; maxWidth: number }): string[] {
  return [
    '-map',
    '0:v:0',
    '-an',
    '-vf',
    `fps=${f.fps},scale='min(iw,${f.maxWidth})':-2`,
    '-c:v',
    'ppm',
    '-f',
    'image2pipe',
    'pipe:3',
  ];
}
