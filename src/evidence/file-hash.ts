import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface FileDigest {
  sha256: string;
  sizeBytes: number;
}

/** The digest of the file at `rel` below `root`; null when there is none or `rel` leads out of the root. */
export async function digestBelow(root: string, rel: string): Promise<FileDigest | null> {
  const file = path.resolve(root, rel);
  const inside = path.relative(path.resolve(root), file);
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) return null;
  try {
    return await hashFile(file);
  } catch (err) {
    if (['ENOENT', 'EISDIR', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

/** sha256 and size of a file, streamed so clips of any length hash in constant memory. */
export async function hashFile(file: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  const { size } = await stat(file);
  return { sha256: hash.digest('hex'), sizeBytes: size };
}

/** sha256 and size of bytes in memory: a file written from them hashes the same without being read back. */
export function hashBytes(data: Uint8Array | string): FileDigest {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return { sha256: createHash('sha256').update(bytes).digest('hex'), sizeBytes: bytes.byteLength };
}

const MIME_BY_EXTENSION: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.json': 'application/json',
};

export function mimeOf(file: string): string {
  return MIME_BY_EXTENSION[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
