import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { ModelName } from './model-manifest.js';
import { resolveModel, type ResolvedModel, type ResolverOptions } from './model-resolver.js';
import { stripInitializerInputs } from './onnx-graph-inputs.js';

export interface ModelSession {
  model: ResolvedModel;
  session: ort.InferenceSession;
}

export interface SessionOptions extends ResolverOptions {
  /** intra-op threads; default 2 (the analysis hosts have few cores) */
  threads?: number;
}

const sessions = new Map<ModelName, Promise<ModelSession>>();

async function createSession(name: ModelName, options: SessionOptions): Promise<ModelSession> {
  const model = await resolveModel(name, options);
  const bytes = stripInitializerInputs(await readFile(model.path));
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    intraOpNumThreads: options.threads ?? 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // 3 = errors only: keeps onnxruntime's per-node notices out of the worker logs.
    logSeverityLevel: 3,
    // Idle intra-op threads would otherwise spin and take CPU from the ffmpeg decoder running beside them.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  return { model, session };
}

/** One onnxruntime session per model per process, shared by every caller (options apply on first use). */
export function getSession(name: ModelName, options: SessionOptions = {}): Promise<ModelSession> {
  let pending = sessions.get(name);
  if (!pending) {
    pending = createSession(name, options);
    // A failed load (missing file, wrong hash) must not poison later attempts.
    pending.catch(() => sessions.delete(name));
    sessions.set(name, pending);
  }
  return pending;
}

/** Release every cached session (tests, graceful shutdown). */
export async function releaseSessions(): Promise<void> {
  const all = [...sessions.values()];
  sessions.clear();
  await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.session.release()));
}
