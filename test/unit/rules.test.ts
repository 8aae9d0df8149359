import { describe, expect, it } from 'vitest';
import { zoneConfigSchema } from '../../src/core/camera-config.js';
import { angleDifference, isRiding, judgeEpisode, netMotion, type EpisodeFrame } from '../../src/core/rules.js';
import type { Box } from '../../src/core/types.js';

const moto: Box = { x1: 100, y1: 200, x2: 220, y2: 300 }; // 120 wide, 100 high
const rules = (r: Record<string, unknown> = {}) =>
  zoneConfigSchema.parse({
    name: 'z',
    kind: 'sidewalk',
    polygon: [
      [0, 0],
      [1, 0],
      [1, 1],
    ],
    rules: r,
  }).rules;

describe('isRiding', () => {
  // end-on (rear-view CCTV): the bike box is taller than wide and the rider's legs reach the wheel
  const rear: Box = { x1: 500, y1: 300, x2: 590, y2: 450 };
  it('end-on: accepts a rider stacked on the bike, legs down to its bottom', () => {
    expect(isRiding(rear, { x1: 498, y1: 296, x2: 594, y2: 447 })).toBe(true);
    expect(isRiding(rear, { x1: 505, y1: 250, x2: 585, y2: 420 })).toBe(true);
  });

  it('end-on: rejects a walker beside the bike and a person far behind it', () => {
    expect(isRiding(rear, { x1: 580, y1: 290, x2: 650, y2: 452 })).toBe(false);
    expect(isRiding(rear, { x1: 520, y1: 220, x2: 570, y2: 330 })).toBe(false);
  });

  it('end-on: accepts a rider whose shoulders are wider than the bike under them', () => {
    expect(isRiding(rear, { x1: 470, y1: 280, x2: 600, y2: 450 })).toBe(true);
  });

  it('end-on: rejects a person overlapping the bike on one side only', () => {
    expect(isRiding(rear, { x1: 440, y1: 280, x2: 555, y2: 450 })).toBe(false);
  });

  it('accepts a person sitting on the motorcycle', () => {
    expect(isRiding(moto, { x1: 120, y1: 120, x2: 200, y2: 260 })).toBe(true);
  });

  it('rejects a walker beside the motorcycle', () => {
    expect(isRiding(moto, { x1: 225, y1: 180, x2: 275, y2: 300 })).toBe(false);
  });

  it('rejects a walker whose feet are on the ground line even when overlapping the bike', () => {
    // pushing from the far side: body overlaps the bike, feet at the wheels' ground line
    expect(isRiding(moto, { x1: 130, y1: 160, x2: 190, y2: 296 })).toBe(false);
    // nearer the camera: feet below the bike's box
    expect(isRiding(moto, { x1: 130, y1: 170, x2: 190, y2: 330 })).toBe(false);
  });

  it('rejects a person far behind whose feet are above the bike', () => {
    expect(isRiding(moto, { x1: 140, y1: 80, x2: 180, y2: 190 })).toBe(false);
  });

  it("rejects a person whose feet are off the bike's centre line", () => {
    expect(isRiding(moto, { x1: 190, y1: 120, x2: 240, y2: 260 })).toBe(false);
  });

  it('rejects a small figure that does not rise into the upper part', () => {
    expect(isRiding(moto, { x1: 150, y1: 255, x2: 170, y2: 285 })).toBe(false);
  });
});

describe('angleDifference', () => {
  it('wraps around', () => {
    expect(angleDifference(350, 10)).toBe(20);
    expect(angleDifference(0, 180)).toBe(180);
    expect(angleDifference(-90, 270)).toBe(0);
    expect(angleDifference(90, 45)).toBe(45);
  });
});

describe('netMotion', () => {
  const at = (x: number, y: number): Box => ({ x1: x - 10, y1: y - 20, x2: x + 10, y2: y });
  it('measures bottom-centre travel against the frame diagonal, with its heading', () => {
    const m = netMotion([at(0, 0), at(300, 400)], 600, 800); // diagonal 1000
    expect(m.displacement).toBeCloseTo(0.5, 12);
    expect(m.directionDeg).toBeCloseTo((Math.atan2(400, 300) * 180) / Math.PI, 9);
  });

  it('points up as 270 and left as 180', () => {
    expect(netMotion([at(100, 100), at(100, 50)], 1000, 1000).directionDeg).toBeCloseTo(270, 9);
    expect(netMotion([at(100, 100), at(50, 100)], 1000, 1000).directionDeg).toBeCloseTo(180, 9);
  });

  it('follows the uncut side of a box that the frame edge cuts', () => {
    // a bike sliding in from the right edge as the camera pans: its left side moves 100 px, its centre half as far
    const sliding = [300, 260, 220, 200].map((x1): Box => ({ x1, y1: 100, x2: 480, y2: 300 }));
    expect(netMotion(sliding, 480, 848).displacement).toBeCloseTo(100 / Math.hypot(480, 848), 9);
    const entering = [300, 300, 300, 300].map((x1, i): Box => ({ x1, y1: 400 + 20 * i, x2: 400, y2: 848 }));
    expect(netMotion(entering, 480, 848).displacement).toBeCloseTo(60 / Math.hypot(480, 848), 9);
  });

  it('is zero without motion and averages away a single jittery box', () => {
    expect(netMotion([at(5, 5)], 100, 100)).toEqual({ displacement: 0 });
    const still = Array.from({ length: 12 }, (_, i) => at(500, 500 + (i === 11 ? 30 : 0)));
    expect(netMotion(still, 1000, 1000).displacement).toBeLessThan(0.01);
  });
});

