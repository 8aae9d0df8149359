import { colourSignature } from './appearance.js';
import { area, iou } from './boxes.js';
import { zonePolygon, type ZoneConfig } from './camera-config.js';
import { DEFAULT_SCORE_WINDOW, isConfirmed } from './confirmation.js';
import { fuseRoadUsers } from './road-users.js';
import {
  DEFAULT_RIDER_OPTIONS,
  judgeEpisode,
  type EpisodeFrame,
  type EpisodeVerdict,
  type RiderOptions,
} from './rules.js';
import { isScheduleActive } from './schedule.js';
import {
  continuesPiece,
  DEFAULT_RELINK_OPTIONS,
  framesSignature,
  resumesPiece,
  type RelinkOptions,
} from './track-pieces.js';
import { ByteTracker, type ByteTrackerOptions, type Track, type TrackObservation } from './tracker.js';
import type { Box, Detection, ObjectClass, Point, RgbFrame } from './types.js';
import { DEFAULT_ZONE_INERTIA, PolygonZone } from './zone.js';

export interface ViolationJudgeOptions {
  zones: readonly ZoneConfig[];
  frameWidth: number;
  frameHeight: number;
  /** analysis frame rate */
  fps: number;
  /** IANA zone of the camera, for schedules */
  timezone: string;
  /** capture time of the segment's first frame */
  segmentStart: Date;
  /** Frigate-style confirmation threshold on the median score (default 0.5) */
  confirmThreshold?: number;
  /**
   * a track whose box overlaps another live track's by this IoU may swap identity with it (queues,
   * overtaking): its stay is judged in pieces cut there, so one event never spans a possible swap
   * and shows two vehicles (default 0.3)
   */
  crowdIou?: number;
  scoreWindow?: number;
  /** consecutive observations to enter or leave a zone (default DEFAULT_ZONE_INERTIA, 2) */
  inertia?: number;
  tracker?: ByteTrackerOptions;
  rider?: Partial<RiderOptions>;
  /** when a piece of a stay cut at a possible swap is joined to the piece before (see track-pieces.ts) */
  relink?: Partial<RelinkOptions>;
  /** told every judged stay, violation or not, with each rule's check: a trace for tuning zones */
  onVerdict?: (verdict: StayVerdict) => void;
}

/** A stay of a track in a zone as the rules judged it. */
export interface StayVerdict extends EpisodeVerdict {
  trackId: number;
  label: ObjectClass;
  zone: string;
  entryFrame: number;
  exitFrame: number;
}

export interface ViolationBox {
  frameIndex: number;
  timestamp: number;
  box: Box;
  score: number;
}

export interface ViolationEvent {
  trackId: number;
  label: ObjectClass;
  zone: ZoneConfig;
  entryFrame: number;
  /** frame with the largest box: the closest, best view */
  peakFrame: number;
  exitFrame: number;
  /** seconds from the segment start */
  startSec: number;
  endSec: number;
  /** capture times (segment start + offset) */
  startTime: Date;
  endTime: Date;
  /** net travel in the zone as a share of the frame diagonal */
  displacement: number;
  dwellSeconds: number;
  /** heading in image coordinates, degrees 0..360 (0 = right, 90 = down) */
  direction?: number;
  riderShare: number;
  /** in-zone boxes, in frame order */
  boxes: ViolationBox[];
  /** the vehicle's colours over the event (see appearance.ts), when frames were given */
  appearance?: Float32Array;
}

/** The event's box at one of its frames: what its entry, peak and exit keyframes show (the first box otherwise). */
export function eventBoxAt(event: ViolationEvent, frameIndex: number): ViolationBox {
  return event.boxes.find((b) => b.frameIndex === frameIndex) ?? event.boxes[0]!;
}

/** A stay in a zone that did not make a violation, and why: for logs and tuning. */
export interface Rejection {
  trackId: number;
  label: ObjectClass;
  zone: string;
  entryFrame: number;
  exitFrame: number;
  reasons: string[];
}

/** What the judge may know of a frame besides its detections. */
export interface FrameContext {
  /** the frame's pixels: tracks then compare colours as well as positions */
  image?: Pick<RgbFrame, 'width' | 'height' | 'data'>;
  /** how far a moving camera has shifted the background since the first frame, pixels */
  cameraOffset?: Point;
  /** the camera pans or walks in this frame (see isCameraMoving): the frame is left out of judging */
  cameraMoving?: boolean;
}

