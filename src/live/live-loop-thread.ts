import { parentPort, workerData } from 'node:worker_threads';
import { runFrameLoop } from '../analysis/frame-loop.js';
import type { RgbFrame } from '../core/types.js';
import { createDetector } from '../vision/detector.js';
import type { LiveLoopInput, LiveLoopMessage, LiveLoopRequest } from './live-loop.js';

const port = parentPort!;
const request = workerData as LiveLoopRequest;
const inbox: LiveLoopInput[] = [];
let wake: (() => void) | undefined;
port.on('message', (m: LiveLoopInput) => {
  inbox.push(m);
  wake?.();
  wake = undefined;
});
const send = (m: LiveLoopMessage) => port.postMessage(m);

/** One frame asked for at a time: the main thread's LiveFrames drop what waits, not this thread. */
async function* frames(): AsyncGenerator<RgbFrame> {
  while (true) {
    send({ type: 'next' });
    while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    const m = inbox.shift()!;
    if (m.type === 'end') return;
    yield { index: m.index, timestamp: m.timestamp, width: m.width, height: m.height, data: new Uint8Array(m.data) };
  }
}

try {
  const detector = await createDetector(request.detector);
  await runFrameLoop({
    videoPath: request.videoPath,
    frames: frames(),
    keepFound: false,
    fps: request.fps,
    maxWidth: request.maxWidth,
    analysedSize: request.analysedSize,
    readAhead: 1,
    detector,
    camera: request.camera,
    segmentStart: request.segmentStart,
    shotsPerTrack: 3,
    // whether they are the source's own size is known once a segment is probed (see LiveAnalyzer.complete)
    keepKeyframes: true,
    onFound: (found) => send({ type: 'found', found }),
  });
  send({ type: 'done' });
} catch (err) {
  send({ type: 'error', message: (err as Error).message });
} finally {
  port.close();
}
