import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../config.js';

export const MODEL_NAMES = [
  'picodet_s_416_coco',
  'yolox_nano',
  'yolov8n_int8',
  'vin_lpd',
  'hyperlpr3_corners',
  'ppocr_v4_rec',
  'yunet_n',
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

const inputSpec = z.object({
  name: z.string(),
  /** -1 marks a dynamic dimension */
  shape: z.array(z.number().int()),
  /** pad-bottom-right-32: no resize, padded on the right and bottom to multiples of 32 (dynamic input) */
  resize: z.enum(['letterbox-center', 'letterbox-top-left', 'stretch', 'height-48-keep-ratio', 'pad-bottom-right-32']),
  pad: z.number(),
  channels: z.enum(['RGB', 'BGR']),
  /** applied first: x * scale, then (x - mean) / std */
  scale: z.number(),
  mean: z.tuple([z.number(), z.number(), z.number()]),
  std: z.tuple([z.number(), z.number(), z.number()]),
});

const entry = z.object({
  name: z.enum(MODEL_NAMES),
  file: z.string().regex(/^[\w.-]+$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().positive(),
  task: z.enum(['object-detection', 'plate-detection', 'plate-corners', 'text-recognition', 'face-detection']),
  /** pinned raw URL, or `npm:<package>@<version>/<path>` for a file shipped by an installed package */
  sourceUrl: z.string().regex(/^(https:\/\/|npm:)/),
  licence: z.string(),
  input: inputSpec,
  output: z.string(),
  labels: z.union([z.string(), z.array(z.string())]),
});

export type ModelEntry = z.infer<typeof entry>;
export type InputSpec = z.infer<typeof inputSpec>;

const manifestSchema = z.object({ models: z.array(entry) });

export const MANIFEST_PATH = path.join(projectRoot, 'models', 'manifest.json');

let cached: Map<ModelName, ModelEntry> | undefined;

/** The models manifest, parsed and validated once per process. */
export function loadManifest(): Map<ModelName, ModelEntry> {
  if (!cached) {
    const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(MANIFEST_PATH, 'utf8')));
    if (!parsed.success) throw new Error(`Invalid ${MANIFEST_PATH}: ${parsed.error.message}`);
    cached = new Map(parsed.data.models.map((m) => [m.name, m]));
  }
  return cached;
}

export function modelEntry(name: ModelName): ModelEntry {
  const found = loadManifest().get(name);
  if (!found) throw new Error(`Model ${name} is not in ${MANIFEST_PATH}`);
  return found;
}
