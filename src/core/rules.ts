import { area, bottomCenter, intersection } from './boxes.js';
import type { ZoneRules } from './camera-config.js';
import type { Box, ObjectClass, Point } from './types.js';

/** Classes that are never violators, whatever a zone's rules say. */
const NEVER_VIOLATORS: readonly ObjectClass[] = ['bicycle', 'person'];

export interface RiderOptions {
  /** the person's feet may be at most this share of the vehicle's width from its centre line (default 0.35) */
  maxCenterOffset: number;
  /** a vehicle box at least this tall for its width is seen end-on, from behind or ahead (default 0.9) */
  endOnAspect: number;
  /** side view: top share of the vehicle box where a rider's body sits (default 0.6) */
  upperShare: number;
  /** side view: minimum intersection of the person with that upper part, as a share of the part (default 0.2) */
  minUpperOverlap: number;
  /**
   * side view: the person's feet must be at least this share of the vehicle's height above its bottom
   * (default 0.1): a rider's feet rest on the footpegs, a walker's are on the ground by the wheels
   */
  feetAboveBottom: number;
  /** share of in-zone frames that must show a rider (default 0.5) */
  minRiderShare: number;
  /**
   * person detections under this score are not considered riders (default 0.35): PicoDet-S sees
   * the covered seats of parked bikes as 0.25–0.35 persons, while riders score higher
   */
  minPersonScore: number;
}

export const DEFAULT_RIDER_OPTIONS: RiderOptions = {
  maxCenterOffset: 0.35,
  endOnAspect: 0.9,
  upperShare: 0.6,
  minUpperOverlap: 0.2,
  feetAboveBottom: 0.1,
  minRiderShare: 0.5,
  minPersonScore: 0.35,
};

/**
 * Whether a person box sits on a vehicle box. Always: the feet are near the vehicle's centre line,
 * below its top third, and the body rises into its upper half. Seen end-on (rear-view CCTV) the
 * rider is stacked on the bike, often inside its box with legs down to the wheel, so the person must
 * lie within the bike's width, or the bike within the person's. Seen from the side, the feet must rest above the ground line (on the
 * pegs) and the body cover the upper part; a walker pushing alongside stands on the ground.
 */
export function isRiding(vehicle: Box, person: Box, opts: RiderOptions = DEFAULT_RIDER_OPTIONS): boolean {
  const w = vehicle.x2 - vehicle.x1;
  const h = vehicle.y2 - vehicle.y1;
  if (w <= 0 || h <= 0) return false;
  const [fx, fy] = bottomCenter(person);
  if (Math.abs(fx - (vehicle.x1 + vehicle.x2) / 2) > opts.maxCenterOffset * w) return false;
  if (fy < vehicle.y1 + 0.3 * h || person.y1 > vehicle.y1 + 0.5 * h) return false;

  if (h >= opts.endOnAspect * w) {
    const personWidth = person.x2 - person.x1;
    const inside = Math.min(person.x2, vehicle.x2) - Math.max(person.x1, vehicle.x1);
    // a rider's shoulders and arms can be wider than the bike under them, seen from ahead or behind
    return fy <= vehicle.y2 + 0.05 * h && personWidth > 0 && inside >= 0.7 * Math.min(personWidth, w);
  }
  if (fy > vehicle.y2 - opts.feetAboveBottom * h) return false;
  const upper: Box = { ...vehicle, y2: vehicle.y1 + opts.upperShare * h };
  return intersection(person, upper) >= opts.minUpperOverlap * area(upper);
}

/** Smallest angle between two directions, degrees in 0..180. */
export function angleDifference(a: number, b: number): number {
  const d = Math.abs((((a - b) % 360) + 360) % 360);
  return d > 180 ? 360 - d : d;
}

export interface Motion {
  /** net travel of the bottom-centre as a share of the frame diagonal */
  displacement: number;
  /** heading of that travel in image coordinates (0 = +x right, 90 = +y down), 0..360; absent without travel */
  directionDeg?: number;
}

