import { parseArgs } from 'node:util';
import { parsePlate, type CharOption } from '../core/plate-grammar.js';
import { plateOfRecord, votePlate } from '../core/plate-vote.js';
import { cropImage, expandBox, loadImage, type RgbImage } from '../vision/image.js';
import { createKoreanRecognizer, type KoreanPlateRecognizer, type LayoutRead } from '../vision/korean-recognizer.js';
import { createPlateDetector, type PlateDetector } from '../vision/plate-detector.js';
import { createPlateReader, type PlateReader } from '../vision/plate-reader.js';
import { runCommand, UsageError } from './run-command.js';

const USAGE = `usage: npm run plate -- [--crop] [--json] [--model <file.onnx>] <image>...

  --crop   each image is a plate crop: read it directly (default: find the plates in the image first)
  --json   one JSON object per image: {"file","text","confidence","candidates":[{"text","confidence"}],"format",
           "syllableOptions":[{"char","confidence"}]}; text is null below the confidence floor (the candidates stay)
  --model  recogniser ONNX file, its .json beside it (default: models/korean-plate-rec.onnx)`;

/** Plate boxes from the detector are tight; a margin keeps the border characters whole. */
const BOX_MARGIN = 0.06;
/** Detected plates read besides the one the plate reader rectifies. */
const MAX_PLATES = 3;

interface Candidate {
  text: string;
  confidence: number;
}

interface Reading extends Candidate {
  chars: LayoutRead['chars'];
}

interface PlateResult {
  file: string;
  text: string | null;
  confidence: number;
  candidates: Candidate[];
  format: string | null;
  /** the use syllable's likeliest readings (recogniser probabilities), best first */
  syllableOptions: CharOption[];
  error?: string;
}

function parseCli(argv: string[]): { crop: boolean; json: boolean; model: string | undefined; files: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        crop: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        model: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (parsed.positionals.length === 0) throw new UsageError('missing the image file(s)');
  const { crop, json, model } = parsed.values;
  return { crop, json, model, files: parsed.positionals };
}

/** Grammar-valid reads first, then by confidence; one entry per distinct text. */
function rank(candidates: Reading[]): Reading[] {
  const best = new Map<string, Reading>();
  for (const c of candidates) {
    if (!c.text) continue;
    const known = best.get(c.text);
    if (!known || c.confidence > known.confidence) best.set(c.text, c);
  }
  const valid = (c: Candidate) => (parsePlate(c.text).valid ? 1 : 0);
  return [...best.values()].sort((a, b) => valid(b) - valid(a) || b.confidence - a.confidence);
}

interface Finder {
  reader: PlateReader;
  detector: PlateDetector;
}

/**
 * Plate images to read in a full photo: the plate the plate reader finds and rectifies by its corners, and the
 * detector's boxes as they are (a rectification from wrong corners must not be the only chance).
 */
async function plateCrops(image: RgbImage, finder: Finder): Promise<RgbImage[]> {
  const whole = { x1: 0, y1: 0, x2: image.width, y2: image.height };
  const [located, plates] = await Promise.all([finder.reader.readPlate(image, whole), finder.detector.detect(image)]);
  const boxes = plates
    .slice(0, MAX_PLATES)
    .map((p) => cropImage(image, expandBox(p.box, BOX_MARGIN, image.width, image.height)));
  return located ? [located.crop, ...boxes] : boxes;
}

async function readFile(
  file: string,
  recognizer: KoreanPlateRecognizer,
  finder: Finder | undefined,
): Promise<PlateResult> {
  const image = await loadImage(file);
  const crops = finder ? await plateCrops(image, finder) : [image];
  const reads = (await recognizer.readLayouts(crops)).flat();
  const ranked = rank(
    reads.map((r) => ({ text: r.text, confidence: Number(r.confidence.toFixed(4)), chars: r.chars })),
  );
  const best = ranked[0];
  // The pipeline's floor: a reading that is no plate, or one the recogniser is not sure enough of, states no text.
  const vote = best ? votePlate([{ chars: best.chars }]) : null;
  const text = vote ? plateOfRecord(vote) : null;
  return {
    file,
    text,
    confidence: best?.confidence ?? 0,
    candidates: ranked.map(({ text, confidence }) => ({ text, confidence })),
    format: text ? parsePlate(text).format : null,
    syllableOptions: (vote?.syllableOptions ?? []).map((o) => ({
      char: o.char,
      confidence: Number(o.confidence.toFixed(4)),
    })),
  };
}

function human(r: PlateResult): string {
  if (r.error) return `${r.file}: error: ${r.error}`;
  if (r.text === null) {
    const unsure = r.candidates[0];
    return `${r.file}: no plate read${unsure ? ` (below the floor: ${unsure.text} ${unsure.confidence.toFixed(2)})` : ''}`;
  }
  const others = r.candidates.slice(1).map((c) => `${c.text} ${c.confidence.toFixed(2)}`);
  return `${r.file}: ${r.text} (${r.confidence.toFixed(2)}, ${r.format})${others.length ? `  also: ${others.join(', ')}` : ''}`;
}

async function main(): Promise<number> {
  const args = parseCli(process.argv.slice(2));
  const recognizer = await createKoreanRecognizer({ modelPath: args.model });
  const finder = args.crop
    ? undefined
    : { reader: await createPlateReader({ recognizer }), detector: await createPlateDetector() };
  let failures = 0;
  for (const file of args.files) {
    let result: PlateResult;
    try {
      result = await readFile(file, recognizer, finder);
    } catch (err) {
      failures++;
      result = {
        file,
        text: null,
        confidence: 0,
        candidates: [],
        format: null,
        syllableOptions: [],
        error: (err as Error).message,
      };
    }
    process.stdout.write(`${args.json ? JSON.stringify(result) : human(result)}\n`);
  }
  return failures > 0 ? 1 : 0;
}

runCommand('plate', USAGE, main);