export interface ViolationJudge {
  update(
    frameIndex: number,
    timestamp: number,
    detections: readonly Detection[],
    context?: FrameContext,
  ): ViolationEvent[];
  /** close every open stay (end of segment) */
  finish(): ViolationEvent[];
  tracks(): Track[];
  rejections(): Rejection[];
  /**
   * Frames an open stay may yet report as its entry, peak or exit (the first, largest-box and
   * latest of each stay, and the frames of a stay about to open): a caller keeping pictures for
   * evidence needs these and no others.
   */
  heldFrames(): Set<number>;
}

/** The frame with the largest box: the closest, best view (the first of equals). */
const largest = (frames: readonly EpisodeFrame[], first: EpisodeFrame) =>
  frames.reduce((best, f) => (area(f.box) > area(best.box) ? f : best), first);

/**
 * Whether the frame shows someone riding the track's vehicle: a fused rider, or the person alone
 * (a lone person's track is only judged once it was seen riding a two-wheeler, see trackClass).
 */
const riderSeen = (o: TrackObservation) => o.ridden === true || o.label === 'person';

/** Camera movement over this many consecutive frames (0.6 s at 5 fps) is a pan or a walk, not a jolt. */
const SUSTAINED_MOVE_FRAMES = 3;

interface Stay {
  /** inside-streak that has not yet lasted `inertia` observations */
  pending: EpisodeFrame[];
  frames: EpisodeFrame[];
  /** earlier pieces of the stay, cut where it may have swapped identity, that made no event alone */
  carry: EpisodeFrame[];
  open: boolean;
  /** in-zone frames left out because the camera moved */
  unsteady: number;
}

/** A stay that ended too short to make an event, which a new track on the same vehicle may go on. */
interface Orphan {
  trackId: number;
  zoneIndex: number;
  frames: EpisodeFrame[];
}

/**
 * Turns per-frame detections into violation events: tracks vehicles, follows each track's
 * membership of each zone, and when a stay ends (the track leaves, is lost for good, or the
 * segment ends) applies the zone's rules. A (track, zone) pair yields at most one event.
 */
