import { performance } from 'node:perf_hooks';
import type { ViolationEvent, ViolationJudge } from '../core/violation-judge.js';
import type { Detector } from '../vision/detector.js';
import { BestShotKeeper, type VehicleShot } from './best-frames.js';
import { decodeAhead } from './decode-ahead.js';

export interface FrameLoopOptions {
  videoPath: string;
  fps: number;
  maxWidth: number;
  /** decoded frames buffered ahead of inference */
  readAhead: number;
  detector: Detector;
  detectScore: number;
  judge: ViolationJudge;
  /** labels the zones' rules target: only their tracks keep pictures for plate reading */
  ruleClasses: ReadonlySet<string>;
  shotsPerTrack: number;
  signal?: AbortSignal;
  onFrame?: (framesDone: number, violationsFound: number) => void;
}

export interface FoundViolation {
  event: ViolationEvent;
  /** the track's best pictures, best first */
  shots: VehicleShot[];
}

export interface FrameLoopResult {
  found: FoundViolation[];
  framesAnalysed: number;
  tracksSeen: number;
  decodeWaitMs: number;
  inferenceMs: number;
  trackingMs: number;
}

/**
 * The per-frame stage: ffmpeg decodes ahead in its own process, read on a worker thread into a small
 * bounded buffer, while each frame is detected, tracked and judged here. Keeps the best pictures of live tracks so plates can
 * be read after the fact without a second decode.
 */
export async function runFrameLoop(opts: FrameLoopOptions): Promise<FrameLoopResult> {
  const { detector, judge, ruleClasses, signal } = opts;
  const keeper = new BestShotKeeper(opts.shotsPerTrack);
  const found: FoundViolation[] = [];
  const tracksSeen = new Set<number>();
  const collect = (events: ViolationEvent[]) => {
    for (const event of events) found.push({ event, shots: keeper.get(event.trackId) });
  };

  let decodeWaitMs = 0;
  let inferenceMs = 0;
  let trackingMs = 0;
  let framesAnalysed = 0;
  const frames = decodeAhead(opts.videoPath, { fps: opts.fps, maxWidth: opts.maxWidth, readAhead: opts.readAhead });
  try {
    while (true) {
      let mark = performance.now();
      const next = await frames.next();
      decodeWaitMs += performance.now() - mark;
      if (next.done) break;
      signal?.throwIfAborted();
      const frame = next.value;

      mark = performance.now();
      const detections = await detector.detect(frame, { scoreThreshold: opts.detectScore });
      inferenceMs += performance.now() - mark;

      mark = performance.now();
      const events = judge.update(frame.index, frame.timestamp, detections);
      const live = judge.tracks();
      for (const track of live) {
        if (track.lastFrame === frame.index && track.state === 'tracked' && ruleClasses.has(track.label)) {
          tracksSeen.add(track.id);
          keeper.offer(track.id, frame, track.box);
        }
      }
      collect(events);
      keeper.retainOnly(new Set(live.map((t) => t.id)));
      trackingMs += performance.now() - mark;

      framesAnalysed++;
      opts.onFrame?.(framesAnalysed, found.length);
    }
  } finally {
    await frames.return(undefined);
  }
  collect(judge.finish());
  found.sort((a, b) => a.event.startSec - b.event.startSec || a.event.trackId - b.event.trackId);
  return { found, framesAnalysed, tracksSeen: tracksSeen.size, decodeWaitMs, inferenceMs, trackingMs };
}
