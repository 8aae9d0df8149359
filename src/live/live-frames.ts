import type { Readable } from 'node:stream';
import type { RgbFrame } from '../core/types.js';

/** `P6 <width> <height> <maxval>` and the one whitespace byte before the pixels, as ffmpeg's PPM encoder writes it. */
const HEADER = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/;
/** A PPM header is a few dozen bytes; more without a match is not a PPM stream. */
const HEADER_MAX = 64;

/**
 * Splits a stream of back-to-back PPM (P6, 8-bit RGB) images into frames. Each frame owns its buffer.
 * Frame `i` is stamped `i / fps` seconds: the images come out of ffmpeg's fps filter, one per 1/fps of the stream.
 */
export class PpmSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private current: { width: number; height: number; data: Buffer; filled: number } | null = null;
  private index = 0;

  constructor(private readonly fps: number) {}

  push(chunk: Buffer): RgbFrame[] {
    const out: RgbFrame[] = [];
    let rest = chunk;
    while (rest.length > 0) {
      if (!this.current) {
        this.pending = this.pending.length ? Buffer.concat([this.pending, rest]) : rest;
        const head = HEADER.exec(this.pending.subarray(0, HEADER_MAX).toString('latin1'));
        if (!head) {
          if (this.pending.length >= HEADER_MAX) throw new Error('live frames: not a PPM stream');
          // the header's rest comes with the next chunk
          break;
        }
        const [whole, w, h, maxval] = head;
        if (maxval !== '255') throw new Error(`live frames: PPM with maxval ${maxval}, expected 255`);
        const width = Number(w);
        const height = Number(h);
        this.current = { width, height, data: Buffer.alloc(width * height * 3), filled: 0 };
        rest = this.pending.subarray(whole.length);
        this.pending = Buffer.alloc(0);
      }
      const c = this.current;
      const n = Math.min(c.data.length - c.filled, rest.length);
      rest.copy(c.data, c.filled, 0, n);
      c.filled += n;
      rest = rest.subarray(n);
      if (c.filled === c.data.length) {
        const index = this.index++;
        out.push({ index, timestamp: index / this.fps, width: c.width, height: c.height, data: c.data });
        this.current = null;
      }
    }
    return out;
  }
}

/**
 * The frames of a live stream for one consumer that may fall behind: at most `keep` frames wait, and when another
 * arrives the oldest waiting one is dropped, so ffmpeg (which records the segments too) is never held up by analysis
 * and the analysis stays at the present. `lossless` instead stops reading while `keep` frames wait, which holds
 * ffmpeg (and a network source behind it) back: every frame is analysed, at the analysis' pace (tests on a
 * busy machine). Ends when the stream ends.
 */
export class LiveFrames implements AsyncIterable<RgbFrame> {
  private readonly waiting: RgbFrame[] = [];
  private ended = false;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  /** frames dropped because the consumer was behind */
  dropped = 0;
  /** frames received */
  received = 0;

  private resume: (() => void) | null = null;
  private discarding = false;

  constructor(stream: Readable, fps: number, options: { keep?: number; lossless?: boolean } = {}) {
    const keep = options.keep ?? 3;
    const splitter = new PpmSplitter(fps);
    if (options.lossless) this.resume = () => stream.resume();
    stream.on('data', (chunk: Buffer) => {
      if (this.failure) return;
      try {
        for (const frame of splitter.push(chunk)) {
          this.received++;
          if (this.discarding) {
            this.dropped++;
            continue;
          }
          this.waiting.push(frame);
          if (this.waiting.length > keep && !options.lossless) {
            this.waiting.shift();
            this.dropped++;
          }
        }
      } catch (err) {
        this.failure = err as Error;
        stream.destroy();
      }
      if (options.lossless && this.waiting.length >= keep) stream.pause();
      this.notify();
    });
    const end = () => {
      this.ended = true;
      this.notify();
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', (err) => {
      this.failure ??= err;
      end();
    });
  }

  /** No consumer any more: what comes is dropped, and a lossless stream flows again (the recording goes on). */
  discard(): void {
    this.discarding = true;
    this.dropped += this.waiting.length;
    this.waiting.length = 0;
    this.resume?.();
  }

  private notify(): void {
    this.wake?.();
    this.wake = null;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<RgbFrame> {
    while (true) {
      const frame = this.waiting.shift();
      this.resume?.();
      if (frame) {
        yield frame;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
