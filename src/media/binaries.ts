import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { MediaError, stderrTail } from './errors.js';

/**
 * Where ffmpeg and ffprobe are: FFMPEG_PATH / FFPROBE_PATH when set, else the system's on PATH
 * (Debian's ffmpeg), else the static builds of the npm packages @ffmpeg-installer/ffmpeg and
 * @ffprobe-installer/ffprobe, so that a fresh machine with only Node runs the demo. Every ffmpeg
 * run of the project goes through the fluent-ffmpeg exported here or these paths.
 */

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function fromNpm(pkg: string): string | undefined {
  try {
    return (createRequire(import.meta.url)(pkg) as { path: string }).path;
  } catch {
    return undefined;
  }
}

function locate(envVar: string, name: string, pkg: string): string {
  return process.env[envVar] || onPath(name) || fromNpm(pkg) || name;
}

export const ffmpegPath = locate('FFMPEG_PATH', 'ffmpeg', '@ffmpeg-installer/ffmpeg');
export const ffprobePath = locate('FFPROBE_PATH', 'ffprobe', '@ffprobe-installer/ffprobe');

ffmpeg.setFfmpegPath(ffmpegPath);
ffmpeg.setFfprobePath(ffprobePath);

export { ffmpeg };

/** The tail of what a spawned ffmpeg or ffprobe writes to stderr, for its error messages. */
export function collectStderr(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-8192);
  });
  return () => text;
}

/**
 * Runs ffmpeg on arguments complete in themselves (file outputs, nothing to read back). fluent-ffmpeg first
 * asks ffmpeg for its formats and encoders, two more starts of two hundred shared libraries in each process,
 * where these outputs need no check. Rejects with a MediaError naming `source` and what could not be done.
 */
export async function runFfmpeg(args: readonly string[], source: string, failure: string): Promise<void> {
  const child = spawn(ffmpegPath, ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = collectStderr(child);
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new MediaError('corrupt', source, `${failure}: ${stderrTail(stderr())}`);
}
