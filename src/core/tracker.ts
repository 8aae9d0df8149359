import { blendSignature, signatureSimilarity } from './appearance.js';
import { area, iou } from './boxes.js';
import { BoxFilter, toCxCyWh } from './box-filter.js';
import { isTwoWheeler, trackClass } from './road-users.js';
import type { Box, ClassScores, Detection, ObjectClass } from './types.js';

/**
 * ByteTrack (Zhang et al. 2022), in the spirit of Roboflow supervision's implementation:
 *  1. predict every track's box with a constant-velocity Kalman filter;
 *  2. match high-score detections to tracked and lost tracks by IoU (then, for what is left, by
 *     centre distance: at a few frames per second a fast vehicle can outrun its own box);
 *  3. match low-score detections to the tracked tracks still unmatched (they are often the
 *     partially occluded objects that a plain score threshold would drop);
 *  4. start new tracks only from unmatched high-score detections;
 *  5. keep unmatched tracks as lost for `lostTrackBuffer` frames, then remove them.
 * Matching ignores the per-frame class: COCO detectors flip a rider between `motorcycle`, `person`,
 * `car` and `truck` from frame to frame, and a track that broke at each flip would never be judged.
 * Instead each track sums the class scores of its detections and takes the class of the vote, except
 * that a person seen riding a two-wheeler on a few frames is that two-wheeler (see trackClass).
 * Where detections carry a colour signature, a pair whose colours clearly differ may not match
 * (two riders side by side in a queue), and the cost prefers the likelier colours. Matching is
 * greedy, best pair first, which gives the same pairs as the Hungarian method whenever boxes do
 * not compete, the usual case here.
 */

export type TrackState = 'tentative' | 'tracked' | 'lost' | 'removed';

export interface TrackObservation {
  frameIndex: number;
  timestamp?: number;
  box: Box;
  score: number;
  /** the detection's class */
  label?: ObjectClass;
  /** the detection said a person rides it */
  ridden?: boolean;
  /**
   * the match may have picked up another object: it was made by centre distance alone, with no
   * overlap, after the track went unseen for more than UNSEEN_FRAMES, or its box changed size abruptly
   */
  uncertain?: boolean;
  /** the detection's colour signature (see appearance.ts) */
  appearance?: Float32Array;
}

export interface Track {
  id: number;
  /** the class of the vote over every matched detection */
  label: ObjectClass;
  /** summed class scores of every matched detection */
  classVotes: ClassScores;
  /** box of the latest matched detection */
  box: Box;
  /** score of the latest matched detection */
  score: number;
  /** every matched detection, oldest first (shared with the tracker: read, do not modify) */
  history: TrackObservation[];
  state: TrackState;
  startFrame: number;
  lastFrame: number;
}

export interface ByteTrackerOptions {
  /** detections at or above this score take part in the first association (default 0.5) */
  highThreshold?: number;
  /** detections below this are ignored entirely (default 0.1) */
  lowThreshold?: number;
  /** unmatched detections at or above this start a track (default 0.6) */
  newTrackThreshold?: number;
  /** minimum IoU for the first association (default 0.2) */
  matchIou?: number;
  /** minimum IoU for the low-score association (default 0.5) */
  lowMatchIou?: number;
  /**
   * fallback for confident detections no box overlapped: match by centre distance, at most this
   * many box diagonals from the prediction and of similar size (default 1; 0 turns it off). At
   * analysis rates of a few fps a fast vehicle can move its own length between frames.
   */
  maxCenterDistance?: number;
  /** frames a lost track is kept for re-identification (default 10) */
  lostTrackBuffer?: number;
  /** consecutive matches before a new track is reported (default 2; tracks in the first frame start tracked) */
  activationFrames?: number;
  /** colour similarity under which a track and a detection may not match (default 0.5) */
  minAppearance?: number;
  /** weight of colour similarity against IoU or distance in the matching cost (default 0.5) */
  appearanceWeight?: number;
  /**
   * boxes under this height, pixels, are small for the detector (default 0: none): detectors score
   * small, distant objects lower, so their detections face thresholds scaled by `smallObjectScale`
   */
  smallObjectHeight?: number;
  /** factor on highThreshold and newTrackThreshold for small boxes (default 0.8) */
  smallObjectScale?: number;
}

