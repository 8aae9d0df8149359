import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MAX_WIDTH, DEFAULT_READ_AHEAD } from '../analysis/defaults.js';
import { runFrameLoop } from '../analysis/frame-loop.js';
import { describeConfigIssues } from '../core/camera-config.js';
import type { Box } from '../core/types.js';
import { eventBoxAt, type ViolationEvent } from '../core/violation-judge.js';
import { outputSize } from '../media/frame-stream.js';
import { probeVideo } from '../media/probe.js';
import { createDetector, type DetectorName } from '../vision/detector.js';
import { clipLabelsSchema, type ClipLabels } from './labels.js';
import { scoreClip, type ClipScore, type FlaggedViolation, type MatchOptions } from './matcher.js';

/** Runs the analysis's frame stage on labelled clips and scores what it flags. */

/** The label files of `dir` (every `*.json`), only those of the named clips (file name or stem) when given. */
export async function loadLabels(dir: string, only: readonly string[] = []): Promise<ClipLabels[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  const out: ClipLabels[] = [];
  for (const file of files) {
    const parsed = clipLabelsSchema.safeParse(JSON.parse(await readFile(path.join(dir, file), 'utf8')));
    if (!parsed.success)
      throw new Error(`${file}: invalid labels:\n  ${describeConfigIssues(parsed.error).join('\n  ')}`);
    const stem = parsed.data.clip.replace(/\.[^.]+$/, '');
    if (only.length === 0 || only.includes(parsed.data.clip) || only.includes(stem)) out.push(parsed.data);
  }
  if (out.length === 0) throw new Error(`no label files${only.length ? ` for ${only.join(', ')}` : ''} in ${dir}`);
  return out;
}

/** An event as the matcher sees it: normalised boxes, and the boxes its evidence shows. */
export function toFlagged(event: ViolationEvent, width: number, height: number): FlaggedViolation {
  const norm = (b: Box): Box => ({ x1: b.x1 / width, y1: b.y1 / height, x2: b.x2 / width, y2: b.y2 / height });
  const at = (frame: number) => {
    const b = eventBoxAt(event, frame);
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

export interface EvalOptions {
  footageDir: string;
  fps: number;
  detector: DetectorName;
  maxTiles?: number;
  match?: Partial<MatchOptions>;
  /** sample the clip from this instant on (a sampling phase: frames fall between the default ones) */
  startSec?: number;
}

export async function evaluateClip(labels: ClipLabels, opts: EvalOptions): Promise<ClipScore> {
  const clip = path.join(opts.footageDir, labels.clip);
  const info = await probeVideo(clip);
  const size = outputSize(info.width, info.height, DEFAULT_MAX_WIDTH);
  const loop = await runFrameLoop({
    videoPath: clip,
    fps: opts.fps,
    maxWidth: DEFAULT_MAX_WIDTH,
    analysedSize: size,
    readAhead: DEFAULT_READ_AHEAD,
    detector: await createDetector(opts.detector),
    camera: labels.camera,
    segmentStart: new Date(0),
    shotsPerTrack: 1,
    startSec: opts.startSec ?? 0,
    ...(opts.maxTiles ? { maxTiles: opts.maxTiles } : {}),
  });
  const score = scoreClip(
    labels,
    loop.found.map((f) => toFlagged(f.event, size.width, size.height)),
    opts.match,
  );
  return opts.startSec ? { ...score, clip: `${score.clip}@${opts.startSec.toFixed(2)}s` } : score;
}
