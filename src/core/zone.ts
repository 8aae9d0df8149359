import { bottomCenter } from './boxes.js';
import { pointInPolygon } from './geometry.js';
import type { Box, Point } from './types.js';

/**
 * Two observations (0.4 s at 5 fps) to enter or leave. A rider crossing a crosswalk band is inside it
 * for three analysed frames at most, and only two when the sampled instants fall badly; the rules'
 * dwell and displacement, not inertia, are what demand a real stay.
 */
export const DEFAULT_ZONE_INERTIA = 2;

export interface ZoneMembership {
  /** membership after inertia */
  inside: boolean;
  /** whether this observation's bottom-centre itself lies in the polygon */
  pointInside: boolean;
  entered: boolean;
  left: boolean;
  /** on `entered`: frame of the first inside observation of the streak that entered */
  entryFrame?: number;
  /** on `left`: frame of the last inside observation before the streak that left */
  exitFrame?: number;
}

interface TrackZoneState {
  inside: boolean;
  /** consecutive observations that disagree with `inside` */
  streak: number;
  streakStart: number;
  lastPointInsideFrame: number | undefined;
}

/**
 * Membership of tracks in one polygon (normalised 0..1), judged by the bottom-centre of each box
 * (where the wheels meet the ground). Like Frigate, a track must be seen inside for `inertia`
 * consecutive observations to enter and outside as many to leave, so jittery boxes at the border
 * do not flicker in and out.
 */
export class PolygonZone {
  private readonly states = new Map<number, TrackZoneState>();
  readonly inertia: number;

  constructor(
    readonly polygon: readonly Point[],
    private readonly frameWidth: number,
    private readonly frameHeight: number,
    opts: { inertia?: number } = {},
  ) {
    this.inertia = Math.max(1, Math.floor(opts.inertia ?? DEFAULT_ZONE_INERTIA));
  }

  /** Whether a box's bottom-centre, in frame pixels, lies in the polygon. */
  containsBox(box: Box): boolean {
    const [x, y] = bottomCenter(box);
    return pointInPolygon([x / this.frameWidth, y / this.frameHeight], this.polygon);
  }

  /** Feed one observation of a track; observations must come in frame order. */
  update(trackId: number, box: Box, frameIndex: number): ZoneMembership {
    const pointInside = this.containsBox(box);
    let s = this.states.get(trackId);
    if (!s) {
      s = { inside: false, streak: 0, streakStart: frameIndex, lastPointInsideFrame: undefined };
      this.states.set(trackId, s);
    }
    const result: ZoneMembership = { inside: s.inside, pointInside, entered: false, left: false };
    const exitCandidate = s.lastPointInsideFrame;
    if (pointInside) s.lastPointInsideFrame = frameIndex;

    if (pointInside === s.inside) {
      s.streak = 0;
      return result;
    }
    if (s.streak === 0) s.streakStart = frameIndex;
    s.streak++;
    if (s.streak < this.inertia) return result;

    s.inside = pointInside;
    s.streak = 0;
    result.inside = pointInside;
    if (pointInside) {
      result.entered = true;
      result.entryFrame = s.streakStart;
    } else {
      result.left = true;
      result.exitFrame = exitCandidate;
    }
    return result;
  }

  isInside(trackId: number): boolean {
    return this.states.get(trackId)?.inside ?? false;
  }

  forget(trackId: number): void {
    this.states.delete(trackId);
  }
}
