import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_TILES, runFrameLoop } from '../analysis/frame-loop.js';
import type { Box } from '../core/types.js';
import type { ViolationEvent } from '../core/violation-judge.js';
import { describeConfigIssues } from '../core/camera-config.js';
import { clipLabelsSchema, type ClipLabels } from '../eval/labels.js';
import { scoreClip, summarise, type ClipScore, type FlaggedViolation } from '../eval/matcher.js';
import { outputSize } from '../media/frame-stream.js';
import { probeVideo } from '../media/probe.js';
import { createDetector, DETECTOR_NAMES, isDetectorName, type DetectorName } from '../vision/detector.js';
import { projectRoot } from '../config.js';
import { runCommand, UsageError } from './run-command.js';

const USAGE = `usage: npm run eval -- [--json] [--clip <name>]... [--fps N] [--tiles N] [--model ${DETECTOR_NAMES.join('|')}] [--labels <dir>] [--footage <dir>]

  Runs the analysis on every labelled clip and scores it against the labels: recall, precision,
  false alarms, duplicates and identity purity, per clip and overall.
  --labels   folder of label files (default fixtures/eval)
  --footage  folder of the clips (default ../shared/footage)
  --clip     only this clip (file name or stem); repeatable
  --tiles    most detector runs per frame around the zones (default ${DEFAULT_MAX_TILES})`;

const MAX_WIDTH = 1920;

async function loadLabels(dir: string, only: readonly string[]): Promise<ClipLabels[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const out: ClipLabels[] = [];
  for (const file of files) {
    const parsed = clipLabelsSchema.safeParse(JSON.parse(await readFile(path.join(dir, file), 'utf8')));
    if (!parsed.success) throw new Error(`${file}: invalid labels:\n  ${describeConfigIssues(parsed.error).join('\n  ')}`);
    const stem = parsed.data.clip.replace(/\.[^.]+$/, '');
    if (only.length === 0 || only.includes(parsed.data.clip) || only.includes(stem)) out.push(parsed.data);
  }
  if (out.length === 0) throw new UsageError(`no label files${only.length ? ` for ${only.join(', ')}` : ''} in ${dir}`);
  return out;
}

function toFlagged(event: ViolationEvent, width: number, height: number): FlaggedViolation {
  const norm = (b: Box): Box => ({ x1: b.x1 / width, y1: b.y1 / height, x2: b.x2 / width, y2: b.y2 / height });
  const at = (frame: number) => {
    const b = event.boxes.find((x) => x.frameIndex === frame) ?? event.boxes[0]!;
    return { t: b.timestamp, box: norm(b.box) };
  };
  const peak = at(event.peakFrame);
  return {
    zone: event.zone.name,
    startSec: event.startSec,
    endSec: event.endSec,
    label: event.label,
    boxes: event.boxes.map((b) => ({ t: b.timestamp, box: norm(b.box) })),
    // vehicle.jpg is cut from the peak keyframe at the peak box
    keyBoxes: { entry: at(event.entryFrame), peak, exit: at(event.exitFrame), vehicle: peak },
  };
}

async function evaluateClip(labels: ClipLabels, footageDir: string, fps: number, model: DetectorName, maxTiles: number): Promise<ClipScore> {
  const clip = path.join(footageDir, labels.clip);
  const info = await probeVideo(clip);
  const size = outputSize(info.width, info.height, MAX_WIDTH);
  const detector = await createDetector(model);
  const loop = await runFrameLoop({
    videoPath: clip,
    fps,
    maxWidth: MAX_WIDTH,
    analysedSize: size,
    readAhead: 3,
    detector,
    camera: labels.camera,
    segmentStart: new Date(0),
    shotsPerTrack: 1,
    maxTiles,
  });
  return scoreClip(
    labels,
    loop.found.map((f) => toFlagged(f.event, size.width, size.height)),
  );
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(scores: readonly ClipScore[]): string {
  const rows = scores.map((s) => {
    const wrong = s.falseAlarms + s.unlabelled;
    const precision = s.hits + wrong === 0 ? '-' : pct(s.hits / (s.hits + wrong));
    return [
      s.clip,
      `${s.hits}/${s.expected}`,
      precision,
      String(s.falseAlarms),
      String(s.unlabelled),
      String(s.duplicates),
      s.hits ? `${s.pure}/${s.hits}` : '-',
      s.missed.join(' ') || '-',
    ];
  });
  const head = ['clip', 'recall', 'precision', 'false alarms', 'unlabelled', 'duplicates', 'pure', 'missed'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        clip: { type: 'string', multiple: true, default: [] },
        fps: { type: 'string', default: '5' },
        tiles: { type: 'string', default: String(DEFAULT_MAX_TILES) },
        model: { type: 'string', default: 'picodet_s' },
        labels: { type: 'string', default: path.join(projectRoot, 'fixtures', 'eval') },
        footage: { type: 'string', default: path.resolve(projectRoot, '..', 'shared', 'footage') },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values } = parsed;
  const fps = Number(values.fps);
  if (!(fps > 0 && fps <= 30)) throw new UsageError('--fps must be in (0, 30]');
  if (!isDetectorName(values.model)) throw new UsageError(`--model must be one of ${DETECTOR_NAMES.join(', ')}`);
  const model = values.model;
  const maxTiles = Number(values.tiles);
  if (!(Number.isInteger(maxTiles) && maxTiles >= 1 && maxTiles <= 16)) throw new UsageError('--tiles must be an integer in 1..16');
  const all = await loadLabels(values.labels, values.clip);

  const scores: ClipScore[] = [];
  for (const labels of all) {
    const score = await evaluateClip(labels, values.footage, fps, model, maxTiles);
    scores.push(score);
    if (!values.json) process.stderr.write(`eval: ${labels.clip} ${score.hits}/${score.expected}\n`);
  }
  const overall = summarise(scores);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ model, fps, overall, clips: scores })}\n`);
  } else {
    process.stdout.write(`${table(scores)}\n\n`);
    process.stdout.write(
      `overall (${overall.clips} clips): recall ${pct(overall.recall)} (${overall.hits}/${overall.expected}), precision ${pct(overall.precision)}, ` +
        `false alarms ${overall.falseAlarms}, unlabelled ${overall.unlabelled}, on negative clips ${overall.negativeClipViolations}, ` +
        `duplicates ${overall.duplicates}, identity purity ${pct(overall.identityPurity)}\n`,
    );
  }
  return 0;
}

runCommand('eval', USAGE, main);
