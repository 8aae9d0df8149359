import { Worker } from 'node:worker_threads';
import type { RgbFrame } from '../core/types.js';
import { MediaError, type MediaErrorCode } from '../media/errors.js';
import type { VideoInfo } from '../media/probe.js';
import { DEFAULT_READ_AHEAD } from './defaults.js';

/**
 * Decoded frames produced on a worker thread. onnxruntime-node runs a session synchronously on the
 * main thread, so a frame pipe read there stalls ffmpeg for the whole inference (the 64 KiB pipe
 * fills with the first slice of a 6 MB frame). On its own thread the pipe keeps draining and up to
 * `readAhead` frames wait decoded; they move to the main thread without a copy.
 */

export interface DecodeAheadRequest {
  file: string;
  fps: number;
  maxWidth: number | undefined;
  readAhead: number;
  startSec: number;
  info: VideoInfo | undefined;
}

export type DecodeAheadMessage =
  | { type: 'frame'; index: number; timestamp: number; width: number; height: number; data: ArrayBuffer }
  | { type: 'end' }
  | { type: 'error'; message: string; mediaCode?: MediaErrorCode; file?: string };

export type DecodeAheadControl = { type: 'credit' } | { type: 'stop' };

const WORKER_URL = new URL('./decode-ahead-worker.mjs', import.meta.url);

function toError(message: Extract<DecodeAheadMessage, { type: 'error' }>): Error {
  if (message.mediaCode && message.file) {
    const prefix = `${message.file}: `;
    const problem = message.message.startsWith(prefix) ? message.message.slice(prefix.length) : message.message;
    return new MediaError(message.mediaCode, message.file, problem);
  }
  return new Error(message.message);
}

export async function* decodeAhead(
  file: string,
  options: { fps: number; maxWidth?: number; readAhead?: number; startSec?: number; info?: VideoInfo },
): AsyncGenerator<RgbFrame> {
  const request: DecodeAheadRequest = {
    file,
    fps: options.fps,
    maxWidth: options.maxWidth,
    readAhead: Math.max(1, options.readAhead ?? DEFAULT_READ_AHEAD),
    startSec: options.startSec ?? 0,
    info: options.info,
  };
  const worker = new Worker(WORKER_URL, { workerData: request });
  const inbox: DecodeAheadMessage[] = [];
  let wake: (() => void) | undefined;
  let exited = false;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  worker.on('message', (m: DecodeAheadMessage) => {
    inbox.push(m);
    notify();
  });
  worker.on('error', (err) => {
    inbox.push({ type: 'error', message: `frame decoder thread failed: ${err.message}` });
    notify();
  });
  worker.on('exit', () => {
    exited = true;
    notify();
  });

  let done = false;
  try {
    while (true) {
      const message = inbox.shift();
      if (!message) {
        if (exited) throw new Error('frame decoder thread exited without finishing');
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (message.type === 'end') break;
      if (message.type === 'error') throw toError(message);
      worker.postMessage({ type: 'credit' } satisfies DecodeAheadControl);
      yield {
        index: message.index,
        timestamp: message.timestamp,
        width: message.width,
        height: message.height,
        data: new Uint8Array(message.data),
      };
    }
    done = true;
  } finally {
    if (!exited) {
      // Let the thread close its generator (which kills ffmpeg) before it goes.
      if (!done) worker.postMessage({ type: 'stop' } satisfies DecodeAheadControl);
      await Promise.race([
        new Promise((resolve) => worker.once('exit', resolve)),
        new Promise((resolve) => setTimeout(resolve, 2000).unref()),
      ]);
      if (!exited) await worker.terminate();
    }
  }
}