interface InternalTrack extends Track {
  filter: BoxFilter;
  predicted: Box;
  hits: number;
  appearance: Float32Array | undefined;
  /** frames on which the track was seen as a ridden two-wheeler scored at least highThreshold, per class */
  riddenFrames: Partial<Record<ObjectClass, number>>;
}

type Pairs = Array<[InternalTrack, Detection]>;

/** A track unseen for more frames than this (half a second at 5 fps) may come back on another object. */
const UNSEEN_FRAMES = 2;
/** Between two matches a vehicle's box does not grow or shrink by more than this factor in area. */
const MAX_AREA_CHANGE = 2.5;

function sizeJump(a: Box, b: Box): boolean {
  const ratio = area(b) / Math.max(area(a), 1);
  return ratio > MAX_AREA_CHANGE || ratio < 1 / MAX_AREA_CHANGE;
}

interface Appearance {
  min: number;
  weight: number;
}

/** Colour similarity of a pair, 1 when either side has no signature. */
function similarity(track: InternalTrack, det: Detection): number {
  return track.appearance && det.appearance ? signatureSimilarity(track.appearance, det.appearance) : 1;
}

/**
 * Greedy one-to-one matching, lowest cost first; `cost` returns undefined for pairs that may not
 * match. Pairs whose colours differ beyond `appearance.min` may not match; the others pay for
 * what colour difference they have.
 */
function greedyMatch(
  tracks: readonly InternalTrack[],
  dets: readonly Detection[],
  appearance: Appearance,
  cost: (track: InternalTrack, det: Detection) => number | undefined,
): Pairs {
  const pairs: Array<{ t: number; d: number; cost: number }> = [];
  tracks.forEach((track, t) =>
    dets.forEach((det, d) => {
      const sim = similarity(track, det);
      if (sim < appearance.min) return;
      const c = cost(track, det);
      if (c !== undefined) pairs.push({ t, d, cost: c + appearance.weight * (1 - sim) });
    }),
  );
  pairs.sort((a, b) => a.cost - b.cost);
  const usedT = new Set<number>();
  const usedD = new Set<number>();
  const matches: Pairs = [];
  for (const p of pairs) {
    if (usedT.has(p.t) || usedD.has(p.d)) continue;
    usedT.add(p.t);
    usedD.add(p.d);
    matches.push([tracks[p.t]!, dets[p.d]!]);
  }
  return matches;
}

function matchByIou(
  tracks: readonly InternalTrack[],
  dets: readonly Detection[],
  minIou: number,
  appearance: Appearance,
): Pairs {
  return greedyMatch(tracks, dets, appearance, (t, d) => {
    const v = iou(t.predicted, d.box);
    return v >= minIou ? -v : undefined;
  });
}

/** Centre distance in predicted-box diagonals, for boxes of similar area (within a factor of 2). */
function matchByDistance(
  tracks: readonly InternalTrack[],
  dets: readonly Detection[],
  maxDistance: number,
  appearance: Appearance,
): Pairs {
  return greedyMatch(tracks, dets, appearance, (t, d) => {
    const [tx, ty, tw, th] = toCxCyWh(t.predicted);
    const [dx, dy, dw, dh] = toCxCyWh(d.box);
    const diagonal = Math.hypot(tw, th);
    const areaRatio = (dw * dh) / (tw * th);
    if (diagonal === 0 || areaRatio < 0.5 || areaRatio > 2) return undefined;
    const dist = Math.hypot(dx - tx, dy - ty) / diagonal;
    return dist <= maxDistance ? dist : undefined;
  });
}

export class ByteTracker {
  private readonly opts: Required<ByteTrackerOptions>;
  private tracks: InternalTrack[] = [];
  private removed: Track[] = [];
  private nextId = 1;
  private lastFrame: number | undefined;

