import { area, intersection, iou } from './boxes.js';
import { DEFAULT_RIDER_OPTIONS, isRiding, type RiderOptions } from './rules.js';
import type { Box, ClassScores, Detection, ObjectClass } from './types.js';

/**
 * Turns one frame's raw COCO detections into road users for the tracker. COCO detectors see a
 * rear-view rider as a confident `person` over a weak `motorcycle` (0.26–0.33), or call the pair a
 * `car`/`truck`, and often report two classes for one object. So:
 *  - overlapping vehicle boxes of different classes become one road user with a score per class;
 *  - a person riding a two-wheeler box makes it a ridden two-wheeler: the box grows to hold the
 *    rider and the score takes the person's evidence in;
 *  - a person riding a narrow (end-on) `car`/`truck`/`bus` box with about the rider's width is a
 *    ridden motorcycle the detector mislabelled: nobody sits on top of a car seen from behind.
 *  - a person boxed together with a weak two-wheeler (one box for both, end-on) is its rider;
 *  - a person on nothing the detector saw is a road user of class `person`: a rider seen from ahead
 *    or behind hides the bike under them, and the detector then sees only the person on most
 *    frames. The track's class is decided later, over its whole life (see trackClass); a person
 *    overlapping a vehicle box is left out, being that vehicle's pusher, passenger or rider.
 */

export interface RoadUserOptions {
  /** persons under this score are not taken as riders */
  minPersonScore: number;
  /** vehicle boxes of different classes overlapping by this IoU are one object (default 0.55) */
  sameObjectIou: number;
  /** share of the person's score added to a ridden two-wheeler's missing score (default 0.6) */
  riderWeight: number;
  /** a box at least this tall for its width is seen end-on (default 0.9) */
  endOnAspect: number;
  /** a rider is at least this share of an end-on car-class box's width (default 0.45) */
  riderWidthShare: number;
  /** a car-class box at least this tall for its width is a ridden two-wheeler seen end-on (default 1.5) */
  uprightAspect: number;
  /**
   * width of the frame, pixels (0: unknown): a box touching its left or right edge may be a car only
   * partly in view, so its shape says nothing
   */
  frameWidth: number;
  /**
   * a person with at least this share of their box inside a vehicle box scored at least as high
   * belongs to that vehicle (default 0.5); a weaker box is more likely a misreading of the rider
   */
  personOnVehicleShare: number;
  /** a two-wheeler with this share of its box inside a stronger, larger ridden one is part of it (default 0.7) */
  fragmentShare: number;
  /**
   * a person rides the two-wheeler their feet are nearest the centre line of, in widths of the bike, unless another
   * they ride is within this much as near and scores higher (default 0.15)
   */
  nearerBy: number;
  rider: RiderOptions;
}

/** ridden-two-wheeler frames that make a person's track that two-wheeler (see trackClass) */
export const MIN_RIDDEN_FRAMES = 2;

export const DEFAULT_ROAD_USER_OPTIONS: RoadUserOptions = {
  minPersonScore: DEFAULT_RIDER_OPTIONS.minPersonScore,
  sameObjectIou: 0.55,
  riderWeight: 0.6,
  endOnAspect: 0.9,
  riderWidthShare: 0.45,
  uprightAspect: 1.5,
  frameWidth: 0,
  personOnVehicleShare: 0.5,
  fragmentShare: 0.7,
  nearerBy: 0.15,
  rider: DEFAULT_RIDER_OPTIONS,
};

const TWO_WHEELERS: readonly ObjectClass[] = ['motorcycle', 'bicycle'];
const CAR_CLASSES: readonly ObjectClass[] = ['car', 'truck', 'bus'];

export const isTwoWheeler = (label: ObjectClass) => TWO_WHEELERS.includes(label);

/** The scores of a car-class box that is really a motorcycle: its best car-class evidence moves over. */
function asMotorcycle(scores: ClassScores): ClassScores {
  const carScore = Math.max(...CAR_CLASSES.map((c) => scores[c] ?? 0));
  const moved: ClassScores = { ...scores, motorcycle: Math.max(scores.motorcycle ?? 0, carScore) };
  for (const c of CAR_CLASSES) delete moved[c];
  return moved;
}

const union = (a: Box, b: Box): Box => ({
  x1: Math.min(a.x1, b.x1),
  y1: Math.min(a.y1, b.y1),
  x2: Math.max(a.x2, b.x2),
  y2: Math.max(a.y2, b.y2),
});

