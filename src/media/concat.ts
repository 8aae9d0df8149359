import { rm, writeFile } from 'node:fs/promises';
import { runFfmpeg } from './binaries.js';

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
    await runFfmpeg(
      ['-f', 'concat', '-safe', '0', '-i', list, '-map', '0:v:0', '-c', 'copy', dest],
      files[0] ?? dest,
      'ffmpeg could not join',
    );
  } finally {
    await rm(list, { force: true });
  }
}
