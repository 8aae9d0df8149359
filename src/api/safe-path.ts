import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * The one containment check for paths that come from requests or from stored rows (footage files,
 * batch folders, evidence files). Rules:
 * - `requested` is taken relative to `root` (an absolute path is taken as is);
 * - lexically, after `.`/`..` are folded, it must lie in `root` or below: a `..` *segment* leading out
 *   is refused, a name that merely starts with dots (`..clip.mp4`) is not; a sibling that shares a
 *   prefix (`/data/footage` next to `/data/foot`) is outside;
 * - then symlinks are resolved (root and path alike, with realpath) and the real path must still lie
 *   in the real root, so a link inside the root cannot lead out of it, while a root that is itself a
 *   link works;
 * - the root itself counts as inside; whether it is acceptable is up to the kind asked for (it is a
 *   folder, not a file);
 * - a NUL byte is refused as outside.
 * Paths that escape lexically are refused before any file system access, so the answer does not
 * reveal whether something exists outside the root.
 */

/** Whether absolute `candidate` is `root` or lies below it, by path segments (no file system access). */
export function isInsideRoot(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  if (rel === '') return true;
  if (path.isAbsolute(rel)) return false; // another drive on Windows
  return rel !== '..' && !rel.startsWith(`..${path.sep}`);
}

/**
 * The lexical half of the check, before any file system access: the absolute root and the absolute path
 * `requested` names (relative to the root, or as is when absolute), or null when it is outside the root
 * once `.`/`..` are folded, or holds a NUL byte.
 */
export function lexicallyInsideRoot(root: string, requested: string): { absRoot: string; candidate: string } | null {
  if (requested.includes('\0')) return null;
  const absRoot = path.resolve(root);
  const candidate = path.resolve(absRoot, requested);
  return isInsideRoot(absRoot, candidate) ? { absRoot, candidate } : null;
}

type Located = { ok: true; real: string; stats: Stats } | { ok: false; reason: 'outside_root' | 'missing' };

async function locateInsideRoot(root: string, requested: string): Promise<Located> {
  const lexical = lexicallyInsideRoot(root, requested);
  if (!lexical) return { ok: false, reason: 'outside_root' };
  const { absRoot, candidate } = lexical;
  let realRoot: string;
  let real: string;
  try {
    realRoot = await realpath(absRoot);
    real = await realpath(candidate);
  } catch {
    return { ok: false, reason: 'missing' };
  }
  if (!isInsideRoot(realRoot, real)) return { ok: false, reason: 'outside_root' };
  try {
    return { ok: true, real, stats: await stat(real) };
  } catch {
    return { ok: false, reason: 'missing' };
  }
}

export type ResolvedFile =
  { ok: true; file: string; sizeBytes: number } | { ok: false; reason: 'outside_root' | 'missing' | 'not_a_file' };

/** A regular file inside `root` (see the rules above); `file` is its real path. */
export async function resolveInsideRoot(root: string, requested: string): Promise<ResolvedFile> {
  const found = await locateInsideRoot(root, requested);
  if (!found.ok) return found;
  if (!found.stats.isFile()) return { ok: false, reason: 'not_a_file' };
  return { ok: true, file: found.real, sizeBytes: found.stats.size };
}

export type ResolvedFolder =
  { ok: true; folder: string } | { ok: false; reason: 'outside_root' | 'missing' | 'not_a_folder' };

/** A directory inside `root`, the root itself included (see the rules above); `folder` is its real path. */
export async function resolveFolderInsideRoot(root: string, requested: string): Promise<ResolvedFolder> {
  const found = await locateInsideRoot(root, requested);
  if (!found.ok) return found;
  if (!found.stats.isDirectory()) return { ok: false, reason: 'not_a_folder' };
  return { ok: true, folder: found.real };
}