export function createViolationJudge(opts: ViolationJudgeOptions): ViolationJudge {
  const tracker = new ByteTracker(opts.tracker);
  const inertia = opts.inertia ?? DEFAULT_ZONE_INERTIA;
  const zones = opts.zones.map((z) => new PolygonZone(zonePolygon(z), opts.frameWidth, opts.frameHeight, { inertia }));
  const rider: RiderOptions = { ...DEFAULT_RIDER_OPTIONS, ...opts.rider };
  const confirmThreshold = opts.confirmThreshold ?? 0.5;
  const crowdIou = opts.crowdIou ?? 0.3;
  const scoreWindow = opts.scoreWindow ?? DEFAULT_SCORE_WINDOW;
  const stays = new Map<string, Stay>();
  const emitted = new Set<string>();
  const lastSeen = new Map<number, Track>();
  const rejected: Rejection[] = [];
  const relink = { ...DEFAULT_RELINK_OPTIONS, ...opts.relink };
  let orphans: Orphan[] = [];
  /** camera offset of recent frames, for replaying a newly reported track */
  const offsets = new Map<number, Point>();
  const movingFrames = new Set<number>();
  let lastOffset: Point = [0, 0];
  /** consecutive frames the camera has been moving */
  let movingRun = 0;

  /** The stay's frames as they would be judged now. */
  const stayFrames = (stay: Stay) =>
    continuesPiece(stay.carry, stay.frames, relink) ? [...stay.carry, ...stay.frames] : stay.frames;

  /**
   * A piece that `frames`, a stay of `trackId`, goes on from, taken out of where it was: a stay that
   * ended unjudged a moment ago, or the open stay of a track that has lost sight of its vehicle.
   */
  function findOrphan(trackId: number, zoneIndex: number, frames: EpisodeFrame[]): EpisodeFrame[] | undefined {
    const ended = orphans.find(
      (o) => o.zoneIndex === zoneIndex && o.trackId !== trackId && resumesPiece(o.frames, frames, relink),
    );
    if (ended) {
      orphans = orphans.filter((o) => o !== ended);
      return ended.frames;
    }
    const last = frames[frames.length - 1]!;
    for (const other of lastSeen.values()) {
      const stay = stays.get(`${other.id}:${zoneIndex}`);
      if (other.id === trackId || !stay?.open || emitted.has(`${other.id}:${zoneIndex}`)) continue;
      if (other.history[other.history.length - 1]!.frameIndex >= last.frameIndex) continue;
      const lost = stayFrames(stay);
      if (!resumesPiece(lost, frames, relink)) continue;
      Object.assign(stay, { frames: [], carry: [], open: false });
      return lost;
    }
    return undefined;
  }

  const captureTime = (sec: number) => new Date(opts.segmentStart.getTime() + sec * 1000);

  /** Judges the stay's frames so far; the stay goes on (open) only when `keepOpen`. */
  function close(track: Track, zoneIndex: number, stay: Stay, keepOpen = false): ViolationEvent | undefined {
    stay.open = keepOpen;
    let frames = stayFrames(stay);
    const start = frames[0];
    if (start) {
      const orphan = findOrphan(track.id, zoneIndex, frames);
      if (orphan) frames = [...orphan.filter((f) => f.timestamp < start.timestamp), ...frames];
    }
    const unsteady = stay.unsteady;
    stay.frames = [];
    stay.carry = [];
    stay.unsteady = 0;
    const key = `${track.id}:${zoneIndex}`;
    const first = frames[0];
    const last = frames[frames.length - 1];
    const zone = opts.zones[zoneIndex]!;
    if ((!first || !last) && unsteady > 0 && !emitted.has(key)) {
      rejected.push({
        trackId: track.id,
        label: track.label,
        zone: zone.name,
        entryFrame: -1,
        exitFrame: -1,
        reasons: ['camera moving throughout the stay: motion not judged'],
      });
    }
    if (!first || !last || emitted.has(key)) return undefined;
    const verdict = judgeEpisode({
      label: track.label,
      frames,
      rules: zone.rules,
      fps: opts.fps,
      frameWidth: opts.frameWidth,
      frameHeight: opts.frameHeight,
      confirmed: isConfirmed(
        track.history.map((h) => h.score),
        confirmThreshold,
        scoreWindow,
      ),
      scheduleActive:
        isScheduleActive(zone.schedule, captureTime(first.timestamp), opts.timezone) ||
        isScheduleActive(zone.schedule, captureTime(last.timestamp), opts.timezone),
      rider,
    });
    opts.onVerdict?.({
      ...verdict,
      trackId: track.id,
      label: track.label,
      zone: zone.name,
      entryFrame: first.frameIndex,
      exitFrame: last.frameIndex,
    });
    if (!verdict.violation) {
      rejected.push({
        trackId: track.id,
        label: track.label,
        zone: zone.name,
        entryFrame: first.frameIndex,
        exitFrame: last.frameIndex,
        reasons: verdict.reasons,
      });
      if (keepOpen) stay.carry = frames;
      else orphans.push({ trackId: track.id, zoneIndex, frames });
      return undefined;
    }
    emitted.add(key);
    const peak = largest(frames, first);
    const appearance = framesSignature(frames);
    return {
      trackId: track.id,
      label: track.label,
      zone,
      entryFrame: first.frameIndex,
      peakFrame: peak.frameIndex,
      exitFrame: last.frameIndex,
      startSec: first.timestamp,
      endSec: last.timestamp,
      startTime: captureTime(first.timestamp),
      endTime: captureTime(last.timestamp),
      displacement: verdict.displacement,
      dwellSeconds: verdict.dwellSeconds,
      direction: verdict.directionDeg,
      riderShare: verdict.riderShare,
      boxes: frames.map(({ frameIndex, timestamp, box, score }) => ({ frameIndex, timestamp, box, score })),
      ...(appearance ? { appearance } : {}),
    };
  }

  function closeTrack(track: Track): ViolationEvent[] {
    const events: ViolationEvent[] = [];
    zones.forEach((zone, zi) => {
      const stay = stays.get(`${track.id}:${zi}`);
      if (stay?.open) {
        const event = close(track, zi, stay);
        if (event) events.push(event);
      }
      stays.delete(`${track.id}:${zi}`);
      zone.forget(track.id);
    });
    lastSeen.delete(track.id);
    return events;
  }

  /**
   * `crowded`: the track may have swapped identity here (it overlaps another track, or its match
   * was uncertain), so the stay is judged in pieces cut at this frame.
   */
  function observe(track: Track, seen: TrackObservation, timestamp: number, crowded = false): ViolationEvent[] {
    const events: ViolationEvent[] = [];
    const { frameIndex, box, score, appearance } = seen;
    const frame: EpisodeFrame = {
      frameIndex,
      timestamp,
      box,
      score,
      ridden: riderSeen(seen),
      cameraOffset: offsets.get(frameIndex),
      ...(appearance ? { appearance } : {}),
    };
    zones.forEach((zone, zi) => {
      const key = `${track.id}:${zi}`;
      let stay = stays.get(key);
      if (!stay) {
        stay = { pending: [], frames: [], carry: [], open: false, unsteady: 0 };
        stays.set(key, stay);
      }
      const m = zone.update(track.id, box, frameIndex);
      if (m.entered) {
        // Entering on an unsure frame: what came before may have been another object.
        const seen = crowded ? [] : [...stay.pending, frame];
        stay.frames = seen.filter((f) => !movingFrames.has(f.frameIndex));
        stay.unsteady += seen.length - stay.frames.length;
        stay.pending = [];
        stay.open = true;
      } else if (m.left) {
        const event = close(track, zi, stay);
        if (event) events.push(event);
      } else if (stay.open && crowded) {
        if (m.pointInside && movingFrames.has(frameIndex)) stay.unsteady++;
        if (stay.frames.length > 0) {
          const event = close(track, zi, stay, true);
          if (event) events.push(event);
        }
      } else if (stay.open && movingFrames.has(frameIndex)) {
        if (m.pointInside) stay.unsteady++;
      } else if (stay.open) {
        if (m.pointInside) stay.frames.push(frame);
      } else {
        stay.pending = m.pointInside ? [...stay.pending, frame] : [];
      }
    });
    return events;
  }

  return {
    update(frameIndex, timestamp, detections, context = {}) {
      const users = fuseRoadUsers(detections, {
        minPersonScore: rider.minPersonScore,
        rider,
        frameWidth: opts.frameWidth,
      });
      const image = context.image;
      if (image) for (const u of users) u.appearance = colourSignature(image, u.box);
      if (context.cameraOffset) offsets.set(frameIndex, context.cameraOffset);
      if (context.cameraMoving) movingFrames.add(frameIndex);
      movingRun = context.cameraMoving ? movingRun + 1 : 0;
      const events: ViolationEvent[] = [];
      const before = lastOffset;
      if (context.cameraOffset) lastOffset = context.cameraOffset;
      const shift: Point = [lastOffset[0] - before[0], lastOffset[1] - before[1]];
      const reported = tracker.update(users, frameIndex, timestamp, shift);
      const live = tracker.activeTracks();
      const crowded = (t: Track) => live.some((o) => o.id !== t.id && iou(o.box, t.box) >= crowdIou);
      for (const track of reported) {
        if (!lastSeen.has(track.id)) {
          // A new track is reported only after it has been matched a few times: replay those frames.
          for (const h of track.history.slice(0, -1)) {
            events.push(...observe(track, h, h.timestamp ?? timestamp));
          }
        }
        lastSeen.set(track.id, track);
        const now = track.history[track.history.length - 1]!;
        // A sustained pan or walk can carry a track onto another object: no episode spans one.
        const unsure = crowded(track) || now.uncertain === true || movingRun >= SUSTAINED_MOVE_FRAMES;
        events.push(...observe(track, now, timestamp, unsure));
      }
      const oldest = Math.min(frameIndex, ...[...lastSeen.values()].map((t) => t.startFrame));
      for (const f of offsets.keys()) if (f < oldest) offsets.delete(f);
      for (const f of movingFrames) if (f < oldest) movingFrames.delete(f);
      for (const gone of tracker.drainRemoved()) events.push(...closeTrack(gone));
      // An orphan waits for the tracks that started during it or soon after, until they are judged.
      const startedDuring = ({ frames }: Orphan) =>
        [...lastSeen.values()].some((t) => {
          const start = t.history[0]!.timestamp ?? -Infinity;
          return start > frames[0]!.timestamp && start <= frames[frames.length - 1]!.timestamp + relink.maxGapSec;
        });
      orphans = orphans.filter(
        (o) => timestamp - o.frames[o.frames.length - 1]!.timestamp <= relink.maxGapSec || startedDuring(o),
      );
      return events;
    },
    finish() {
      const events: ViolationEvent[] = [];
      for (const track of [...lastSeen.values()]) events.push(...closeTrack(track));
      return events;
    },
    tracks: () => tracker.activeTracks(),
    rejections: () => [...rejected],
    heldFrames() {
      const held = new Set<number>();
      for (const { frames } of orphans) {
        held.add(frames[0]!.frameIndex);
        held.add(largest(frames, frames[0]!).frameIndex);
      }
      for (const stay of stays.values()) {
        for (const f of stay.pending) held.add(f.frameIndex);
        const frames = [...stay.carry, ...stay.frames];
        const first = frames[0];
        if (!stay.open || !first) continue;
        held.add(first.frameIndex);
        held.add(largest(frames, first).frameIndex);
        held.add(frames[frames.length - 1]!.frameIndex);
      }
      return held;
    },
  };
}
