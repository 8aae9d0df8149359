import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ROAD_USER_OPTIONS,
  fuseRoadUsers,
  MIN_RIDDEN_FRAMES,
  topClass,
  trackClass,
} from '../../src/core/road-users.js';
import type { Box, Detection, ObjectClass } from '../../src/core/types.js';

const box = (x1: number, y1: number, x2: number, y2: number): Box => ({ x1, y1, x2, y2 });
const det = (label: ObjectClass, score: number, b: Box): Detection => ({ label, score, box: b });

/** Side view: a motorcycle 120 wide and 100 high (not end-on: 100 < 0.9 × 120). */
const SIDE_BIKE = box(100, 200, 220, 300);
/** A rider sitting on a side-view vehicle: body over its upper part, feet on the pegs (60 % down). */
const riderOn = (v: Box, score = 0.8): Detection => {
  const h = v.y2 - v.y1;
  return det('person', score, box(v.x1 + 20, v.y1 - 70, v.x2 - 20, v.y1 + 0.6 * h));
};

describe('topClass', () => {
  it('returns the class with the highest score and that score', () => {
    expect(topClass({ motorcycle: 0.3, car: 0.7, truck: 0.5 })).toEqual(['car', 0.7]);
    expect(topClass({ bicycle: 0.2, motorcycle: 0.45 })).toEqual(['motorcycle', 0.45]);
  });
});

describe('trackClass', () => {
  it('is the class of the vote when the vote is not person', () => {
    expect(trackClass({ motorcycle: 2.1, person: 1.5, car: 0.4 }, {})).toBe('motorcycle');
    expect(trackClass({ car: 3, motorcycle: 1 }, { motorcycle: 5 })).toBe('car');
  });

  it('makes a person track the two-wheeler it was seen riding on enough frames', () => {
    const votes = { person: 6.3, motorcycle: 1.2, bicycle: 0.3 };
    expect(trackClass(votes, { motorcycle: MIN_RIDDEN_FRAMES - 1 })).toBe('person');
    expect(trackClass(votes, { motorcycle: MIN_RIDDEN_FRAMES })).toBe('motorcycle');
    // both seen ridden often enough: the vote between them decides
    expect(trackClass(votes, { motorcycle: 2, bicycle: 3 })).toBe('motorcycle');
    expect(trackClass({ person: 5, bicycle: 1.5, motorcycle: 0.4 }, { motorcycle: 2, bicycle: 2 })).toBe('bicycle');
  });
});

