import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_TILES } from '../analysis/frame-loop.js';
import { DEFAULT_ANALYSIS_FPS, projectRoot } from '../config.js';
import { DEFAULT_MATCH_OPTIONS, summarise, type ClipScore } from '../eval/matcher.js';
import { evaluateClip, loadLabels } from '../eval/run-eval.js';
import { DEFAULT_DETECTOR, DETECTOR_NAMES, isDetectorName } from '../vision/detector.js';
import { runCommand, UsageError } from './run-command.js';

const USAGE = `usage: npm run eval -- [--json] [--clip <name>]... [--fps N] [--tiles N] [--phases N] [--time-tolerance S] [--model ${DETECTOR_NAMES.join('|')}] [--labels <dir>] [--footage <dir>]

  Runs the analysis on every labelled clip and scores it against the labels: recall, precision,
  false alarms, duplicates and identity purity, per clip and overall.
  --labels   folder of label files (default fixtures/eval)
  --footage  folder of the clips (default ../shared/footage)
  --clip     only this clip (file name or stem); repeatable
  --tiles    most detector runs per frame around the zones (default ${DEFAULT_MAX_TILES})
  --phases   sample each clip N times, each starting 1/N of a frame interval later (default 2): a result
             must not hang on which instants happen to be analysed
  --time-tolerance  seconds either way a labelled box may be compared off a flagged box's instant
             (default ${DEFAULT_MATCH_OPTIONS.timeToleranceSec}; 0 compares at the same instant only)`;

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
        fps: { type: 'string', default: String(DEFAULT_ANALYSIS_FPS) },
        tiles: { type: 'string', default: String(DEFAULT_MAX_TILES) },
        phases: { type: 'string', default: '2' },
        'time-tolerance': { type: 'string', default: String(DEFAULT_MATCH_OPTIONS.timeToleranceSec) },
        model: { type: 'string', default: DEFAULT_DETECTOR },
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
  if (!(Number.isInteger(maxTiles) && maxTiles >= 1 && maxTiles <= 16))
    throw new UsageError('--tiles must be an integer in 1..16');
  const timeToleranceSec = Number(values['time-tolerance']);
  if (!(timeToleranceSec >= 0 && timeToleranceSec <= 1)) throw new UsageError('--time-tolerance must be in [0, 1]');
  const phases = Number(values.phases);
  if (!(Number.isInteger(phases) && phases >= 1 && phases <= 10))
    throw new UsageError('--phases must be an integer in 1..10');
  const all = await loadLabels(values.labels, values.clip);

  const scores: ClipScore[] = [];
  for (const labels of all) {
    for (let phase = 0; phase < phases; phase++) {
      const score = await evaluateClip(labels, {
        footageDir: values.footage,
        fps,
        detector: model,
        maxTiles,
        match: { timeToleranceSec },
        startSec: phase / (phases * fps),
      });
      scores.push(score);
      if (!values.json) process.stderr.write(`eval: ${score.clip} ${score.hits}/${score.expected}\n`);
    }
  }
  const overall = summarise(scores);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ model, fps, phases, overall, clips: scores })}\n`);
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