/**
 * Net motion of the bottom-centre between the start and end of a run of boxes. Each end is the
 * mean of up to three boxes so that one jittery box neither creates nor hides motion. A box cut by
 * the frame's edge grows or shrinks as the object slides in or out, so on an axis where any box
 * touches an edge the opposite side of the boxes is followed instead of their centre.
 */
export function netMotion(boxes: readonly Box[], frameWidth: number, frameHeight: number): Motion {
  if (boxes.length < 2) return { displacement: 0 };
  const edge = 2;
  const cutLeft = boxes.some((b) => b.x1 <= edge);
  const cutRight = boxes.some((b) => b.x2 >= frameWidth - edge);
  const cutBottom = boxes.some((b) => b.y2 >= frameHeight - edge);
  const refX = (b: Box) => (cutRight && !cutLeft ? b.x1 : cutLeft && !cutRight ? b.x2 : (b.x1 + b.x2) / 2);
  const refY = (b: Box) => (cutBottom ? b.y1 : b.y2);
  const k = Math.max(1, Math.min(3, Math.floor(boxes.length / 4)));
  const mean = (bs: readonly Box[]) => [
    bs.reduce((s, b) => s + refX(b), 0) / bs.length,
    bs.reduce((s, b) => s + refY(b), 0) / bs.length,
  ];
  const [x0, y0] = mean(boxes.slice(0, k)) as [number, number];
  const [x1, y1] = mean(boxes.slice(-k)) as [number, number];
  const dx = x1 - x0;
  const dy = y1 - y0;
  const dist = Math.hypot(dx, dy);
  const displacement = dist / Math.hypot(frameWidth, frameHeight);
  if (dist === 0) return { displacement };
  const deg = (Math.atan2(dy, dx) * 180) / Math.PI;
  return { displacement, directionDeg: (deg + 360) % 360 };
}

export interface EpisodeFrame {
  frameIndex: number;
  /** seconds from the segment start */
  timestamp: number;
  box: Box;
  score: number;
  /** whether a person was riding the vehicle in this frame */
  ridden: boolean;
  /** background shift of a moving camera since the first frame (absent: a fixed camera) */
  cameraOffset?: Point;
  /** colour signature of the vehicle in this frame (see appearance.ts) */
  appearance?: Float32Array;
}

/** How far the camera moved between two frames, pixels. */
function cameraShiftBetween(a: EpisodeFrame, b: EpisodeFrame): number {
  const [ax, ay] = a.cameraOffset ?? [0, 0];
  const [bx, by] = b.cameraOffset ?? [0, 0];
  return Math.hypot(bx - ax, by - ay);
}

/**
 * The box where it would be had the camera not moved: motion is judged against the ground. A
 * camera that turns moves everything alike, and this takes it out; one that walks moves near
 * things more than far ones (parallax), so motion is also required to exceed the camera's own.
 */
function groundBox(f: EpisodeFrame): Box {
  if (!f.cameraOffset) return f.box;
  const [dx, dy] = f.cameraOffset;
  return { x1: f.box.x1 - dx, y1: f.box.y1 - dy, x2: f.box.x2 - dx, y2: f.box.y2 - dy };
}

export interface EpisodeInput {
  label: ObjectClass;
  /** frames of one stay in the zone, in order, each with the bottom-centre inside the polygon */
  frames: readonly EpisodeFrame[];
  rules: ZoneRules;
  fps: number;
  frameWidth: number;
  frameHeight: number;
  /** the track passed the confirmation filter */
  confirmed: boolean;
  /** the zone's schedule was active during the stay */
  scheduleActive: boolean;
  rider?: RiderOptions;
}

/** One rule of a zone applied to a stay, for tuning: whether it held for a violation and what was measured. */
export interface RuleCheck {
  rule: 'class' | 'confirmed' | 'schedule' | 'dwell' | 'displacement' | 'direction' | 'rider';
  /** true: this rule does not stand in the way of a violation */
  pass: boolean;
  /** what was measured against what the zone asks */
  detail: string;
}

export interface EpisodeVerdict {
  violation: boolean;
  /** why it is not a violation; empty when it is */
  reasons: string[];
  /** every rule, passed or not, in the order they are applied */
  checks: RuleCheck[];
  dwellSeconds: number;
  displacement: number;
  directionDeg?: number;
  riderShare: number;
}

