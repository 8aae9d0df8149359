import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { decodeAhead } from '../analysis/decode-ahead.js';
import type { AnalysisTimings } from '../analysis/types.js';
import { DETECTOR_PROFILES } from '../analysis/detector-profile.js';
import { DEFAULT_MAX_WIDTH, DEFAULT_READ_AHEAD } from '../analysis/defaults.js';
import { DEFAULT_MAX_TILES, detectionTiles, runFrameLoop } from '../analysis/frame-loop.js';
import { DEFAULT_ANALYSIS_FPS } from '../config.js';
import { parseCameraConfig, type CameraConfig } from '../core/camera-config.js';
import type { RgbFrame } from '../core/types.js';
import { outputSize } from '../media/frame-stream.js';
import { probeVideo } from '../media/probe.js';
import { createDetector, DEFAULT_DETECTOR, DETECTOR_NAMES, isDetectorName } from '../vision/detector.js';
import { detectTiles } from '../vision/tiled-detector.js';
import { loadCameraFile } from './camera-file.js';
import { DEMO_CAMERA, DEMO_FOOTAGE } from './demo-paths.js';

const USAGE = `usage: npm run bench -- [clip] [--json] [--fps N] [--tiles N] [--model ${DETECTOR_NAMES.join('|')}]`;

/** One zone over the whole frame, so any clip exercises tracking and judging fully. */
const WHOLE_FRAME: CameraConfig = parseCameraConfig({
  name: 'bench',
  zones: [
    {
      name: 'whole frame',
      kind: 'other',
      polygon: [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ],
    },
  ],
});

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      fps: { type: 'string', default: String(DEFAULT_ANALYSIS_FPS) },
      tiles: { type: 'string', default: String(DEFAULT_MAX_TILES) },
      model: { type: 'string', default: DEFAULT_DETECTOR },
    },
  });
  const clip = path.resolve(positionals[0] ?? DEMO_FOOTAGE);
  const fps = Number(values.fps);
  if (!(fps > 0 && fps <= 60)) throw new Error(`--fps must be in (0, 60]\n${USAGE}`);
  const model = values.model;
  if (!isDetectorName(model)) throw new Error(`--model must be one of ${DETECTOR_NAMES.join(', ')}\n${USAGE}`);
  const maxTiles = Number(values.tiles);
  if (!(Number.isInteger(maxTiles) && maxTiles >= 1 && maxTiles <= 16))
    throw new Error(`--tiles must be an integer in 1..16\n${USAGE}`);
  const camera = clip === DEMO_FOOTAGE ? await loadCameraFile(DEMO_CAMERA) : WHOLE_FRAME;
  const info = await probeVideo(clip);
  const size = outputSize(info.width, info.height, DEFAULT_MAX_WIDTH);
  const profile = DETECTOR_PROFILES[model];
  const detector = await createDetector(model);
  const tiles = detectionTiles(camera, size, detector, maxTiles);
  const detect = (frame: RgbFrame) => detectTiles(detector, frame, tiles, { scoreThreshold: profile.detectScore });

  // Decode only: the frames are kept so inference runs on exactly the same pixels.
  const frames: RgbFrame[] = [];
  let mark = performance.now();
  for await (const frame of decodeAhead(clip, { fps, maxWidth: DEFAULT_MAX_WIDTH, readAhead: DEFAULT_READ_AHEAD }))
    frames.push(frame);
  const decodeMs = performance.now() - mark;
  if (frames[0]) await detect(frames[0]);

  mark = performance.now();
  for (const frame of frames) await detect(frame);
  const inferenceMs = performance.now() - mark;
  frames.length = 0;

  // End to end: the analysis's own per-frame stage (decode ahead + detect + track + judge + best pictures).
  mark = performance.now();
  const loop = await runFrameLoop({
    videoPath: clip,
    fps,
    maxWidth: DEFAULT_MAX_WIDTH,
    analysedSize: size,
    readAhead: DEFAULT_READ_AHEAD,
    detector,
    camera,
    segmentStart: new Date(0),
    shotsPerTrack: 3,
    maxTiles,
  });
  const e2eMs = performance.now() - mark;

  const job = await runWholeJob(clip, camera, fps, model);

  const n = loop.framesAnalysed;
  const perSec = (ms: number) => round((n * 1000) / ms);
  const result = {
    clip,
    model,
    fps,
    source: `${info.width}x${info.height}`,
    analysed: `${size.width}x${size.height}`,
    tiles: tiles.map((t) => `${t.width}x${t.height}+${t.x}+${t.y}`),
    frames: n,
    videoSeconds: round(info.durationSec),
    decodeFps: perSec(decodeMs),
    inferenceFps: perSec(inferenceMs),
    e2eFps: perSec(e2eMs),
    limitFps: perSec(decodeMs + inferenceMs),
    ratio: round((decodeMs + inferenceMs) / e2eMs, 3),
    realtimeFactor: round(info.durationSec / (e2eMs / 1000), 3),
    ms: {
      decode: Math.round(decodeMs),
      inference: Math.round(inferenceMs),
      e2e: Math.round(e2eMs),
      e2eDecodeWait: Math.round(loop.decodeWaitMs),
    },
    wholeJob: wholeJobFigures(job, info.durationSec, decodeMs + inferenceMs),
  };
  process.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `${JSON.stringify(result, null, 2)}\n`);
}

interface WholeJobRun {
  wallMs: number;
  timings: AnalysisTimings;
  violations: number;
  peakRssMb: number;
}

/** The whole job (evidence included) in a process of its own, so that its peak memory is its own. */
async function runWholeJob(clip: string, camera: CameraConfig, fps: number, model: string): Promise<WholeJobRun> {
  const child = fileURLToPath(new URL('./bench-whole-job.ts', import.meta.url));
  const args = [...process.execArgv, child, clip, '--camera', JSON.stringify(camera), '--fps', String(fps)];
  const { stdout } = await promisify(execFile)(process.execPath, [...args, '--model', model], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as WholeJobRun;
}

/**
 * Real-time factor of the whole job, each stage's share of its wall time, and its ratio to the
 * limit: decoding and inference of the same frames, measured alone above. After the frame loop the
 * plates are read one after another on the main thread while the packages are written beside them:
 * the plates take the time their reads took, and evidence the rest of that stage (what writing the
 * packages added to it), with the keyframes encoded during the loop.
 */
function wholeJobFigures(job: WholeJobRun, videoSeconds: number, limitMs: number) {
  const t = job.timings;
  const plates = Math.min(t.plateMs, t.packagingMs);
  const stagesMs = {
    setup: t.probeMs,
    decodeWait: t.decodeWaitMs,
    inference: t.inferenceMs,
    tracking: t.trackingMs,
    plates,
    evidence: t.keyframesMs + t.packagingMs - plates,
  };
  const accounted = Object.values(stagesMs).reduce((a, b) => a + b, 0);
  const share = Object.fromEntries(
    Object.entries({ ...stagesMs, other: Math.max(0, job.wallMs - accounted) }).map(([k, v]) => [
      k,
      round(v / job.wallMs, 3),
    ]),
  );
  return {
    realtimeFactor: round(videoSeconds / (job.wallMs / 1000), 3),
    wallMs: Math.round(job.wallMs),
    ratioToLimit: round(limitMs / job.wallMs, 3),
    evidenceShare: share.evidence,
    share,
    ms: Object.fromEntries(Object.entries(stagesMs).map(([k, v]) => [k, Math.round(v)])),
    peakRssMb: Math.round(job.peakRssMb),
    violations: job.violations,
  };
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