describe('fuseRoadUsers', () => {
  it('passes a lone vehicle through with its own class and score, not ridden', () => {
    const [u, ...rest] = fuseRoadUsers([det('car', 0.8, box(10, 10, 200, 120))]);
    expect(rest).toEqual([]);
    expect(u).toMatchObject({
      label: 'car',
      score: 0.8,
      box: box(10, 10, 200, 120),
      classScores: { car: 0.8 },
      ridden: false,
    });
  });

  it('makes overlapping boxes of different classes one road user with a score per class', () => {
    const car = det('car', 0.7, box(100, 100, 200, 200));
    const moto = det('motorcycle', 0.4, box(104, 102, 204, 204)); // IoU ≈ 0.89
    const users = fuseRoadUsers([moto, car]);
    expect(users).toHaveLength(1);
    const u = users[0]!;
    expect(u.classScores).toEqual({ car: 0.7, motorcycle: 0.4 });
    // the stronger class names the object and gives it its box
    expect(u.label).toBe('car');
    expect(u.score).toBe(0.7);
    expect(u.box).toEqual(car.box);
    expect(u.ridden).toBe(false);
  });

  it('takes a box mostly inside a box of similar size for the same object even at a low IoU', () => {
    const big = det('truck', 0.6, box(0, 0, 100, 100));
    const inner = det('car', 0.5, box(14, 14, 86, 86)); // 72×72: IoU 0.52 < 0.55, all inside, area 0.52 of the big one
    const users = fuseRoadUsers([big, inner]);
    expect(users).toHaveLength(1);
    expect(users[0]!.classScores).toEqual({ truck: 0.6, car: 0.5 });
  });

  it('keeps a small box inside a much larger one (under half its area) as a separate road user', () => {
    const bus = det('bus', 0.9, box(0, 0, 400, 200));
    const moto = det('motorcycle', 0.6, box(150, 120, 250, 190)); // 100×70, under a tenth of the bus
    const users = fuseRoadUsers([bus, moto]);
    expect(users.map((u) => u.label).sort()).toEqual(['bus', 'motorcycle']);
  });

  it('drops a two-wheeler box that is part of a stronger ridden one: the front half that seats the pillion', () => {
    const bike = det('motorcycle', 0.5, box(100, 200, 300, 300));
    const front = det('motorcycle', 0.3, box(200, 220, 300, 300)); // 40 % of the bike's area, all inside it
    const rider = det('person', 0.8, box(120, 120, 200, 260));
    const pillion = det('person', 0.7, box(200, 125, 260, 265));
    const users = fuseRoadUsers([bike, front, rider, pillion]);
    const twoWheelers = users.filter((u) => u.label === 'motorcycle');
    expect(twoWheelers).toHaveLength(1);
    expect(twoWheelers[0]!.box).toEqual(box(100, 120, 300, 300));
  });

  it('seats each rider of a queue on their own bike, not on the stronger bike in front whose box their feet reach', () => {
    // the demo boulevard's first frame (×1000 of the frame): two riders end-on, one just behind and beside the other
    const frontBike = det('motorcycle', 0.49, box(606, 576, 670, 779));
    const frontRider = det('person', 0.55, box(608, 529, 667, 728));
    const nextBike = det('motorcycle', 0.38, box(644, 538, 684, 677));
    const nextRider = det('person', 0.59, box(639, 482, 680, 660)); // feet within the front bike's box, scored higher
    const users = fuseRoadUsers([frontBike, nextBike, nextRider, frontRider]);
    expect(users.filter((u) => u.label === 'motorcycle').map((u) => u.box)).toEqual([
      box(606, 529, 670, 779),
      box(639, 482, 684, 677),
    ]);
    expect(users.some((u) => u.label === 'person')).toBe(false);
  });

  it('seats a rider on the stronger of two bikes whose centre lines are about as near, not on a weak upper box', () => {
    // the same boulevard at 2.2 s: a scooter at the frame's right edge boxed twice, the bike and its upper half
    const bike = det('motorcycle', 0.6, box(937, 642, 998, 813));
    const upper = det('motorcycle', 0.26, box(938, 555, 997, 747));
    const rider = det('person', 0.57, box(938, 556, 997, 744));
    const users = fuseRoadUsers([bike, upper, rider]);
    const ridden = users.filter((u) => u.ridden);
    expect(ridden).toHaveLength(1);
    expect(ridden[0]!.box).toEqual(box(937, 556, 998, 813));
  });

  it('keeps a second ridden bike that overlaps the first less than fragmentShare of its box', () => {
    const near = det('motorcycle', 0.6, box(100, 200, 300, 300));
    const beside = det('motorcycle', 0.5, box(220, 190, 380, 290)); // half inside the near bike
    const users = fuseRoadUsers([near, beside, riderOn(near.box), riderOn(beside.box, 0.7)]);
    expect(users.filter((u) => u.label === 'motorcycle')).toHaveLength(2);
    expect(
      fuseRoadUsers([near, beside, riderOn(near.box), riderOn(beside.box, 0.7)], { fragmentShare: 0.4 }),
    ).toHaveLength(1);
  });

  it('keeps vehicles that do not overlap apart', () => {
    const users = fuseRoadUsers([det('motorcycle', 0.6, SIDE_BIKE), det('car', 0.8, box(400, 150, 650, 300))]);
    expect(users).toHaveLength(2);
    expect(users.every((u) => Object.keys(u.classScores!).length === 1)).toBe(true);
  });

  it('lifts a weak motorcycle ridden by a person by s + (1 − s) × riderWeight × personScore', () => {
    const rider = riderOn(SIDE_BIKE, 0.8);
    const [u] = fuseRoadUsers([det('motorcycle', 0.3, SIDE_BIKE), rider]);
    const expected = 0.3 + (1 - 0.3) * DEFAULT_ROAD_USER_OPTIONS.riderWeight * 0.8;
    expect(DEFAULT_ROAD_USER_OPTIONS.riderWeight).toBe(0.6);
    expect(u!.label).toBe('motorcycle');
    expect(u!.score).toBeCloseTo(expected, 12);
    expect(u!.score).toBeCloseTo(0.636, 12);
    expect(u!.classScores!.motorcycle).toBeCloseTo(expected, 12);
    expect(u!.ridden).toBe(true);
  });

  it('uses the riderWeight option in the lift', () => {
    const [u] = fuseRoadUsers([det('motorcycle', 0.3, SIDE_BIKE), riderOn(SIDE_BIKE, 0.5)], { riderWeight: 1 });
    expect(u!.score).toBeCloseTo(0.3 + 0.7 * 0.5, 12);
  });

  it('grows a ridden two-wheeler box to hold the rider', () => {
    const rider = riderOn(SIDE_BIKE);
    const [u] = fuseRoadUsers([det('motorcycle', 0.4, SIDE_BIKE), rider]);
    // the rider's head is 70 px above the bike; sides and bottom are the bike's
    expect(u!.box).toEqual(box(100, 130, 220, 300));
    expect(u!.box.y1).toBe(rider.box.y1);
  });

  it('lifts every two-wheeler class of a fused object, and a ridden bicycle stays a bicycle', () => {
    const [both] = fuseRoadUsers([
      det('motorcycle', 0.3, SIDE_BIKE),
      det('bicycle', 0.4, SIDE_BIKE),
      riderOn(SIDE_BIKE, 0.5),
    ]);
    expect(both!.classScores!.motorcycle).toBeCloseTo(0.3 + 0.7 * 0.6 * 0.5, 12);
    expect(both!.classScores!.bicycle).toBeCloseTo(0.4 + 0.6 * 0.6 * 0.5, 12);
    expect(both!.label).toBe('bicycle');
    expect(both!.ridden).toBe(true);

    const [bike] = fuseRoadUsers([det('bicycle', 0.5, SIDE_BIKE), riderOn(SIDE_BIKE, 0.9)]);
    expect(bike!.label).toBe('bicycle');
    expect(bike!.ridden).toBe(true);
    expect(bike!.score).toBeCloseTo(0.5 + 0.5 * 0.6 * 0.9, 12);
  });

  it('takes the strongest of several persons riding one vehicle as its rider', () => {
    const [u] = fuseRoadUsers([det('motorcycle', 0.3, SIDE_BIKE), riderOn(SIDE_BIKE, 0.5), riderOn(SIDE_BIKE, 0.9)]);
    expect(u!.score).toBeCloseTo(0.3 + 0.7 * 0.6 * 0.9, 12);
  });

  it('takes a person boxed together with a weak two-wheeler (end-on, one box for both) as its rider', () => {
    // a rider coming head-on: the person 0.6 and a tall "car" 0.22 are the same box, give or take
    const person = det('person', 0.6, box(169, 238, 202, 306));
    const [u, ...rest] = fuseRoadUsers([det('car', 0.22, box(170, 247, 201, 302)), person]);
    expect(rest).toEqual([]);
    expect(u).toMatchObject({ label: 'motorcycle', ridden: true, box: person.box });
    expect(u!.score).toBeCloseTo(0.22 + 0.78 * 0.6 * 0.6, 12);
    // a second person on the same spot is a passenger, not a second rider to add in
    const [v, passenger] = fuseRoadUsers([
      det('motorcycle', 0.25, box(170, 247, 201, 302)),
      person,
      { ...person, score: 0.5 },
    ]);
    expect(v!.score).toBeCloseTo(0.25 + 0.75 * 0.6 * 0.6, 12);
    expect(passenger).toMatchObject({ label: 'person', score: 0.5 });
  });

  describe('end-on car-class boxes', () => {
    // seen from behind: 60 wide, 120 high (end-on: 120 ≥ 0.9 × 60)
    const narrow = box(100, 100, 160, 220);
    // stacked on it, 50 wide (≥ 0.45 × 60), feet low on the box
    const stackedRider = det('person', 0.85, box(105, 60, 155, 180));

    it('turns a narrow car ridden by a person of about its width into a ridden motorcycle', () => {
      const [u, ...rest] = fuseRoadUsers([det('car', 0.5, narrow), stackedRider]);
      expect(rest).toEqual([]);
      expect(u!.label).toBe('motorcycle');
      expect(u!.score).toBe(0.5); // the car's evidence, moved over to motorcycle
      expect(u!.classScores).toEqual({ motorcycle: 0.5 }); // no car-class score is left
      expect(u!.ridden).toBe(true);
      expect(u!.box).toEqual(box(100, 60, 160, 220)); // grown to hold the rider
    });

    it('takes the best car-class score for the motorcycle, and does the same for trucks', () => {
      const [u] = fuseRoadUsers([det('truck', 0.6, narrow), det('car', 0.45, box(101, 101, 161, 221)), stackedRider]);
      expect(u!.label).toBe('motorcycle');
      expect(u!.score).toBe(0.6);
      expect(u!.classScores).toEqual({ motorcycle: 0.6 });
    });

    it('lifts the motorcycle score of a narrow car fused with a motorcycle box instead of converting the car', () => {
      const [u] = fuseRoadUsers([det('car', 0.5, narrow), det('motorcycle', 0.3, narrow), stackedRider]);
      // a two-wheeler class is present, so it is lifted instead: 0.3 + 0.7 × 0.6 × 0.85, the car stays as a score
      expect(u!.classScores!.motorcycle).toBeCloseTo(0.3 + 0.7 * 0.6 * 0.85, 12);
      expect(u!.classScores!.car).toBe(0.5);
      expect(u!.label).toBe('motorcycle');
      expect(u!.ridden).toBe(true);
    });

    it('leaves an end-on car about as tall as wide a car when the person is much narrower than the box', () => {
      const squat = box(100, 150, 160, 220); // 60 × 70: end-on, not upright
      const thin = det('person', 0.85, box(120, 110, 140, 190)); // 20 wide < 0.45 × 60
      const [u] = fuseRoadUsers([det('car', 0.5, squat), thin]);
      expect(u!.label).toBe('car');
      expect(u!.ridden).toBe(false);
      expect(u!.box).toEqual(squat);
    });

    it('turns a car twice as tall as wide into a ridden motorcycle whatever the width of its rider', () => {
      const thin = det('person', 0.85, box(120, 60, 140, 180));
      const [u] = fuseRoadUsers([det('car', 0.5, narrow), thin]);
      expect(u).toMatchObject({ label: 'motorcycle', ridden: true, classScores: { motorcycle: 0.5 } });
    });
  });

  it('takes a car-class box far taller than wide for a ridden two-wheeler seen end-on, and leaves cars alone', () => {
    const far = box(350, 233, 358, 248); // 8 × 15 px: a distant rider the detector called a car
    expect(DEFAULT_ROAD_USER_OPTIONS.uprightAspect).toBeLessThanOrEqual(15 / 8);
    const [u] = fuseRoadUsers([det('car', 0.4, far), det('truck', 0.25, far)]);
    expect(u).toMatchObject({
      label: 'motorcycle',
      score: 0.4,
      box: far,
      ridden: true,
      classScores: { motorcycle: 0.4 },
    });
    // a van seen from behind is about as tall as wide
    const [van] = fuseRoadUsers([det('car', 0.6, box(100, 100, 200, 220))]);
    expect(van).toMatchObject({ label: 'car', ridden: false });
    // a car driving in at the frame's edge shows a narrow sliver: its shape says nothing
    const sliver = box(0, 300, 40, 420);
    expect(fuseRoadUsers([det('car', 0.7, sliver)], { frameWidth: 1280 })[0]).toMatchObject({ label: 'car' });
    expect(fuseRoadUsers([det('car', 0.7, box(1240, 300, 1280, 420))], { frameWidth: 1280 })[0]!.label).toBe('car');
    expect(fuseRoadUsers([det('car', 0.7, sliver)])[0]!.label).toBe('motorcycle'); // frame unknown
  });

  it('leaves a wide car a car, unridden and not grown, with a person on or near it', () => {
    const car = box(100, 100, 300, 200); // 200 × 100: side view
    // a person whose feet and body sit where a rider's would (isRiding holds), e.g. standing behind the roof
    const onTop = det('person', 0.9, box(170, 40, 230, 160));
    const beside = det('person', 0.9, box(310, 60, 350, 200));
    const [u] = fuseRoadUsers([det('car', 0.7, car), onTop, beside]);
    expect(u).toMatchObject({ label: 'car', score: 0.7, box: car, classScores: { car: 0.7 }, ridden: false });
  });

  it('does not take a walker beside a bike, feet on the ground line, for a rider', () => {
    // on the bike's centre line, overlapping its upper part, but standing on the ground
    const walker = det('person', 0.9, box(130, 130, 190, 300));
    const [u] = fuseRoadUsers([det('motorcycle', 0.3, SIDE_BIKE), walker]);
    expect(u).toMatchObject({ label: 'motorcycle', score: 0.3, box: SIDE_BIKE, ridden: false });
  });

  it('lets one person ride at most one vehicle: the stronger vehicle gets the rider', () => {
    const a = box(100, 200, 220, 300);
    const b = box(160, 200, 280, 300); // IoU 1/3 with a: two bikes
    const between = det('person', 0.8, box(160, 130, 220, 260)); // rides either by geometry
    const users = fuseRoadUsers([det('motorcycle', 0.3, b), det('motorcycle', 0.4, a), between]);
    expect(users).toHaveLength(2);
    const ridden = users.filter((u) => u.ridden);
    expect(ridden).toHaveLength(1);
    expect(ridden[0]!.box.x1).toBe(100); // bike a, scored 0.4
    const other = users.find((u) => !u.ridden)!;
    expect(other.score).toBe(0.3);
    expect(other.box).toEqual(b);

    // with a second rider, each bike gets one
    const second = det('person', 0.7, box(160, 130, 220, 260));
    expect(
      fuseRoadUsers([det('motorcycle', 0.3, b), det('motorcycle', 0.4, a), between, second]).every((u) => u.ridden),
    ).toBe(true);
  });

  it('ignores persons under minPersonScore', () => {
    const faint = riderOn(SIDE_BIKE, 0.3);
    expect(DEFAULT_ROAD_USER_OPTIONS.minPersonScore).toBeGreaterThan(0.3);
    const [u] = fuseRoadUsers([det('motorcycle', 0.3, SIDE_BIKE), faint]);
    expect(u).toMatchObject({ score: 0.3, box: SIDE_BIKE, ridden: false });
    const [lowered] = fuseRoadUsers([det('motorcycle', 0.3, SIDE_BIKE), faint], { minPersonScore: 0.2 });
    expect(lowered!.ridden).toBe(true);
    expect(lowered!.score).toBeCloseTo(0.3 + 0.7 * 0.6 * 0.3, 12);
  });

  it('returns a person on no vehicle as a road user of class person, unridden', () => {
    const walker = det('person', 0.9, box(0, 0, 50, 150));
    expect(fuseRoadUsers([walker])).toEqual([
      { box: walker.box, score: 0.9, label: 'person', classScores: { person: 0.9 }, ridden: false },
    ]);
  });

  it('leaves out the rider it fused and a person mostly inside a vehicle box scored at least as high', () => {
    const users = fuseRoadUsers([
      det('motorcycle', 0.4, SIDE_BIKE),
      riderOn(SIDE_BIKE),
      det('car', 0.9, box(400, 100, 600, 300)),
      det('person', 0.7, box(450, 120, 500, 280)), // in front of the confident car
      det('person', 0.9, box(700, 100, 750, 260)), // on nothing
    ]);
    expect(users.map((u) => u.label).sort()).toEqual(['car', 'motorcycle', 'person']);
    expect(users.find((u) => u.label === 'person')!.box).toEqual(box(700, 100, 750, 260));
  });

  it('keeps a person inside a weaker vehicle box: the box is more likely a misreading of the rider', () => {
    const users = fuseRoadUsers([
      det('car', 0.25, box(400, 100, 600, 300)),
      det('person', 0.75, box(450, 120, 500, 280)),
    ]);
    expect(users.map((u) => u.label).sort()).toEqual(['car', 'person']);
  });

  it('ignores lone persons under minPersonScore', () => {
    expect(fuseRoadUsers([det('person', 0.3, box(0, 0, 50, 150))])).toEqual([]);
  });

  it('returns nothing for no detections', () => {
    expect(fuseRoadUsers([])).toEqual([]);
  });

  it('lets a weak bike keep its rider when a confident car behind it could also seat him', () => {
    const car = box(100, 100, 300, 200);
    const bike = box(150, 130, 270, 200);
    const person = det('person', 0.9, box(170, 60, 250, 172));
    const users = fuseRoadUsers([det('car', 0.8, car), det('motorcycle', 0.3, bike), person]);
    const moto = users.find((u) => u.label === 'motorcycle')!;
    expect(moto.ridden).toBe(true);
    expect(moto.score).toBeCloseTo(0.3 + 0.7 * DEFAULT_ROAD_USER_OPTIONS.riderWeight * 0.9, 9);
    expect(moto.box.y1).toBe(60);
    expect(users.find((u) => u.label === 'car')!.ridden).toBe(false);
  });
});
