import { access } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { traceVideo } from '../analysis/detector-trace.js';
import { renderTraceClip } from '../analysis/trace-clip.js';
import { loadConfig } from '../config.js';
import { parseCameraConfig, type CameraConfig } from '../core/camera-config.js';
import { createDetector, DEFAULT_DETECTOR, DETECTOR_NAMES, isDetectorName } from '../vision/detector.js';
import { loadCameraFile } from './camera-file.js';
import { runCommand, UsageError } from './run-command.js';

const USAGE = `usage: npm run trace -- <video> --camera <file.json | -> [--start <ISO time>] [--fps N] [--model ${DETECTOR_NAMES.join('|')}] [--clip <out.mp4>]

Runs the analysis over one video and prints what it saw and decided, as JSON: each frame's detections (class,
score, box) and tracks, the zones, and every stay of a track in a zone with each rule's check (detector view).

  --camera  camera file with its zones; - reads it from stdin
  --start   capture time of the first frame, for zone schedules (default: now)
  --fps     analysis rate (default: ANALYSIS_FPS)
  --model   object detector (default: ${DEFAULT_DETECTOR})
  --clip    also write the overlay drawn on the frames as an MP4`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        camera: { type: 'string' },
        start: { type: 'string' },
        fps: { type: 'string' },
        model: { type: 'string' },
        clip: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give one video file');
  if (!values.camera) throw new UsageError('missing --camera <file.json | ->');
  const config = loadConfig();
  const fps = values.fps === undefined ? config.ANALYSIS_FPS : Number(values.fps);
  if (!(fps > 0 && fps <= 60)) throw new UsageError(`--fps must be a number in (0, 60], got ${values.fps}`);
  const model = values.model ?? DEFAULT_DETECTOR;
  if (!isDetectorName(model)) throw new UsageError(`--model must be one of ${DETECTOR_NAMES.join(', ')}, got ${model}`);
  const start = values.start === undefined ? new Date() : new Date(values.start);
  if (Number.isNaN(start.getTime())) throw new UsageError(`--start must be an ISO 8601 time, got ${values.start}`);
  const camera: CameraConfig =
    values.camera === '-' ? parseCameraConfig(JSON.parse(await readStdin())) : await loadCameraFile(values.camera);
  const video = path.resolve(positionals[0]!);
  await access(video).catch(() => {
    throw new UsageError(`${video} cannot be read`);
  });

  const trace = await traceVideo({
    videoPath: video,
    camera,
    segmentStart: start,
    detector: await createDetector(model),
    fps,
  });
  if (values.clip) await renderTraceClip(video, trace, path.resolve(values.clip));
  process.stdout.write(`${JSON.stringify(trace)}\n`);
  return 0;
}

runCommand('trace', USAGE, main);
