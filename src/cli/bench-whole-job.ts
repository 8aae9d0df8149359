import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { analyzeSegment } from '../analysis/segment-analyzer.js';
import { loadConfig } from '../config.js';
import { parseCameraConfig } from '../core/camera-config.js';
import { isDetectorName } from '../vision/detector.js';

/**
 * One whole analysis job (probe, decode, detect, track, plates, evidence packages) on a clip, run
 * by `npm run bench` in a process of its own so that its peak memory is the job's alone. Prints
 * one JSON line: the job's timings, its wall time and the process's peak resident set.
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: { fps: { type: 'string' }, model: { type: 'string' }, camera: { type: 'string' } },
  });
  const model = values.model ?? '';
  if (!isDetectorName(model)) throw new Error(`unknown --model ${model}`);
  const clip = positionals[0];
  if (!clip || !values.camera || !values.fps)
    throw new Error('usage: bench-whole-job <clip> --camera JSON --fps N --model M');
  const camera = parseCameraConfig(JSON.parse(values.camera));
  const evidenceRoot = await mkdtemp(path.join(os.tmpdir(), 'motoguard-bench-'));
  try {
    const started = performance.now();
    const analysis = await analyzeSegment({
      videoPath: clip,
      camera,
      segmentStart: new Date(0),
      segmentStartSource: 'received',
      fps: Number(values.fps),
      detector: model,
      evidenceRoot,
      pipelineVersion: loadConfig().PIPELINE_VERSION,
    });
    const wallMs = performance.now() - started;
    const result = {
      wallMs,
      timings: analysis.timings,
      violations: analysis.violations.length,
      // resourceUsage reports kilobytes
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await rm(evidenceRoot, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench-whole-job: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