/** The class with the highest score. */
export function topClass(scores: ClassScores): [ObjectClass, number] {
  let best: [ObjectClass, number] = ['car', 0];
  for (const [label, score] of Object.entries(scores) as Array<[ObjectClass, number]>)
    if (score > best[1]) best = [label, score];
  return best;
}

const hasTwoWheeler = (scores: ClassScores) => TWO_WHEELERS.some((c) => scores[c] !== undefined);

/** How far the person's feet are from the vehicle's centre line, in widths of the vehicle. */
function centreOffset(vehicle: Box, person: Box): number {
  const w = vehicle.x2 - vehicle.x1;
  return Math.abs((person.x1 + person.x2) / 2 - (vehicle.x1 + vehicle.x2) / 2) / Math.max(w, 1e-9);
}

function sameObject(a: Box, b: Box, minIou: number): boolean {
  if (iou(a, b) >= minIou) return true;
  const inter = intersection(a, b);
  const small = Math.min(area(a), area(b));
  const big = Math.max(area(a), area(b));
  return small > 0 && inter >= 0.8 * small && small >= 0.5 * big;
}

export function fuseRoadUsers(detections: readonly Detection[], options: Partial<RoadUserOptions> = {}): Detection[] {
  const opts = { ...DEFAULT_ROAD_USER_OPTIONS, ...options };
  const persons = detections
    .filter((d) => d.label === 'person' && d.score >= opts.minPersonScore)
    .sort((a, b) => b.score - a.score);
  const vehicles = detections.filter((d) => d.label !== 'person').sort((a, b) => b.score - a.score);

  const objects: Array<{ box: Box; scores: ClassScores }> = [];
  for (const v of vehicles) {
    const same = objects.find((o) => sameObject(o.box, v.box, opts.sameObjectIou));
    if (same) same.scores[v.label] = Math.max(same.scores[v.label] ?? 0, v.score);
    else objects.push({ box: v.box, scores: { [v.label]: v.score } });
  }

  // Two-wheelers choose their riders first: a car behind a bike must not take the bike's rider. A person first
  // sits on the two-wheeler whose centre line their feet are clearly nearest (the strongest of those about as near):
  // in a queue, the rider of the next bike, whose feet also fall within this bike's box and who may score higher than
  // this bike's own rider, is not seated here.
  const twoWheelers = objects.filter((o) => hasTwoWheeler(o.scores));
  const nearestBike = new Map(
    persons.map((p) => {
      const ridden = twoWheelers.filter((o) => isRiding(o.box, p.box, opts.rider));
      const nearest = Math.min(...ridden.map((o) => centreOffset(o.box, p.box)));
      const nearBikes = ridden.filter((o) => centreOffset(o.box, p.box) <= nearest + opts.nearerBy);
      return [p, nearBikes.sort((a, b) => topClass(b.scores)[1] - topClass(a.scores)[1])[0]] as const;
    }),
  );
  const riders = new Map<(typeof objects)[number], Detection>();
  const seated = new Set<Detection>();
  const twoWheelersFirst = [...objects].sort(
    (a, b) => Number(hasTwoWheeler(b.scores)) - Number(hasTwoWheeler(a.scores)),
  );
  for (const nearestOnly of [true, false]) {
    for (const o of twoWheelersFirst) {
      if (riders.has(o)) continue;
      // a person's nearest two-wheeler is one they ride: isRiding was asked when it was chosen
      const rider = persons.find(
        (p) =>
          !seated.has(p) &&
          (nearestOnly && hasTwoWheeler(o.scores) ? nearestBike.get(p) === o : isRiding(o.box, p.box, opts.rider)),
      );
      if (!rider) continue;
      riders.set(o, rider);
      seated.add(rider);
    }
  }
  const cutBySide = (b: Box) => opts.frameWidth > 0 && (b.x1 <= 2 || b.x2 >= opts.frameWidth - 2);
  /** no car is this much taller than wide: a two-wheeler end-on whose rider makes it tall */
  const upright = (b: Box) => b.y2 - b.y1 >= opts.uprightAspect * (b.x2 - b.x1) && !cutBySide(b);
  /** riders fused into a ridden two-wheeler; a car's "rider" is still free to be a road user */
  const taken = new Set<Detection>();
  const withRider = new Set<Detection>();
  const users = objects.map((o): Detection => {
    const { box, scores } = o;
    const rider = riders.get(o);
    if (!rider) {
      const [label, score] = topClass(scores);
      if (CAR_CLASSES.includes(label) && upright(box)) {
        const fused = asMotorcycle(scores);
        return { box, score: fused.motorcycle!, label: 'motorcycle', classScores: fused, ridden: true };
      }
      return { box, score, label, classScores: scores, ridden: false };
    }
    let fused: ClassScores = { ...scores };
    const twoWheeler = TWO_WHEELERS.filter((c) => scores[c] !== undefined);
    if (twoWheeler.length > 0) {
      for (const c of twoWheeler) fused[c] = scores[c]! + (1 - scores[c]!) * opts.riderWeight * rider.score;
    } else {
      const w = box.x2 - box.x1;
      const endOn = box.y2 - box.y1 >= opts.endOnAspect * w;
      const riderWide = rider.box.x2 - rider.box.x1 >= opts.riderWidthShare * w;
      if ((endOn && riderWide) || upright(box)) fused = asMotorcycle(scores);
    }
    const [label, score] = topClass(fused);
    const ridden = isTwoWheeler(label);
    if (ridden) taken.add(rider);
    const grown = ridden ? union(box, rider.box) : box;
    const user: Detection = { box: grown, score, label, classScores: fused, ridden };
    if (ridden) withRider.add(user);
    return user;
  });
  const onVehicle = (p: Detection) =>
    objects.some(
      (o) => topClass(o.scores)[1] >= p.score && intersection(o.box, p.box) >= opts.personOnVehicleShare * area(p.box),
    );
  for (const p of persons) {
    if (taken.has(p) || onVehicle(p)) continue;
    // Seen end-on, the detector may box the rider and the bike as one: a weak two-wheeler box that
    // is the person's own box is that person's bike, not a second road user.
    const bike = users.find(
      (u) => isTwoWheeler(u.label) && !withRider.has(u) && sameObject(u.box, p.box, opts.sameObjectIou),
    );
    if (bike) {
      const scores: ClassScores = { ...bike.classScores };
      for (const c of TWO_WHEELERS.filter((c) => scores[c] !== undefined))
        scores[c] = scores[c]! + (1 - scores[c]!) * opts.riderWeight * p.score;
      const [label, score] = topClass(scores);
      Object.assign(bike, { box: union(bike.box, p.box), label, score, classScores: scores, ridden: true });
      withRider.add(bike);
      continue;
    }
    users.push({ box: p.box, score: p.score, label: 'person', classScores: { person: p.score }, ridden: false });
  }
  return withoutFragments(users, opts.fragmentShare);
}

