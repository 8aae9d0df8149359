import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, projectRoot } from '../config.js';
import { modelEntry, type ModelEntry, type ModelName } from './model-manifest.js';

export interface ResolvedModel {
  name: ModelName;
  path: string;
  sha256: string;
}

export interface ResolverOptions {
  /** searched first; default env MOTOGUARD_MODELS_DIR */
  modelsDir?: string;
  /** project cache, where downloads land; default MODEL_CACHE_DIR (.cache/models) */
  cacheDir?: string;
  /** the team's read-only model folder; default ../shared/models next to the project */
  sharedDir?: string;
  /** project root whose node_modules holds `npm:` models */
  root?: string;
  /** false: fail instead of downloading */
  download?: boolean;
  fetch?: typeof fetch;
}

export class ModelIntegrityError extends Error {
  override readonly name = 'ModelIntegrityError';
}

/** sha256 of files already hashed in this process, keyed by path + size + mtime. */
const hashCache = new Map<string, string>();

async function fileSha256(file: string, size: number, mtimeMs: number): Promise<string> {
  const key = `${file}\0${size}\0${mtimeMs}`;
  const known = hashCache.get(key);
  if (known) return known;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  hashCache.set(key, digest);
  return digest;
}

/** The file's sha256 if it exists; throws when it exists with the wrong hash. */
async function verifiedIfPresent(file: string, model: ModelEntry): Promise<string | undefined> {
  let st;
  try {
    st = await stat(file);
  } catch {
    return undefined;
  }
  if (!st.isFile()) return undefined;
  const actual = await fileSha256(file, st.size, st.mtimeMs);
  if (actual !== model.sha256) {
    throw new ModelIntegrityError(
      `Model file ${file} for ${model.name} has sha256 ${actual}, expected ${model.sha256}: replace or remove it`,
    );
  }
  return file;
}

/** Where an `npm:<package>@<version>/<path>` source lies in the project's node_modules. */
export function npmPath(sourceUrl: string, root: string): string {
  // npm:@scope/pkg@1.2.3/sub/path  or  npm:pkg@1.2.3/sub/path
  const match = /^npm:((?:@[^/]+\/)?[^@/]+)@[^/]+\/(.+)$/.exec(sourceUrl);
  if (!match) throw new Error(`Malformed npm source ${sourceUrl}`);
  return path.join(root, 'node_modules', match[1]!, match[2]!);
}

async function download(model: ModelEntry, cacheDir: string, fetchImpl: typeof fetch): Promise<string> {
  const dest = path.join(cacheDir, model.file);
  await mkdir(cacheDir, { recursive: true });
  const response = await fetchImpl(model.sourceUrl);
  if (!response.ok)
    throw new Error(`Downloading ${model.name} from ${model.sourceUrl} failed: HTTP ${response.status}`);
  const bytes = Buffer.from(await response.arrayBuffer());
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== model.sha256) {
    throw new ModelIntegrityError(
      `Downloaded ${model.name} from ${model.sourceUrl} has sha256 ${actual}, expected ${model.sha256}; discarded`,
    );
  }
  const tmp = `${dest}.${process.pid}.part`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, dest);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return dest;
}

/**
 * Find a model by name and verify its sha256. Order: MOTOGUARD_MODELS_DIR, the project cache,
 * ../shared/models (for `npm:` models: node_modules), then a download from the pinned URL into the
 * cache. A file found with the wrong hash is an error, never skipped silently.
 */
export async function resolveModel(name: ModelName, options: ResolverOptions = {}): Promise<ResolvedModel> {
  const model = modelEntry(name);
  const config = loadConfig();
  const root = options.root ?? projectRoot;
  const modelsDir = options.modelsDir ?? config.MOTOGUARD_MODELS_DIR;
  const cacheDir = options.cacheDir ?? config.MODEL_CACHE_DIR;
  const sharedDir = options.sharedDir ?? path.resolve(root, '..', 'shared', 'models');
  const isNpm = model.sourceUrl.startsWith('npm:');

  const candidates = [
    ...(modelsDir ? [path.join(modelsDir, model.file)] : []),
    path.join(cacheDir, model.file),
    isNpm ? npmPath(model.sourceUrl, root) : path.join(sharedDir, model.file),
  ];
  for (const candidate of candidates) {
    const found = await verifiedIfPresent(candidate, model);
    if (found) return { name, path: found, sha256: model.sha256 };
  }
  if (isNpm || options.download === false) {
    throw new Error(`Model ${name} (${model.file}) not found in: ${candidates.join(', ')}`);
  }
  const downloaded = await download(model, cacheDir, options.fetch ?? fetch);
  return { name, path: downloaded, sha256: model.sha256 };
}
