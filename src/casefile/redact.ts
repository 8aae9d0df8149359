import sharp from 'sharp';
import {
  keepBetween,
  offenderBoxAt,
  redactionPlan,
  regionsBetween,
  type RedactionPlan,
  type Region,
} from '../core/redaction.js';
import type { Box } from '../core/types.js';
import { openRawEncoder, readEveryFrame, type RawFrame } from '../media/frame-pipe.js';
import { probeVideo } from '../media/probe.js';
import { loadImage, type RgbImage } from '../vision/image.js';
import type { PrivacyDetector } from '../vision/privacy-detector.js';
import { applyPlan } from './blur.js';

/** How many faces and plates a file of the case file had blurred. */
export interface RedactionCount {
  face: number;
  plate: number;
  /** other vehicles' plate areas (core/redaction.ts: plateArea) */
  vehicle: number;
}

export function countRegions(regions: readonly Region[]): RedactionCount {
  return {
    face: regions.filter((r) => r.kind === 'face').length,
    plate: regions.filter((r) => r.kind === 'plate').length,
    vehicle: regions.filter((r) => r.kind === 'vehicle').length,
  };
}

const jpeg = (image: RgbImage) =>
  sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();

/** Faces and other vehicles' plates on a still: what to blur, and what to keep, given the offender's box there. */
export async function planForStill(
  image: RgbImage,
  detector: PrivacyDetector,
  offender: Box | null,
): Promise<RedactionPlan> {
  return redactionPlan(await detector.detect(image), offender, image.width);
}

/** The image with the plan carried out, as JPEG. */
export async function blurStill(bytes: Buffer, plan: RedactionPlan): Promise<Buffer> {
  const image = await loadImage(bytes);
  applyPlan(image, plan);
  return jpeg(image);
}

export interface ClipRedaction {
  frames: number;
  /** frames the detectors ran on; the rest take the regions of the samples around them */
  sampledFrames: number;
  sampleEvery: number;
  regions: RedactionCount;
}

export interface ClipRedactionOptions {
  detector: PrivacyDetector;
  /** the offending vehicle's box at a time of the clip (seconds from its first frame), null where not known */
  offenderAt(clipSec: number): Box | null;
  /** run the detectors on every this many frames (default: 5 a second, the analysis rate) */
  sampleEvery?: number;
}

/**
 * A copy of the clip with faces and other vehicles' plates blurred on every frame. The detectors run on every
 * `sampleEvery`-th frame (and the last); a frame between two samples gets the regions of both, plus, for a region
 * found on both that is likely the same object, where it was in between (core/redaction.ts: regionsBetween).
 * Re-encoded to H.264 (CRF 23, as re-encoded evidence clips are) without audio: voices are not evidence here.
 */
export async function redactClip(src: string, dest: string, options: ClipRedactionOptions): Promise<ClipRedaction> {
  const info = await probeVideo(src);
  const fps = info.fps > 0 ? info.fps : 25;
  const every = Math.max(1, options.sampleEvery ?? Math.round(fps / 5));
  const encoder = openRawEncoder(dest, { width: info.width, height: info.height, fps });
  const counts: RedactionCount = { face: 0, plate: 0, vehicle: 0 };
  let sampled = 0;
  let frames = 0;

  const planOf = async (frame: RawFrame): Promise<RedactionPlan> => {
    sampled++;
    const found = await planForStill(frame, options.detector, options.offenderAt(frame.index / fps));
    const c = countRegions(found.blur);
    counts.face += c.face;
    counts.plate += c.plate;
    counts.vehicle += c.vehicle;
    return found;
  };
  const emit = async (frame: RawFrame, plan: RedactionPlan) => {
    applyPlan(frame, plan);
    await encoder.write(frame.data);
    frames++;
  };
  /** frames from the last sample (first) up to, not including, the next one */
  let pending: RawFrame[] = [];
  let before: RedactionPlan = { blur: [], keep: [] };
  const between = (after: RedactionPlan, t: number): RedactionPlan => ({
    blur: regionsBetween(before.blur, after.blur, t),
    keep: keepBetween(before.keep, after.keep, t),
  });
  const flush = async (after: RedactionPlan) => {
    const span = pending.length;
    for (const [i, frame] of pending.entries()) {
      await emit(frame, i === 0 ? before : between(after, i / span));
    }
    pending = [];
  };

  try {
    for await (const frame of readEveryFrame(src, info)) {
      if (frame.index % every === 0) {
        const found = await planOf(frame);
        if (pending.length > 0) await flush(found);
        before = found;
      }
      pending.push(frame);
    }
    if (pending.length > 1) {
      const last = pending.pop()!;
      const found = await planOf(last);
      await flush(found);
      await emit(last, found);
    } else {
      await flush(before);
    }
    await encoder.finish();
  } catch (err) {
    encoder.abort();
    throw err;
  }
  return { frames, sampledFrames: sampled, sampleEvery: every, regions: counts };
}

/** The offender's box in clip time, from the manifest's track (source seconds) and the clip's window. */
export function offenderInClip(
  track: readonly { sec: number; box: readonly number[] }[],
  clipStartSec: number,
): (clipSec: number) => Box | null {
  const boxes = track.map((b) => ({ sec: b.sec, box: { x1: b.box[0]!, y1: b.box[1]!, x2: b.box[2]!, y2: b.box[3]! } }));
  return (clipSec) => offenderBoxAt(boxes, clipStartSec + clipSec);
}
