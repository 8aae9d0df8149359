import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export type ResolvedFile =
  | { ok: true; file: string; sizeBytes: number }
  | { ok: false; reason: 'outside_root' | 'missing' | 'not_a_file' };

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * A regular file below `root`, given a path relative to it (or absolute). Checked twice: lexically
 * (`..` tricks) and after resolving symlinks, so a link inside the root cannot lead outside it.
 */
export async function resolveInsideRoot(root: string, requested: string): Promise<ResolvedFile> {
  if (requested.includes('\0')) return { ok: false, reason: 'outside_root' };
  const absRoot = path.resolve(root);
  const candidate = path.resolve(absRoot, requested);
  if (!isInside(absRoot, candidate)) return { ok: false, reason: 'outside_root' };
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(absRoot);
    real = await realpath(candidate);
  } catch {
    return { ok: false, reason: 'missing' };
  }
  if (!isInside(realRoot, real)) return { ok: false, reason: 'outside_root' };
  const st = await stat(real);
  if (!st.isFile()) return { ok: false, reason: 'not_a_file' };
  return { ok: true, file: real, sizeBytes: st.size };
}
