import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import { projectRoot } from '../config.js';
import { bestPathLogProb, bestPlatePath, ctcGreedyOptions, plateAutomaton } from '../core/plate-decoder.js';
import { parsePlate } from '../core/plate-grammar.js';
import type { RgbImage } from './image.js';
import { getFileSession } from './session-cache.js';
import { textRead, type TextRead, type TextRecognizer } from './text-recognizer.js';

/**
 * Our Korean plate recogniser (models/training/): a conv-only CTC model reading a 32x160 grayscale line.
 * The preprocessing mirrors models/training/preprocess.py exactly (Pillow's grayscale and bilinear resize),
 * so the accuracy measured there holds here.
 */

export const KOREAN_PLATE_MODEL = path.join(projectRoot, 'models', 'korean-plate-rec.onnx');

export type PlateLayout = 'one-row' | 'two-row';

export interface LayoutRead extends TextRead {
  layout: PlateLayout;
  /** the reading was constrained to the plate grammar because the model's own best reading was not a plate */
  constrained?: boolean;
}

export interface KoreanPlateRecognizer extends TextRecognizer {
  /** Give it whole plate crops: it cuts two-row plates into rows itself (a single row is not what it learnt). */
  readonly wholePlate: true;
  /** Each crop read under every plausible layout, best first (see byPlausibility). */
  readLayouts(images: RgbImage[]): Promise<LayoutRead[][]>;
}

export interface KoreanRecognizerOptions {
  /** ONNX file; its spec is the .json beside it */
  modelPath?: string;
  /** intra-op threads; default 1 (a plate line is tiny); applies when the process first loads the model */
  threads?: number;
}

const specSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  input: z.object({
    name: z.string(),
    shape: z.tuple([z.null(), z.literal(1), z.number().int().positive(), z.number().int().positive()]),
    twoRowSplit: z.number().gt(0).lt(1),
    oneRowMinAspect: z.number().positive(),
    twoRowMaxAspect: z.number().positive(),
  }),
  output: z.object({ name: z.string() }),
  charset: z.string().min(1),
});

export type KoreanModelSpec = z.infer<typeof specSchema>;

export async function loadKoreanModelSpec(modelPath = KOREAN_PLATE_MODEL): Promise<KoreanModelSpec> {
  const specPath = modelPath.replace(/\.onnx$/, '.json');
  const parsed = specSchema.safeParse(JSON.parse(await readFile(specPath, 'utf8')));
  if (!parsed.success) throw new Error(`Invalid ${specPath}: ${parsed.error.message}`);
  return parsed.data;
}

/** Pillow's RGB -> L conversion (ITU-R 601-2 luma, fixed point). */
export function toGray(image: RgbImage): Uint8Array {
  const out = new Uint8Array(image.width * image.height);
  const d = image.data;
  for (let i = 0, j = 0; i < out.length; i++, j += 3)
    out[i] = (d[j]! * 19595 + d[j + 1]! * 38470 + d[j + 2]! * 7471 + 0x8000) >>> 16;
  return out;
}

const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;

/**
 * Pillow's BILINEAR resampling weights (triangle filter widened by the scale when shrinking), fixed point: output o
 * reads `size` inputs from start[o], with weights[o * size ..] (zero past the filter's own width).
 */
function coefficients(inSize: number, outSize: number): { start: Int32Array; size: number; weights: Int32Array } {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const size = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const weights = new Int32Array(outSize * size);
  const k = new Float64Array(size);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const w = Math.max(0, 1 - Math.abs((x + xmin - center + 0.5) / filterScale));
      k[x] = w;
      total += w;
    }
    start[o] = xmin;
    for (let x = 0; x < xmax; x++) {
      const v = total ? (k[x]! / total) * ONE : 0;
      weights[o * size + x] = Math.trunc(v < 0 ? v - 0.5 : v + 0.5);
    }
  }
  return { start, size, weights };
}

/** The fixed-point sum back to a byte; the weights are never negative, so the sum fits 31 bits. */
function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v > 255 ? 255 : v;
}