describe('judgeEpisode', () => {
  const frames = (n: number, dx: number, ridden = true): EpisodeFrame[] =>
    Array.from({ length: n }, (_, i) => ({
      frameIndex: i,
      timestamp: i / 5,
      box: { x1: 100 + i * dx, y1: 400, x2: 200 + i * dx, y2: 500 },
      score: 0.8,
      ridden,
    }));
  const base = {
    label: 'motorcycle' as const,
    fps: 5,
    frameWidth: 1280,
    frameHeight: 720,
    confirmed: true,
    scheduleActive: true,
  };

  it('flags a ridden motorcycle that moved and stayed long enough', () => {
    const v = judgeEpisode({ ...base, frames: frames(10, 20), rules: rules() });
    expect(v.reasons).toEqual([]);
    expect(v.violation).toBe(true);
    expect(v.dwellSeconds).toBeCloseTo(2, 9);
    expect(v.riderShare).toBe(1);
    expect(v.directionDeg).toBeCloseTo(0, 9);
  });

  it('gives one reason per failed rule', () => {
    const v = judgeEpisode({
      ...base,
      label: 'bicycle',
      confirmed: false,
      scheduleActive: false,
      frames: frames(3, 0, false),
      rules: rules(),
    });
    expect(v.violation).toBe(false);
    expect(v.reasons).toHaveLength(5);
    expect(v.reasons.join('\n')).toMatch(/class bicycle/);
    expect(v.reasons.join('\n')).toMatch(/not confirmed/);
    expect(v.reasons.join('\n')).toMatch(/schedule/);
    expect(v.reasons.join('\n')).toMatch(/dwell 0.60 s/);
    expect(v.reasons.join('\n')).toMatch(/displacement 0.000/);
  });

  it('never flags bicycles even when a zone lists every class', () => {
    const r = { ...rules(), classes: ['motorcycle', 'bicycle'] as never };
    expect(judgeEpisode({ ...base, label: 'bicycle', frames: frames(10, 20), rules: r }).violation).toBe(false);
  });

  it('needs a rider on a motorcycle only when the zone asks for one', () => {
    expect(judgeEpisode({ ...base, frames: frames(10, 20, false), rules: rules() }).reasons[0]).toMatch(
      /rider seen on 0%/,
    );
    expect(
      judgeEpisode({ ...base, frames: frames(10, 20, false), rules: rules({ requireRider: false }) }).violation,
    ).toBe(true);
  });

  it('with an allowed direction, flags only motion against it', () => {
    const right = frames(10, 20);
    const left = frames(10, -20);
    const oneWay = rules({ allowedDirectionDeg: 0, directionToleranceDeg: 60 });
    expect(judgeEpisode({ ...base, frames: right, rules: oneWay }).violation).toBe(false);
    expect(judgeEpisode({ ...base, frames: left, rules: oneWay }).violation).toBe(true);
    expect(judgeEpisode({ ...base, frames: left, rules: rules({ allowedDirectionDeg: 170 }) }).violation).toBe(false);
  });

  it('reports every rule as a check, passed or not, and fails exactly the ones its reasons name', () => {
    const order = ['class', 'confirmed', 'schedule', 'dwell', 'displacement', 'direction', 'rider'];
    const passed = judgeEpisode({ ...base, frames: frames(10, 20), rules: rules() });
    expect(passed.checks.map((c) => c.rule)).toEqual(order);
    expect(passed.checks.every((c) => c.pass)).toBe(true);
    expect(passed.checks.find((c) => c.rule === 'dwell')?.detail).toBe('dwell 2.00 s, at least 1 s');

    const oneWay = rules({ allowedDirectionDeg: 0, directionToleranceDeg: 60 });
    const failed = judgeEpisode({ ...base, frames: frames(4, 20, false), rules: oneWay });
    expect(failed.checks.map((c) => c.rule)).toEqual(order);
    expect(failed.checks.filter((c) => !c.pass).map((c) => c.rule)).toEqual(['dwell', 'direction', 'rider']);
    expect(failed.checks.filter((c) => !c.pass).map((c) => c.detail)).toEqual(failed.reasons);
  });
});
