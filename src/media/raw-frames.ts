/**
 * The whole frames of `frameBytes` bytes each in a byte stream (ffmpeg's rawvideo output through a pipe), in order,
 * each in a buffer of its own; bytes short of a last whole frame are dropped.
 */
export async function* wholeFrames(chunks: AsyncIterable<Buffer>, frameBytes: number): AsyncGenerator<Buffer> {
  let current = Buffer.alloc(frameBytes);
  let filled = 0;
  for await (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(frameBytes - filled, chunk.length - offset);
      chunk.copy(current, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === frameBytes) {
        yield current;
        current = Buffer.alloc(frameBytes);
        filled = 0;
      }
    }
  }
}
