import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelName } from './model-manifest.js';
import { ModelIntegrityError, resolveModel, type ResolvedModel, type ResolverOptions } from './model-resolver.js';
import { stripInitializerInputs } from './onnx-graph-inputs.js';

export interface ModelSession {
  model: ResolvedModel;
  session: ort.InferenceSession;
}

/** A model kept in the project beside its own spec rather than in the manifest (our Korean plate recogniser). */
export interface FileModel {
  path: string;
  sha256: string;
}

export interface FileModelSession {
  model: FileModel;
  session: ort.InferenceSession;
}

export interface ThreadOptions {
  /** intra-op threads; default 2 (the analysis hosts have few cores) */
  threads?: number;
}

export interface SessionOptions extends ResolverOptions, ThreadOptions {}

/** Every session this process loaded, by model: manifest name or file path and hash. */
const sessions = new Map<string, Promise<ModelSession | FileModelSession>>();

/** The one way this project opens an onnxruntime session. */
async function openSession(bytes: Uint8Array, options: ThreadOptions): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(stripInitializerInputs(bytes), {
    executionProviders: ['cpu'],
    intraOpNumThreads: options.threads ?? 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // 3 = errors only: keeps onnxruntime's per-node notices out of the worker logs.
    logSeverityLevel: 3,
    // Idle intra-op threads would otherwise spin and take CPU from the ffmpeg decoder running beside them.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

function cached<T extends ModelSession | FileModelSession>(key: string, create: () => Promise<T>): Promise<T> {
  let pending = sessions.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = create();
    // A failed load (missing file, wrong hash) must not poison later attempts.
    pending.catch(() => sessions.delete(key));
    sessions.set(key, pending);
  }
  return pending;
}

/** One onnxruntime session per model per process, shared by every caller (options apply on first use). */
export function getSession(name: ModelName, options: SessionOptions = {}): Promise<ModelSession> {
  return cached(`manifest:${name}`, async () => {
    const model = await resolveModel(name, options);
    return { model, session: await openSession(await readFile(model.path), options) };
  });
}

/**
 * One session per model file per process, for a model outside the manifest: its bytes must hash to `sha256`
 * (ModelIntegrityError otherwise) before it loads. Options apply on first use.
 */
export function getFileSession(file: string, sha256: string, options: ThreadOptions = {}): Promise<FileModelSession> {
  const resolved = path.resolve(file);
  return cached(`file:${resolved}\0${sha256}`, async () => {
    const bytes = await readFile(resolved);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw new ModelIntegrityError(`${file}: sha256 ${actual}, expected ${sha256}`);
    return { model: { path: resolved, sha256 }, session: await openSession(bytes, options) };
  });
}

/**
 * Releases every cached session (graceful shutdown of the processes that run analyses). Call it only once nothing
 * runs inference any more: objects created before keep their released sessions; later callers get new ones.
 */
export async function releaseSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.session.release()));
}
