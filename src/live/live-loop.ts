import { Worker } from 'node:worker_threads';
import type { FoundViolation } from '../analysis/frame-loop.js';
import { transferablePixels } from '../analysis/frame-transfer.js';
import type { CameraConfig } from '../core/camera-config.js';
import type { RgbFrame } from '../core/types.js';
import type { DetectorName } from '../vision/detector.js';

/**
 * A live stream's frame loop on a thread of its own. onnxruntime-node runs a session synchronously, so on the
 * recorder's main thread every frame's inference held back what fired meanwhile: the plate read, the row, the alert
 * and the sign cue, and each step of an evidence package, waited a whole frame per turn. The thread asks for one frame
 * at a time, so the live frames' own dropping (see LiveFrames) still keeps the analysis at the present.
 */
export interface LiveLoopRequest {
  detector: DetectorName;
  camera: CameraConfig;
  fps: number;
  maxWidth: number;
  analysedSize: { width: number; height: number };
  segmentStart: Date;
  /** names the stream in errors */
  videoPath: string;
}

export type LiveLoopMessage =
  { type: 'next' } | { type: 'found'; found: FoundViolation } | { type: 'done' } | { type: 'error'; message: string };

export type LiveLoopInput =
  | { type: 'frame'; index: number; timestamp: number; width: number; height: number; data: ArrayBuffer }
  | { type: 'end' };

const WORKER_URL = new URL('./live-loop-thread.mjs', import.meta.url);

/** Structured cloning turns the keyframes' Buffers into plain Uint8Arrays. */
function revive(found: FoundViolation): FoundViolation {
  const keyframes = new Map<number, Buffer>();
  for (const [index, jpeg] of found.keyframes)
    keyframes.set(index, Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength));
  return { ...found, keyframes };
}

/**
 * Runs the frame loop over `frames` on a worker thread; `onFrame` sees each frame as it is handed over and `onFound`
 * each violation as its rule fires. Resolves when the frames end and the loop has judged the last of them.
 */
export async function runLiveLoop(
  request: LiveLoopRequest,
  frames: AsyncIterable<RgbFrame>,
  handlers: { onFrame: (frame: RgbFrame) => void; onFound: (found: FoundViolation) => void },
): Promise<void> {
  const worker = new Worker(WORKER_URL, { workerData: request });
  const iterator = frames[Symbol.asyncIterator]();
  let settled = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        settled = true;
        reject(err);
      };
      const send = async () => {
        const next = await iterator.next();
        if (settled) return;
        if (next.done) {
          worker.postMessage({ type: 'end' } satisfies LiveLoopInput);
          return;
        }
        const frame = next.value;
        handlers.onFrame(frame);
        const data = transferablePixels(frame.data);
        const { index, timestamp, width, height } = frame;
        worker.postMessage({ type: 'frame', index, timestamp, width, height, data } satisfies LiveLoopInput, [data]);
      };
      worker.on('message', (m: LiveLoopMessage) => {
        if (m.type === 'next') send().catch(fail);
        else if (m.type === 'found') handlers.onFound(revive(m.found));
        else if (m.type === 'done') {
          settled = true;
          resolve();
        } else fail(new Error(m.message));
      });
      worker.on('error', (err) => fail(new Error(`live analysis thread failed: ${err.message}`)));
      worker.on('exit', () => {
        if (!settled) fail(new Error('live analysis thread exited without finishing'));
      });
    });
  } finally {
    settled = true;
    await worker.terminate();
  }
}
