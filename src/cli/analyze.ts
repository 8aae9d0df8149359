import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { chooseCaptureTime, type CaptureTime } from '../core/capture-time.js';
import { analyzeSegment } from '../analysis/segment-analyzer.js';
import type { SegmentAnalysis } from '../analysis/types.js';
import { DEFAULT_ANALYSIS_FPS, loadConfig } from '../config.js';
import { probeVideo } from '../media/probe.js';
import { DEFAULT_DETECTOR, DETECTOR_NAMES, isDetectorName, type DetectorName } from '../vision/detector.js';
import { summaryJson, violationJson, violationTable, type RunSummary } from './analysis-report.js';
import { loadCameraFile } from './camera-file.js';
import { createProgressDisplay } from './progress.js';
import { runCommand, UsageError } from './run-command.js';

const USAGE = `usage: npm run analyze -- <video or folder> --camera <file.json> [--json] [--out <dir>] [--fps N] [--model ${DETECTOR_NAMES.join('|')}] [--start <ISO time>]

  --camera  camera file: name, timezone and zones (see README, "Camera file")
  --json    one JSON object per line: each violation, then a summary
  --out     evidence root (default: EVIDENCE_ROOT, var/evidence in the project)
  --fps     analysis rate, frames per second (default: ANALYSIS_FPS, ${DEFAULT_ANALYSIS_FPS})
  --model   object detector (default: ${DEFAULT_DETECTOR})
  --start   capture time of the video's first frame (default, marked estimated: its creation_time, else its
            modification time minus its duration)`;

const VIDEO_EXTENSIONS = new Set(['.mp4', '.mkv', '.mov', '.avi', '.ts', '.m4v', '.webm']);

interface AnalyzeArgs {
  input: string;
  cameraFile: string;
  json: boolean;
  out: string;
  fps: number;
  model: DetectorName;
  start: Date | undefined;
}

function parseCli(argv: string[]): AnalyzeArgs {
  const config = loadConfig();
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        camera: { type: 'string' },
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        fps: { type: 'string' },
        model: { type: 'string' },
        start: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (positionals.length !== 1)
    throw new UsageError(positionals.length ? 'give one video file or folder' : 'missing the video file or folder');
  if (!values.camera) throw new UsageError('missing --camera <file.json>');
  const fps = values.fps === undefined ? config.ANALYSIS_FPS : Number(values.fps);
  if (!(fps > 0 && fps <= 60)) throw new UsageError(`--fps must be a number in (0, 60], got ${values.fps}`);
  const model = values.model ?? DEFAULT_DETECTOR;
  if (!isDetectorName(model)) throw new UsageError(`--model must be one of ${DETECTOR_NAMES.join(', ')}, got ${model}`);
  let start: Date | undefined;
  if (values.start !== undefined) {
    start = new Date(values.start);
    if (Number.isNaN(start.getTime())) throw new UsageError(`--start must be an ISO 8601 time, got ${values.start}`);
  }
  return {
    input: path.resolve(positionals[0]!),
    cameraFile: path.resolve(values.camera),
    json: values.json ?? false,
    out: path.resolve(values.out ?? config.EVIDENCE_ROOT),
    fps,
    model,
    start,
  };
}

async function listVideos(input: string): Promise<string[]> {
  const st = await stat(input).catch(() => null);
  if (!st) throw new UsageError(`${input} does not exist`);
  if (!st.isDirectory()) return [input];
  const names = (await readdir(input)).filter((n) => VIDEO_EXTENSIONS.has(path.extname(n).toLowerCase())).sort();
  if (names.length === 0) throw new UsageError(`no video files (${[...VIDEO_EXTENSIONS].join(' ')}) in ${input}`);
  return names.map((n) => path.join(input, n));
}

/**
 * The capture time of the first frame: --start, else the container's creation_time, else the file's
 * modification time less its duration (the file was closed as recording ended); all but --start are estimates.
 */
async function segmentStartOf(file: string, given: Date | undefined): Promise<CaptureTime> {
  if (given) return chooseCaptureTime({ explicit: given, received: new Date(), durationSec: 0 });
  const [st, info] = await Promise.all([stat(file), probeVideo(file)]);
  return chooseCaptureTime({
    container: info.creationTime,
    fileModified: st.mtime,
    received: new Date(),
    durationSec: info.durationSec,
  });
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2));
  const camera = await loadCameraFile(args.cameraFile);
  const videos = await listVideos(args.input);
  const config = loadConfig();
  const totals: RunSummary = { videoSeconds: 0, framesAnalysed: 0, wallSeconds: 0, violations: 0 };
  const started = performance.now();
  let failures = 0;

  for (const video of videos) {
    const progress = createProgressDisplay(path.basename(video));
    let analysis: SegmentAnalysis;
    try {
      const start = await segmentStartOf(video, args.start);
      analysis = await analyzeSegment({
        videoPath: video,
        camera,
        segmentStart: start.time,
        segmentStartSource: start.source,
        fps: args.fps,
        detector: args.model,
        evidenceRoot: args.out,
        pipelineVersion: config.PIPELINE_VERSION,
        onProgress: (p) => progress.update(p),
      });
    } catch (err) {
      progress.stop();
      failures++;
      process.stderr.write(`analyze: ${video}: ${(err as Error).message}\n`);
      continue;
    }
    progress.stop();
    totals.videoSeconds += analysis.videoSeconds;
    totals.framesAnalysed += analysis.framesAnalysed;
    totals.violations += analysis.violations.length;
    if (args.json) {
      for (const v of analysis.violations) process.stdout.write(`${violationJson(v)}\n`);
    } else {
      process.stdout.write(`${violationTable(analysis, args.out)}\n\n`);
    }
  }
  totals.wallSeconds = (performance.now() - started) / 1000;
  if (args.json) {
    process.stdout.write(`${summaryJson(totals)}\n`);
  } else {
    process.stdout.write(
      `${videos.length - failures}/${videos.length} video(s), ${totals.videoSeconds.toFixed(1)} s of video, ${totals.framesAnalysed} frames, ${totals.violations} violation(s) in ${totals.wallSeconds.toFixed(1)} s\n`,
    );
  }
  return failures > 0 ? 1 : 0;
}

runCommand('analyze', USAGE, main);