  constructor(opts: ByteTrackerOptions = {}) {
    this.opts = {
      highThreshold: opts.highThreshold ?? 0.5,
      lowThreshold: opts.lowThreshold ?? 0.1,
      newTrackThreshold: opts.newTrackThreshold ?? 0.6,
      matchIou: opts.matchIou ?? 0.2,
      maxCenterDistance: opts.maxCenterDistance ?? 1,
      lowMatchIou: opts.lowMatchIou ?? 0.5,
      lostTrackBuffer: opts.lostTrackBuffer ?? 10,
      activationFrames: Math.max(1, opts.activationFrames ?? 2),
      minAppearance: opts.minAppearance ?? 0.5,
      appearanceWeight: opts.appearanceWeight ?? 0.5,
      smallObjectHeight: opts.smallObjectHeight ?? 0,
      smallObjectScale: opts.smallObjectScale ?? 0.8,
    };
    this.appearance = { min: this.opts.minAppearance, weight: this.opts.appearanceWeight };
  }

  private readonly appearance: Appearance;

  /**
   * Feed the detections of one frame (frame indices must increase; gaps are allowed and predicted
   * over). `cameraShift` is how far a moving camera moved the picture since the previous frame:
   * every prediction moves with it. Returns the tracks matched in this frame that are reported
   * (not tentative).
   */
  update(
    dets: readonly Detection[],
    frameIndex: number,
    timestamp?: number,
    cameraShift?: readonly [number, number],
  ): Track[] {
    if (this.lastFrame !== undefined && frameIndex <= this.lastFrame) {
      throw new RangeError(`frame ${frameIndex} is not after frame ${this.lastFrame}`);
    }
    const steps = this.lastFrame === undefined ? 1 : frameIndex - this.lastFrame;
    const firstFrame = this.lastFrame === undefined;
    this.lastFrame = frameIndex;

    for (const t of this.tracks) {
      t.predicted = t.filter.predict(steps);
      if (cameraShift) t.predicted = t.filter.shift(cameraShift[0], cameraShift[1]);
    }

    const high = dets.filter((d) => d.score >= this.threshold(d, this.opts.highThreshold));
    const low = dets.filter((d) => d.score >= this.opts.lowThreshold && !high.includes(d));
    const matched = new Set<InternalTrack>();
    const apply = (pairs: Array<[InternalTrack, Detection]>, byDistance = false) => {
      for (const [t, d] of pairs) {
        this.observe(
          t,
          d,
          frameIndex,
          timestamp,
          byDistance || frameIndex - t.lastFrame - 1 > UNSEEN_FRAMES || sizeJump(t.box, d.box),
        );
        matched.add(t);
      }
    };

    // Established (tracked + lost) tracks get first pick of the confident detections.
    const established = this.tracks.filter((t) => t.state === 'tracked' || t.state === 'lost');
    const first = matchByIou(established, high, this.opts.matchIou, this.appearance);
    apply(first);
    const usedHigh = new Set(first.map(([, d]) => d));
    if (this.opts.maxCenterDistance > 0) {
      const leftTracks = established.filter((t) => !matched.has(t));
      const leftHigh = high.filter((d) => !usedHigh.has(d));
      for (const [t, d] of matchByDistance(leftTracks, leftHigh, this.opts.maxCenterDistance, this.appearance)) {
        apply([[t, d]], true);
        usedHigh.add(d);
      }
    }
    const remainingHigh = high.filter((d) => !usedHigh.has(d));

    const unmatchedTracked = established.filter((t) => !matched.has(t) && t.state === 'tracked');
    apply(matchByIou(unmatchedTracked, low, this.opts.lowMatchIou, this.appearance));

    // Tentative tracks need a confident detection to continue.
    const tentative = this.tracks.filter((t) => t.state === 'tentative');
    const third = matchByIou(tentative, remainingHigh, this.opts.matchIou, this.appearance);
    apply(third);
    const usedThird = new Set(third.map(([, d]) => d));

    for (const t of this.tracks) {
      if (matched.has(t)) continue;
      if (t.state === 'tentative') t.state = 'removed';
      else if (t.state === 'tracked') t.state = 'lost';
      if (t.state === 'lost' && frameIndex - t.lastFrame > this.opts.lostTrackBuffer) t.state = 'removed';
    }

    for (const d of remainingHigh) {
      if (usedThird.has(d) || d.score < this.threshold(d, this.opts.newTrackThreshold)) continue;
      this.tracks.push(this.start(d, frameIndex, timestamp, firstFrame));
    }

    for (const t of this.tracks) {
      if (t.state === 'removed' && t.hits >= this.opts.activationFrames) this.removed.push(publicView(t));
    }
    this.tracks = this.tracks.filter((t) => t.state !== 'removed');

    return this.tracks.filter((t) => t.lastFrame === frameIndex && t.state === 'tracked').map(publicView);
  }

