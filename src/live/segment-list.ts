import { open } from 'node:fs/promises';

/** One line of ffmpeg's `-segment_list_type csv` list, written when the segment file is closed. */
export interface SegmentListEntry {
  file: string;
  /** seconds on the input timeline */
  start: number;
  end: number;
}

export function parseSegmentListLine(line: string): SegmentListEntry | null {
  // The file name comes first and may itself contain commas (ffmpeg quotes it then), so split from the right.
  const m = /^(.*),(-?[\d.]+),(-?[\d.]+)$/.exec(line.trim());
  if (!m) return null;
  const file = m[1]!.startsWith('"') && m[1]!.endsWith('"') ? m[1]!.slice(1, -1).replaceAll('""', '"') : m[1]!;
  return { file, start: Number(m[2]), end: Number(m[3]) };
}

/**
 * Follows a segment list as ffmpeg appends to it. Polling the size is used rather than fs.watch, which misses
 * appends on some filesystems; the list only grows once per segment, so a short poll costs nothing.
 */
export class SegmentListTail {
  private offset = 0;
  private partial = '';

  constructor(private readonly listPath: string) {}

  /** Entries completed since the last call; none while the file does not exist yet. */
  async read(): Promise<SegmentListEntry[]> {
    let handle;
    try {
      handle = await open(this.listPath, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    try {
      const { size } = await handle.stat();
      if (size <= this.offset) return [];
      const buf = Buffer.alloc(size - this.offset);
      await handle.read(buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.partial + buf.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      return lines.map(parseSegmentListLine).filter((e): e is SegmentListEntry => e !== null);
    } finally {
      await handle.close();
    }
  }
}