/** Resize a gray rectangle (x, y, w, h) of `src` (stride `stride`) to dw x dh the way Pillow does: rows, then columns. */
export function resizeGray(
  src: Uint8Array,
  stride: number,
  x: number,
  y: number,
  w: number,
  h: number,
  dw: number,
  dh: number,
): Uint8Array {
  const horizontal = coefficients(w, dw);
  const tmp = new Uint8Array(dw * h);
  for (let r = 0; r < h; r++) {
    const row = (y + r) * stride + x;
    for (let o = 0; o < dw; o++) {
      const first = row + horizontal.start[o]!;
      const taps = Math.min(horizontal.size, w - horizontal.start[o]!);
      let acc = ONE / 2;
      for (let i = 0, j = o * horizontal.size; i < taps; i++, j++) acc += src[first + i]! * horizontal.weights[j]!;
      tmp[r * dw + o] = clip8(acc);
    }
  }
  const vertical = coefficients(h, dh);
  const out = new Uint8Array(dw * dh);
  for (let o = 0; o < dh; o++) {
    const first = vertical.start[o]!;
    const taps = Math.min(vertical.size, h - first);
    for (let c = 0; c < dw; c++) {
      let acc = ONE / 2;
      for (let i = 0, j = o * vertical.size; i < taps; i++, j++)
        acc += tmp[(first + i) * dw + c]! * vertical.weights[j]!;
      out[o * dw + c] = clip8(acc);
    }
  }
  return out;
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

interface LineGeometry {
  height: number;
  width: number;
  twoRowSplit: number;
}

/** The model's grayscale line: a one-row crop resized whole; a two-row crop cut into rows laid side by side. */
export function plateLine(image: RgbImage, layout: PlateLayout, geometry: LineGeometry): Uint8Array {
  const gray = toGray(image);
  const { width: w, height: h } = image;
  if (layout === 'one-row') return resizeGray(gray, w, 0, 0, w, h, geometry.width, geometry.height);
  const half = geometry.width / 2;
  const cut = Math.max(1, Math.min(h - 1, roundHalfEven(h * geometry.twoRowSplit)));
  const top = resizeGray(gray, w, 0, 0, w, cut, half, geometry.height);
  const bottom = resizeGray(gray, w, 0, cut, w, h - cut, half, geometry.height);
  const line = new Uint8Array(geometry.width * geometry.height);
  for (let r = 0; r < geometry.height; r++) {
    line.set(top.subarray(r * half, (r + 1) * half), r * geometry.width);
    line.set(bottom.subarray(r * half, (r + 1) * half), r * geometry.width + half);
  }
  return line;
}

/** numpy.percentile (linear interpolation) of uint8 values, via a histogram. */
function percentile(histogram: Uint32Array, n: number, p: number): number {
  const rank = (p / 100) * (n - 1);
  const lo = Math.floor(rank);
  let below = 0;
  let vLo = -1;
  let vHi = -1;
  for (let v = 0; v < 256 && vHi < 0; v++) {
    below += histogram[v]!;
    if (vLo < 0 && below > lo) vLo = v;
    if (below > lo + 1 || (below > lo && lo + 1 >= n)) vHi = v;
  }
  return vLo + (vHi - vLo) * (rank - lo);
}

/** Stretch the 2nd..98th percentile to [0,1] and map to [-1,1], into `out` at `offset`. */
export function normalizeLine(line: Uint8Array, out: Float32Array, offset: number): void {
  const histogram = new Uint32Array(256);
  for (const v of line) histogram[v]!++;
  const lo = percentile(histogram, line.length, 2);
  const hi = percentile(histogram, line.length, 98);
  const range = Math.max(hi - lo, 1);
  for (let i = 0; i < line.length; i++) {
    const x = Math.min(Math.max((line[i]! - lo) / range, 0), 1);
    out[offset + i] = (x - 0.5) / 0.5;
  }
}

/**
 * Aspect ratio below which an ambiguous crop is more likely two-row: the geometric middle of the two thresholds.
 */
function twoRowFirstBelow(spec: Pick<KoreanModelSpec, 'input'>): number {
  return Math.sqrt(spec.input.oneRowMinAspect * spec.input.twoRowMaxAspect);
}

/** Layouts worth trying for a crop of this shape, most likely first. */
export function layoutsFor(width: number, height: number, spec: Pick<KoreanModelSpec, 'input'>): PlateLayout[] {
  const aspect = width / Math.max(height, 1);
  if (aspect >= spec.input.oneRowMinAspect) return ['one-row'];
  if (aspect <= spec.input.twoRowMaxAspect) return ['two-row'];
  return aspect < twoRowFirstBelow(spec) ? ['two-row', 'one-row'] : ['one-row', 'two-row'];
}

/**
 * A grammar-constrained reading is offered beside the model's own invalid one only when its path is at least this
 * likely relative to the best path: a plate missing one faint character, not a forced reading of something that is
 * no plate. models/training/decode.py uses the same figure.
 */
const CONSTRAINED_MIN_RATIO = 0.05;

/** Options kept per character of a greedy reading (the use syllable's are offered to the officer). */
const CHAR_OPTIONS = 3;

/** The weakest character decides between layout readings (a wrong layout leaves some character unsure). */
function weakest(read: TextRead): number {
  return read.chars.length ? Math.min(...read.chars.map((c) => c.confidence)) : 0;
}

/** A reading that ends the search for a layout: the model's own, a valid plate, no character below this. */
const SURE = 0.9;

function isSure(read: LayoutRead): boolean {
  return rank(read) === 2 && weakest(read) >= SURE;
}

/** 2: the model's own reading parses as a Korean plate; 1: a grammar-constrained reading; 0: no plate. */
function rank(read: LayoutRead): number {
  if (read.constrained) return 1;
  return parsePlate(read.text).valid ? 2 : 0;
}

/**
 * The model's own reading that parses as a Korean plate comes first (a wrong layout mostly yields a fragment such
 * as `129`), then a grammar-constrained one, then the rest; within each, the weakest character decides.
 * models/training/decode.py chooses the same way.
 */
function byPlausibility(a: LayoutRead, b: LayoutRead): number {
  return rank(b) - rank(a) || weakest(b) - weakest(a);
}

/**
 * The recogniser for `options.modelPath` (default the committed model). Its bytes are checked against the sha256 in
 * the spec (ModelIntegrityError otherwise) and loaded once per process through the session cache, so every segment
 * analysed shares one session.
 */
export async function createKoreanRecognizer(options: KoreanRecognizerOptions = {}): Promise<KoreanPlateRecognizer> {
  const modelPath = options.modelPath ?? KOREAN_PLATE_MODEL;
  const spec = await loadKoreanModelSpec(modelPath);
  const { session } = await getFileSession(modelPath, spec.sha256, { threads: options.threads ?? 1 });
  const [, , height, width] = spec.input.shape;
  const geometry = { height, width, twoRowSplit: spec.input.twoRowSplit };
  const keys = [...spec.charset];
  const automaton = plateAutomaton(keys);

  /** The line's greedy reading and, when that is not a plate, the likely enough grammar-constrained one. */
  function readLine(
    probs: Float32Array,
    offset: number,
    steps: number,
    classes: number,
    layout: PlateLayout,
  ): LayoutRead[] {
    const own: LayoutRead = {
      ...textRead(ctcGreedyOptions(probs, offset, steps, classes, keys, CHAR_OPTIONS)),
      layout,
    };
    if (parsePlate(own.text).valid) return [own];
    const floor = bestPathLogProb(probs, offset, steps, classes) + Math.log(CONSTRAINED_MIN_RATIO);
    const constrained = bestPlatePath(probs, offset, steps, classes, keys, automaton, floor);
    if (!constrained) return [own];
    return [{ ...textRead(constrained.chars), layout, constrained: true }, own];
  }

  /** Each job's line through the model in one batch, read. */
  async function readJobs(jobs: Array<{ image: RgbImage; layout: PlateLayout }>): Promise<LayoutRead[][]> {
    if (jobs.length === 0) return [];
    const plane = height * width;
    const data = new Float32Array(jobs.length * plane);
    jobs.forEach((job, i) => normalizeLine(plateLine(job.image, job.layout, geometry), data, i * plane));
    const out = await session.run({
      [spec.input.name]: new ort.Tensor('float32', data, [jobs.length, 1, height, width]),
    });
    const tensor = out[spec.output.name]!;
    const [, steps, classes] = tensor.dims as [number, number, number];
    const probs = tensor.data as Float32Array;
    return jobs.map((job, i) => readLine(probs, i * steps * classes, steps, classes, job.layout));
  }

  async function readLayouts(images: RgbImage[]): Promise<LayoutRead[][]> {
    const layouts = images.map((image) => layoutsFor(image.width, image.height, spec));
    const reads = await readJobs(images.map((image, n) => ({ image, layout: layouts[n]![0]! })));
    // The second layout only where the likelier one gave no sure plate: it halves the model's work on crops of
    // ambiguous shape, and a sure reading of the right length under the wrong layout is rare.
    const unsure = images.flatMap((image, n) =>
      layouts[n]!.length > 1 && !isSure(reads[n]![0]!) ? [{ n, image, layout: layouts[n]![1]! }] : [],
    );
    (await readJobs(unsure)).forEach((more, i) => reads[unsure[i]!.n]!.push(...more));
    // Stable sort: on a tie the likelier layout (listed first) stays first.
    for (const r of reads) r.sort(byPlausibility);
    return reads;
  }

  return {
    name: 'korean-plate-rec',
    sha256: spec.sha256,
    wholePlate: true,
    readLayouts,
    async recognize(images) {
      return (await readLayouts(images)).map(([best]) => {
        const { layout: _layout, constrained: _constrained, ...read } = best!;
        return read;
      });
    },
  };
}
