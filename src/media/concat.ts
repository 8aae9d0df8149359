import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rm, writeFile } from 'node:fs/promises';
import { ffmpegPath } from './binaries.js';
import { MediaError, stderrTail } from './errors.js';

/** ffconcat's quoting: a path in single quotes, each single quote written as '\'' */
const quoted = (file: string) => `'${file.replaceAll("'", "'\\''")}'`;

/**
 * Joins adjacent segments of one recording into one MP4 without re-encoding (the concat demuxer, stream copy):
 * the packets are the recorded ones, so a clip cut from the join shows the same pictures as the segments.
 */
export async function concatCopy(files: readonly string[], dest: string): Promise<void> {
  const list = `${dest}.ffconcat`;
  await writeFile(list, `ffconcat version 1.0\n${files.map((f) => `file ${quoted(f)}\n`).join('')}`);
  try {
    const child = spawn(
      ffmpegPath,
      ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-map', '0:v:0', '-c', 'copy', dest],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const [code] = (await once(child, 'close')) as [number | null];
    if (code !== 0) throw new MediaError('corrupt', files[0] ?? dest, `ffmpeg could not join: ${stderrTail(stderr)}`);
  } finally {
    await rm(list, { force: true });
  }
}
