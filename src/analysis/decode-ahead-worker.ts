import { parentPort, workerData } from 'node:worker_threads';
import { MediaError } from '../media/errors.js';
import { streamFrames } from '../media/frame-stream.js';
import { transferablePixels } from './frame-transfer.js';
import type { DecodeAheadRequest, DecodeAheadMessage, DecodeAheadControl } from './decode-ahead.js';

const port = parentPort!;
const request = workerData as DecodeAheadRequest;
let credit = request.readAhead;
let stopped = false;
let wake: (() => void) | undefined;

port.on('message', (message: DecodeAheadControl) => {
  if (message.type === 'credit') credit++;
  else stopped = true;
  wake?.();
  wake = undefined;
});

const send = (message: DecodeAheadMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

const frames = streamFrames(request.file, {
  fps: request.fps,
  maxWidth: request.maxWidth,
  readAhead: 2,
  startSec: request.startSec,
  ...(request.info ? { info: request.info } : {}),
});
try {
  for await (const frame of frames) {
    while (credit <= 0 && !stopped) await new Promise<void>((resolve) => (wake = resolve));
    if (stopped) break;
    credit--;
    const data = transferablePixels(frame.data);
    send(
      { type: 'frame', index: frame.index, timestamp: frame.timestamp, width: frame.width, height: frame.height, data },
      [data],
    );
  }
  send({ type: 'end' });
} catch (err) {
  const e = err as Error;
  send({
    type: 'error',
    message: e.message,
    ...(err instanceof MediaError ? { mediaCode: err.code, file: err.file } : {}),
  });
} finally {
  port.close();
}
