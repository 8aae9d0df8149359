import { describe, expect, it } from 'vitest';
import {
  CameraConfigError,
  cameraConfigSchema,
  parseCameraConfig,
  zoneConfigSchema,
} from '../../src/core/camera-config.js';

const zone = {
  name: 'north sidewalk',
  kind: 'sidewalk',
  polygon: [
    [0.1, 0.5],
    [0.9, 0.5],
    [0.9, 0.95],
    [0.1, 0.95],
  ],
};

describe('cameraConfigSchema', () => {
  it('parses the issue example and fills defaults', () => {
    const cfg = parseCameraConfig({
      name: 'gangnam-01',
      zones: [
        {
          ...zone,
          schedule: [{ days: [1, 2, 3, 4, 5], start: '07:00', end: '20:00' }],
          rules: { minDwellSeconds: 2 },
        },
      ],
    });
    expect(cfg.timezone).toBe('Asia/Seoul');
    expect(cfg.enabled).toBe(true);
    expect(cfg.zones[0]!.rules).toEqual({
      minDwellSeconds: 2,
      minDisplacement: 0.03,
      directionToleranceDeg: 60,
      classes: ['motorcycle'],
      requireRider: true,
    });
  });

  it('gives a zone without rules every default rule', () => {
    const z = zoneConfigSchema.parse(zone);
    expect(z.rules.minDwellSeconds).toBe(1);
    expect(z.rules.requireRider).toBe(true);
    expect(z.rules.allowedDirectionDeg).toBeUndefined();
    expect(z.schedule).toBeUndefined();
  });

  it('rejects unknown fields at every level', () => {
    expect(cameraConfigSchema.safeParse({ name: 'c', zones: [], extra: 1 }).success).toBe(false);
    expect(zoneConfigSchema.safeParse({ ...zone, colour: 'red' }).success).toBe(false);
    expect(zoneConfigSchema.safeParse({ ...zone, rules: { minDwell: 1 } }).success).toBe(false);
    expect(
      zoneConfigSchema.safeParse({ ...zone, schedule: [{ days: [1], start: '01:00', end: '02:00', tz: 'x' }] }).success,
    ).toBe(false);
  });

  it('rejects an unknown zone kind and an invalid time zone with their paths', () => {
    try {
      parseCameraConfig({ name: 'c', timezone: 'Mars/Olympus', zones: [{ ...zone, kind: 'rooftop' }] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CameraConfigError);
      const problems = (e as CameraConfigError).problems;
      expect(problems.some((p) => p.startsWith('timezone:'))).toBe(true);
      expect(problems.some((p) => p.startsWith('zones.0.kind:'))).toBe(true);
    }
  });

  it('accepts other IANA zones such as UTC and America/New_York', () => {
    expect(parseCameraConfig({ name: 'c', timezone: 'UTC' }).timezone).toBe('UTC');
    expect(parseCameraConfig({ name: 'c', timezone: 'America/New_York' }).zones).toEqual([]);
  });

  it('reports polygon problems from the geometry check, naming the point', () => {
    const r = zoneConfigSchema.safeParse({
      ...zone,
      polygon: [
        [0, 0],
        [1, 1],
        [1, 0],
        [0, 1],
      ],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/self-intersecting/);
    const out = zoneConfigSchema.safeParse({
      ...zone,
      polygon: [
        [0, 0],
        [1, 0],
        [1, 1.5],
      ],
    });
    expect(out.error!.issues[0]!.message).toBe('point 2 [1, 1.5] is outside 0..1');
    expect(out.error!.issues[0]!.path).toEqual(['polygon']);
    expect(
      zoneConfigSchema.safeParse({
        ...zone,
        polygon: [
          [0, 0],
          [1, 0],
        ],
      }).success,
    ).toBe(false);
    expect(
      zoneConfigSchema.safeParse({
        ...zone,
        polygon: [
          [0, 0],
          [1, 'a'],
          [1, 1],
        ],
      }).success,
    ).toBe(false);
  });

  it('validates schedule windows', () => {
    const ok = (w: unknown) => zoneConfigSchema.safeParse({ ...zone, schedule: [w] }).success;
    expect(ok({ days: [5, 6], start: '22:00', end: '06:00' })).toBe(true);
    expect(ok({ days: [7], start: '00:00', end: '24:00' })).toBe(true);
    expect(ok({ days: [0], start: '07:00', end: '20:00' })).toBe(false);
    expect(ok({ days: [8], start: '07:00', end: '20:00' })).toBe(false);
    expect(ok({ days: [1, 1], start: '07:00', end: '20:00' })).toBe(false);
    expect(ok({ days: [], start: '07:00', end: '20:00' })).toBe(false);
    expect(ok({ days: [1], start: '7:00', end: '20:00' })).toBe(false);
    expect(ok({ days: [1], start: '24:00', end: '20:00' })).toBe(false);
    expect(ok({ days: [1], start: '07:60', end: '20:00' })).toBe(false);
    expect(ok({ days: [1], start: '07:00', end: '07:00' })).toBe(false);
    expect(ok({ days: [1.5], start: '07:00', end: '08:00' })).toBe(false);
  });

  it('validates rules and never lets bicycles be a target class', () => {
    const ok = (rules: unknown) => zoneConfigSchema.safeParse({ ...zone, rules }).success;
    expect(ok({ allowedDirectionDeg: 90, directionToleranceDeg: 45 })).toBe(true);
    expect(ok({ allowedDirectionDeg: null })).toBe(true);
    expect(ok({ minDwellSeconds: -1 })).toBe(false);
    expect(ok({ directionToleranceDeg: 0 })).toBe(false);
    expect(ok({ classes: ['bicycle'] })).toBe(false);
    expect(ok({ classes: [] })).toBe(false);
    expect(ok({ requireRider: 'yes' })).toBe(false);
  });

  it('rejects duplicate zone names and blank names', () => {
    const r = cameraConfigSchema.safeParse({ name: 'c', zones: [zone, zone] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['zones', 1, 'name']);
    expect(cameraConfigSchema.safeParse({ name: '  ' }).success).toBe(false);
  });
});