/** Apply a zone's rules to one stay of one track. */
export function judgeEpisode(input: EpisodeInput): EpisodeVerdict {
  const { frames, rules } = input;
  const reasons: string[] = [];
  const first = frames[0];
  const last = frames[frames.length - 1];
  // rounded to the microsecond so that five frames at 5 fps make 1 s, not 0.9999999
  const dwellSeconds = first && last ? Math.round((last.timestamp - first.timestamp + 1 / input.fps) * 1e6) / 1e6 : 0;
  const cameraTravel =
    first && last ? cameraShiftBetween(first, last) / Math.hypot(input.frameWidth, input.frameHeight) : 0;
  const motion = netMotion(frames.map(groundBox), input.frameWidth, input.frameHeight);
  const riderShare = frames.length ? frames.filter((f) => f.ridden).length / frames.length : 0;
  const rider = input.rider ?? DEFAULT_RIDER_OPTIONS;

  const checks: RuleCheck[] = [];
  const check = (rule: RuleCheck['rule'], pass: boolean, failed: string, passed: string) => {
    checks.push({ rule, pass, detail: pass ? passed : failed });
    if (!pass) reasons.push(failed);
  };

  const targeted = !NEVER_VIOLATORS.includes(input.label) && (rules.classes as readonly string[]).includes(input.label);
  check(
    'class',
    targeted,
    `class ${input.label} is not targeted by this zone`,
    `class ${input.label} is targeted by this zone`,
  );
  check(
    'confirmed',
    input.confirmed,
    'detection not confirmed (median score under threshold)',
    'detection confirmed (median score at or over threshold)',
  );
  check('schedule', input.scheduleActive, 'zone schedule not active', 'zone schedule active');
  check(
    'dwell',
    dwellSeconds >= rules.minDwellSeconds,
    `dwell ${dwellSeconds.toFixed(2)} s under ${rules.minDwellSeconds} s`,
    `dwell ${dwellSeconds.toFixed(2)} s, at least ${rules.minDwellSeconds} s`,
  );
  if (motion.displacement < rules.minDisplacement) {
    check(
      'displacement',
      false,
      `displacement ${motion.displacement.toFixed(3)} under ${rules.minDisplacement} (parked or barely moving)`,
      '',
    );
  } else {
    check(
      'displacement',
      motion.displacement >= cameraTravel,
      `displacement ${motion.displacement.toFixed(3)} no more than the camera's own travel ${cameraTravel.toFixed(3)} (parallax of a moving camera, not riding)`,
      `displacement ${motion.displacement.toFixed(3)}, at least ${rules.minDisplacement}`,
    );
  }
  const allowed = rules.allowedDirectionDeg;
  if (allowed !== null && allowed !== undefined && motion.directionDeg !== undefined) {
    const off = angleDifference(motion.directionDeg, allowed);
    check(
      'direction',
      off > rules.directionToleranceDeg,
      `moving ${motion.directionDeg.toFixed(0)}°, within ${rules.directionToleranceDeg}° of the allowed ${allowed}°`,
      `moving ${motion.directionDeg.toFixed(0)}°, more than ${rules.directionToleranceDeg}° off the allowed ${allowed}°`,
    );
  } else {
    check('direction', true, '', allowed === null || allowed === undefined ? 'any direction' : 'no travel to head');
  }
  if (rules.requireRider && input.label === 'motorcycle') {
    check(
      'rider',
      riderShare >= rider.minRiderShare,
      `rider seen on ${(riderShare * 100).toFixed(0)}% of frames, under ${rider.minRiderShare * 100}% (pushed or unattended)`,
      `rider seen on ${(riderShare * 100).toFixed(0)}% of frames, at least ${rider.minRiderShare * 100}%`,
    );
  } else {
    check('rider', true, '', 'no rider required');
  }
  return {
    violation: reasons.length === 0,
    reasons,
    checks,
    dwellSeconds,
    displacement: motion.displacement,
    directionDeg: motion.directionDeg,
    riderShare,
  };
}