/**
 * Drops two-wheelers that are a part of a stronger ridden two-wheeler: close up, the detector also
 * boxes the front or back half of a bike, and each half then seats the rider or the pillion, so one
 * bike would become two or three overlapping road users whose tracks cut each other's stays.
 */
function withoutFragments(users: Detection[], share: number): Detection[] {
  const ridden = users.filter((u) => u.ridden && isTwoWheeler(u.label)).sort((a, b) => b.score - a.score);
  const fragment = (u: Detection) =>
    isTwoWheeler(u.label) &&
    ridden.some(
      (r) =>
        r !== u &&
        r.score >= u.score &&
        area(r.box) >= area(u.box) &&
        intersection(r.box, u.box) >= share * area(u.box),
    );
  return users.filter((u) => !fragment(u));
}

/**
 * The class of a track from the summed class scores of its detections and how often it was seen
 * as a ridden two-wheeler. A track voted `person` that was a ridden two-wheeler on at least
 * `minRiddenFrames` frames is that two-wheeler: its rider hid the bike on the other frames.
 */
export function trackClass(
  votes: ClassScores,
  riddenTwoWheelerFrames: Partial<Record<ObjectClass, number>>,
  minRiddenFrames = MIN_RIDDEN_FRAMES,
): ObjectClass {
  const [label] = topClass(votes);
  if (label !== 'person') return label;
  const ridden = TWO_WHEELERS.filter((c) => (riddenTwoWheelerFrames[c] ?? 0) >= minRiddenFrames);
  if (ridden.length === 0) return label;
  return ridden.reduce((a, b) => ((votes[b] ?? 0) > (votes[a] ?? 0) ? b : a));
}