  /** A score threshold as it applies to this detection's size. */
  private threshold(d: Detection, threshold: number): number {
    return d.box.y2 - d.box.y1 < this.opts.smallObjectHeight ? threshold * this.opts.smallObjectScale : threshold;
  }

  /** Reported tracks removed (lost past the buffer) since the previous call, oldest first. */
  drainRemoved(): Track[] {
    const out = this.removed;
    this.removed = [];
    return out;
  }

  /** Every live reported track, tracked or lost. */
  activeTracks(): Track[] {
    return this.tracks.filter((t) => t.state !== 'tentative').map(publicView);
  }

  private start(d: Detection, frameIndex: number, timestamp: number | undefined, firstFrame: boolean): InternalTrack {
    const track: InternalTrack = {
      id: this.nextId++,
      label: d.label,
      classVotes: {},
      box: d.box,
      score: d.score,
      history: [],
      state: firstFrame || this.opts.activationFrames === 1 ? 'tracked' : 'tentative',
      startFrame: frameIndex,
      lastFrame: frameIndex,
      filter: new BoxFilter(d.box),
      predicted: d.box,
      hits: firstFrame ? this.opts.activationFrames - 1 : 0,
      appearance: d.appearance,
      riddenFrames: {},
    };
    this.record(track, d, frameIndex, timestamp);
    return track;
  }

  /** Adds a matched detection to the track's history and class vote. */
  private record(
    t: InternalTrack,
    d: Detection,
    frameIndex: number,
    timestamp: number | undefined,
    uncertain = false,
  ): void {
    t.box = d.box;
    t.score = d.score;
    t.lastFrame = frameIndex;
    t.history.push({
      frameIndex,
      timestamp,
      box: d.box,
      score: d.score,
      label: d.label,
      ridden: d.ridden,
      ...(uncertain ? { uncertain } : {}),
      ...(d.appearance ? { appearance: d.appearance } : {}),
    });
    t.hits++;
    for (const [label, score] of Object.entries(d.classScores ?? { [d.label]: d.score }) as Array<
      [ObjectClass, number]
    >) {
      t.classVotes[label] = (t.classVotes[label] ?? 0) + score;
    }
    // A weak ridden two-wheeler (a walker's legs, a box cut by the frame edge) does not make a person a rider.
    if (d.ridden && isTwoWheeler(d.label) && d.score >= this.opts.highThreshold)
      t.riddenFrames[d.label] = (t.riddenFrames[d.label] ?? 0) + 1;
    t.label = trackClass(t.classVotes, t.riddenFrames);
    if (d.appearance) t.appearance = t.appearance ? blendSignature(t.appearance, d.appearance, 0.3) : d.appearance;
  }

  private observe(
    t: InternalTrack,
    d: Detection,
    frameIndex: number,
    timestamp: number | undefined,
    uncertain: boolean,
  ): void {
    t.predicted = t.filter.correct(d.box);
    this.record(t, d, frameIndex, timestamp, uncertain);
    if (t.state === 'lost') t.state = 'tracked';
    if (t.state === 'tentative' && t.hits >= this.opts.activationFrames) t.state = 'tracked';
  }
}

function publicView(t: InternalTrack): Track {
  return {
    id: t.id,
    label: t.label,
    classVotes: { ...t.classVotes },
    box: t.box,
    score: t.score,
    history: t.history,
    state: t.state,
    startFrame: t.startFrame,
    lastFrame: t.lastFrame,
  };
}
