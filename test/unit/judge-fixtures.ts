import { zoneConfigSchema, type ZoneConfig } from '../../src/core/camera-config.js';
import type { Detection, ObjectClass } from '../../src/core/types.js';
import {
  createViolationJudge,
  type FrameContext,
  type ViolationEvent,
  type ViolationJudgeOptions,
} from '../../src/core/violation-judge.js';

/** A 1280×720 camera analysed at 5 fps, shared by the judge's tests. */
export const W = 1280;
export const H = 720;
export const FPS = 5;

/** Monday 2026-11-23 10:00 in Seoul. */
export const MONDAY_10_SEOUL = new Date('2026-11-23T10:00:00+09:00');

/** A sidewalk over the lower half of the frame. */
export const zone = (over: Record<string, unknown> = {}): ZoneConfig =>
  zoneConfigSchema.parse({
    name: 'sidewalk',
    kind: 'sidewalk',
    polygon: [
      [0, 0.5],
      [1, 0.5],
      [1, 1],
      [0, 1],
    ],
    ...over,
  });

/** A vehicle box centred on `cx` standing on `bottom`. */
export const vehicle = (
  cx: number,
  bottom: number,
  label: ObjectClass = 'motorcycle',
  score = 0.85,
  w = 120,
  h = 100,
): Detection => ({
  box: { x1: cx - w / 2, y1: bottom - h, x2: cx + w / 2, y2: bottom },
  score,
  label,
});

/** A judge of this camera with the sidewalk zone, unless `opts` say otherwise. */
export function createJudge(opts: Partial<ViolationJudgeOptions> = {}) {
  return createViolationJudge({
    zones: [zone()],
    frameWidth: W,
    frameHeight: H,
    fps: FPS,
    timezone: 'Asia/Seoul',
    segmentStart: MONDAY_10_SEOUL,
    ...opts,
  });
}

/** Feeds frames of detections (frame i at i / FPS s, with `contexts[i]`) to a judge and finishes it. */
export function runJudge(
  frames: Detection[][],
  opts: Partial<ViolationJudgeOptions> & { contexts?: FrameContext[] } = {},
) {
  const { contexts = [], ...judgeOpts } = opts;
  const judge = createJudge(judgeOpts);
  const events: ViolationEvent[] = [];
  frames.forEach((dets, i) => events.push(...judge.update(i, i / FPS, dets, contexts[i])));
  events.push(...judge.finish());
  return { events, rejections: judge.rejections(), judge };
}
