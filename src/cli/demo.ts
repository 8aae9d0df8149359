import { access } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyzeSegment } from '../analysis/segment-analyzer.js';
import { loadConfig } from '../config.js';
import { violationTable } from './analysis-report.js';
import { loadCameraFile } from './camera-file.js';
import { DEMO_CAMERA, DEMO_FOOTAGE, DEMO_SEGMENT_START } from './demo-paths.js';
import { createProgressDisplay } from './progress.js';

async function main(): Promise<number> {
  try {
    await access(DEMO_FOOTAGE);
  } catch {
    process.stderr.write(
      `demo: the demo clip is missing: ${DEMO_FOOTAGE}\n` +
        `Put thanglm_traffic.mp4 (1920x1080 traffic CCTV) there, or analyse your own video with\n` +
        `  npm run analyze -- <video> --camera <camera.json>\n`,
    );
    return 1;
  }
  const config = loadConfig();
  const camera = await loadCameraFile(DEMO_CAMERA);
  const progress = createProgressDisplay('demo');
  const started = performance.now();
  const analysis = await analyzeSegment({
    videoPath: DEMO_FOOTAGE,
    camera,
    segmentStart: DEMO_SEGMENT_START,
    // read off the clip's burned-in clock
    segmentStartSource: 'explicit',
    fps: config.ANALYSIS_FPS,
    evidenceRoot: config.EVIDENCE_ROOT,
    pipelineVersion: config.PIPELINE_VERSION,
    onProgress: (p) => progress.update(p),
  }).finally(() => progress.stop());
  const wall = (performance.now() - started) / 1000;

  process.stdout.write(`${violationTable(analysis, config.EVIDENCE_ROOT)}\n\n`);
  for (const [i, v] of analysis.violations.entries()) {
    process.stdout.write(`#${i + 1} ${v.evidenceDir}\n`);
    for (const file of v.evidence)
      process.stdout.write(
        `   ${file.role.padEnd(12)} ${path.basename(file.path).padEnd(20)} sha256 ${file.sha256.slice(0, 16)}…\n`,
      );
  }
  process.stdout.write(
    `\n${analysis.tracksSeen} motorcycle track(s), ${analysis.framesAnalysed} frames analysed in ${wall.toFixed(1)} s ` +
      `(${(analysis.framesAnalysed / wall).toFixed(1)} fps; ${analysis.videoSeconds.toFixed(1)} s of video).\n`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
