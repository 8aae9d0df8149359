import { stat } from 'node:fs/promises';
import { hashFile, type FileDigest } from './file-hash.js';

/**
 * sha256 of files, remembered per (inode, size, mtime, ctime). The evidence route checks a file's bytes against
 * its recorded hash before serving it, and a player fetches a multi-MB clip in many Range requests: hashing the
 * whole clip on each would cost more than serving it. A file is hashed again only when one of those four changed.
 * ctime is in the key because nothing short of changing the system clock sets it back: a file rewritten with its
 * size kept and its mtime restored (`touch -d`) still gets a new ctime, so it is hashed again.
 */
export class DigestCache {
  private readonly entries = new Map<string, { stamp: string; digest: Promise<FileDigest> }>();

  constructor(private readonly maxEntries = 4096) {}

  async digest(file: string): Promise<FileDigest> {
    const stamp = await stampOf(file);
    const cached = this.entries.get(file);
    if (cached?.stamp === stamp) return cached.digest;
    // Concurrent requests for the same file share one hashing; a failure is not remembered.
    const digest = hashFile(file);
    this.remember(file, { stamp, digest });
    try {
      const result = await digest;
      // Written to while being hashed: these bytes may be a mix of two versions, so hash again next time.
      if ((await stampOf(file)) !== stamp) this.forget(file, digest);
      return result;
    } catch (err) {
      this.forget(file, digest);
      throw err;
    }
  }

  private forget(file: string, digest: Promise<FileDigest>): void {
    if (this.entries.get(file)?.digest === digest) this.entries.delete(file);
  }

  private remember(file: string, entry: { stamp: string; digest: Promise<FileDigest> }): void {
    this.entries.delete(file);
    this.entries.set(file, entry);
    // Map order is insertion order: the first key is the least recently hashed file.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}

async function stampOf(file: string): Promise<string> {
  const s = await stat(file, { bigint: true });
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}
