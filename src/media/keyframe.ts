import { MediaError, stderrTail } from './errors.js';
import { probeVideo, type VideoInfo } from './probe.js';
import { ffmpeg } from './binaries.js';

export interface Keyframe {
  width: number;
  height: number;
  /** packed RGB, 3 bytes per pixel */
  data: Uint8Array;
}

/**
 * The full-resolution frame shown at `timestampSec` (accurate seek: decodes from the previous
 * keyframe). `known` spares probing a source the caller has probed already.
 */
export async function extractFrame(src: string, timestampSec: number, known?: VideoInfo): Promise<Keyframe> {
  const info = known ?? (await probeVideo(src));
  // The last frame starts one frame before the end; clamp so a seek to the end still yields a picture.
  const at = Math.min(Math.max(0, timestampSec), Math.max(0, info.durationSec - 1 / info.fps));
  const { width, height } = info;
  const chunks: Buffer[] = [];

  await new Promise<void>((resolve, reject) => {
    const command = ffmpeg(src)
      .inputOptions(['-ss', at.toFixed(3)])
      .outputOptions(['-map', '0:v:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24'])
      .on('error', (err: Error, _o: string | null, stderr: string | null) =>
        reject(
          new MediaError(
            'corrupt',
            src,
            `ffmpeg could not decode the frame at ${at.toFixed(3)} s: ${stderrTail(stderr || err.message)}`,
            { cause: err },
          ),
        ),
      )
      .on('end', () => resolve());
    command.pipe().on('data', (chunk: Buffer) => chunks.push(chunk));
  });

  const data = Buffer.concat(chunks);
  if (data.length !== width * height * 3) {
    throw new MediaError(
      'corrupt',
      src,
      `decoded ${data.length} bytes at ${at.toFixed(3)} s, expected a ${width}x${height} RGB frame`,
    );
  }
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
