import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { projectRoot } from '../config.js';
import { plateOfRecord, votePlate, type PlateRead } from '../core/plate-vote.js';
import { cropImage, loadImage, type RgbImage } from '../vision/image.js';
import { createKoreanRecognizer } from '../vision/korean-recognizer.js';
import { runCommand, UsageError } from './run-command.js';

const USAGE = `usage: npm run bench:plate-vote -- [--frames N] [--seed S] [--model <file.onnx>]

Synthetic video of the held-out real crops (models/training/validation.csv, never trained on): each crop becomes a
sequence of N frames (7) with the crop edges jittered, the plate scaled down and back, blurred and dimmed, as a
tracked plate looks from frame to frame. Reads every frame and prints one JSON object: exact rates of a single frame,
of the track vote on top characters alone, and of the vote on per-character probabilities (text, and the plate of
record: what the vote states after the confidence floor, with how many stated plates are wrong); and the
recogniser's time per crop on one thread (CPU time of the process, which a busy machine does not inflate, and wall
time with the load average).`;

interface Held {
  file: string;
  text: string;
  box: { x1: number; y1: number; x2: number; y2: number } | null;
}

function heldOut(): Held[] {
  return readFileSync(path.join(projectRoot, 'models', 'training', 'validation.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file, text, , ...box] = line.split(',') as [string, string, string, ...string[]];
      const [x1, y1, x2, y2] = box.map(Number) as [number, number, number, number];
      return { file, text, box: box[0] ? { x1, y1, x2, y2 } : null };
    });
}

/** mulberry32: a seeded generator, so a run can be repeated. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One frame of the sequence: the plate box with jittered edges, scaled, blurred and dimmed. */
async function frame(image: RgbImage, box: Held['box'], random: () => number): Promise<RgbImage> {
  const b = box ?? { x1: 0, y1: 0, x2: image.width, y2: image.height };
  const w = b.x2 - b.x1;
  const h = b.y2 - b.y1;
  const jitter = (v: number, size: number, max: number) =>
    Math.min(max, Math.max(0, Math.round(v + (random() - 0.5) * 0.12 * size)));
  const crop = cropImage(image, {
    x1: jitter(b.x1, w, image.width - 2),
    y1: jitter(b.y1, h, image.height - 2),
    x2: jitter(b.x2, w, image.width),
    y2: jitter(b.y2, h, image.height),
  });
  const scale = 0.35 + 0.65 * random();
  const sw = Math.max(8, Math.round(crop.width * scale));
  const sh = Math.max(6, Math.round(crop.height * scale));
  let pipeline = sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: 3 } })
    .resize(sw, sh, { fit: 'fill' })
    .linear(0.5 + 0.6 * random(), (random() - 0.5) * 60);
  if (random() < 0.6) pipeline = pipeline.blur(0.3 + random() * 1.2);
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

const p50 = (v: number[]) => Math.round([...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]! * 100) / 100;
const mean = (v: number[]) => Math.round((v.reduce((s, x) => s + x, 0) / v.length) * 100) / 100;
const rate = (hits: number, n: number) => Math.round((hits / Math.max(n, 1)) * 1000) / 10;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      frames: { type: 'string', default: '7' },
      seed: { type: 'string', default: '1' },
      model: { type: 'string' },
    },
  });
  const frames = Number(values.frames);
  if (!Number.isInteger(frames) || frames < 1) throw new UsageError('--frames must be a positive integer');
  const random = rng(Number(values.seed));
  const recognizer = await createKoreanRecognizer({ modelPath: values.model, threads: 1 });
  const plates = path.resolve(projectRoot, '..', 'shared', 'plates');
  const held = heldOut();

  let single = 0;
  const tally = { topOnly: 0, probabilities: 0, statedTopOnly: 0, wrongTopOnly: 0, stated: 0, wrong: 0 };
  const cropTimes: number[] = [];
  const cropCpu: number[] = [];
  for (const h of held) {
    const image = await loadImage(path.join(plates, h.file));
    const sequence: RgbImage[] = [];
    for (let i = 0; i < frames; i++) sequence.push(await frame(image, h.box, random));
    const reads: PlateRead[] = [];
    for (const f of sequence) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const [best] = (await recognizer.readLayouts([f]))[0]!;
      const cpu = process.cpuUsage(c0);
      cropTimes.push(performance.now() - t0);
      cropCpu.push((cpu.user + cpu.system) / 1000);
      if (!best) continue;
      if (best.text === h.text) single++;
      reads.push({ chars: best.chars });
    }
    const withOptions = votePlate(reads);
    const topOnly = votePlate(
      reads.map((r) => ({ chars: r.chars.map(({ char, confidence }) => ({ char, confidence })) })),
    );
    if (topOnly.text === h.text) tally.topOnly++;
    if (withOptions.text === h.text) tally.probabilities++;
    const statedTop = plateOfRecord(topOnly);
    const stated = plateOfRecord(withOptions);
    if (statedTop !== null) tally.statedTopOnly++;
    if (statedTop !== null && statedTop !== h.text) tally.wrongTopOnly++;
    if (stated !== null) tally.stated++;
    if (stated !== null && stated !== h.text) tally.wrong++;
  }

  const n = held.length;
  process.stdout.write(
    `${JSON.stringify({
      model: recognizer.sha256.slice(0, 12),
      sequences: n,
      framesPerSequence: frames,
      singleFrameExactPct: rate(single, held.length * frames),
      voteTopCharsExactPct: rate(tally.topOnly, n),
      voteProbabilitiesExactPct: rate(tally.probabilities, n),
      statedTopChars: { pct: rate(tally.statedTopOnly, n), wrong: tally.wrongTopOnly },
      statedProbabilities: { pct: rate(tally.stated, n), wrong: tally.wrong },
      msPerCrop: {
        cpuP50: p50(cropCpu),
        cpuMean: mean(cropCpu),
        wallP50: p50(cropTimes),
        loadAverage: os.loadavg()[0],
      },
    })}\n`,
  );
  return 0;
}

runCommand('bench:plate-vote', USAGE, main);
