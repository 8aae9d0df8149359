import { z } from 'zod';
import { polygonProblems } from './geometry.js';
import { plainText, singleLine } from './text.js';
import type { ObjectClass, Point, ZoneKind } from './types.js';

/** The camera file (`--camera <file.json>`) and the API's camera/zone bodies share these schemas. */

export const ZONE_KINDS = [
  'sidewalk',
  'crosswalk',
  'park',
  'restricted_road',
  'other',
] as const satisfies readonly ZoneKind[];

/** Classes a zone rule may target. Bicycles and pedestrians are never violators. */
export const RULE_CLASSES = ['motorcycle', 'car', 'bus', 'truck'] as const satisfies readonly ObjectClass[];

/** Plate grammars a camera's plates follow: `kr` Korean; `none` reads no text (foreign footage is not forced into Korean). */
export const PLATE_FORMATS = ['kr', 'none'] as const;
export type PlateFormatSetting = (typeof PLATE_FORMATS)[number];

/**
 * The one place the defaults of a camera's and a zone's settings are written. The schemas below apply
 * them (to camera files and API bodies alike), the API serves them to the console (GET /config/defaults),
 * and the database has none of its own: every row is written with its values.
 */
export const CAMERA_DEFAULTS = {
  timezone: 'Asia/Seoul',
  enabled: true,
  plateFormat: 'kr',
} as const;

export const ZONE_RULE_DEFAULTS = {
  minDwellSeconds: 1,
  minDisplacement: 0.03,
  directionToleranceDeg: 60,
  classes: ['motorcycle'],
  requireRider: true,
} as const;

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const hhmm = /^([01]\d|2[0-3]):[0-5]\d$/;

export const scheduleWindowSchema = z
  .strictObject({
    days: z
      .array(z.int().min(1).max(7))
      .min(1)
      .max(7)
      .refine((d) => new Set(d).size === d.length, 'days must not repeat')
      .describe('ISO weekdays, Monday = 1 … Sunday = 7'),
    start: z.string().regex(hhmm, 'start must be HH:MM (00:00–23:59)'),
    end: z
      .string()
      .regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'end must be HH:MM (00:00–24:00)')
      .describe('may be earlier than start: the window then runs past midnight into the next day'),
  })
  .refine((w) => w.start !== w.end, { message: 'start and end must differ', path: ['end'] });

export const zoneRulesSchema = z.strictObject({
  minDwellSeconds: z.number().min(0).max(3600).default(ZONE_RULE_DEFAULTS.minDwellSeconds),
  minDisplacement: z
    .number()
    .min(0)
    .max(2)
    .default(ZONE_RULE_DEFAULTS.minDisplacement)
    .describe('bottom-centre travel inside the zone, as a fraction of the frame diagonal'),
  allowedDirectionDeg: z
    .number()
    .min(-360)
    .max(360)
    .nullable()
    .optional()
    .describe('image coordinates: 0 = +x (right), 90 = +y (down); null or absent = any direction'),
  directionToleranceDeg: z.number().gt(0).max(180).default(ZONE_RULE_DEFAULTS.directionToleranceDeg),
  classes: z
    .array(z.enum(RULE_CLASSES))
    .min(1)
    .default(() => [...ZONE_RULE_DEFAULTS.classes]),
  requireRider: z.boolean().default(ZONE_RULE_DEFAULTS.requireRider),
});

/** Largest frame side a camera can declare, pixels. */
export const MAX_FRAME_SIDE = 32_768;

const polygonSchema = z
  .array(z.tuple([z.number(), z.number()]))
  .superRefine((points, ctx) => {
    for (const message of polygonProblems(points)) ctx.addIssue({ code: 'custom', message });
  })
  .describe('[[x, y], ...] normalised 0..1, x right, y down; at least 3 points, not self-intersecting');

export const zoneConfigSchema = z.strictObject({
  name: singleLine(100),
  kind: z.enum(ZONE_KINDS),
  polygon: polygonSchema,
  schedule: z.array(scheduleWindowSchema).min(1).max(50).optional(),
  // prefault (not default) so an absent rules object still gets every field's default.
  rules: zoneRulesSchema.prefault({}),
});

/** Schemes a camera's source may use: what the live recorder's ffmpeg reads (see live/recorder-args.ts). */
export const SOURCE_URL_SCHEMES = ['rtsp', 'rtsps', 'http', 'https', 'rtmp', 'srt', 'udp', 'tcp', 'file'] as const;

/** Why `text` is not a usable source URL (a network URL with a host, or a file:// URL with a path); null when it is. */
export function sourceUrlProblem(text: string): string | null {
  const example = 'such as rtsp://192.168.0.10:554/stream1 or file:///footage/camera1.mp4';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) return `source URL must start with a scheme and ://, ${example}`;
  if (!(SOURCE_URL_SCHEMES as readonly string[]).includes(scheme)) {
    return `source URL scheme ${scheme} is not supported; use one of ${SOURCE_URL_SCHEMES.join(', ')}`;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `source URL cannot be parsed, ${example}`;
  }
  if (scheme === 'file') return url.pathname.length > 1 ? null : `a file source URL needs a path, ${example}`;
  return url.hostname ? null : `source URL needs a host, ${example}`;
}

export const sourceUrlSchema = plainText(2000).superRefine((text, ctx) => {
  const problem = sourceUrlProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** Where a camera stands: a notice states the place of the offence. Coordinates are WGS 84 degrees. */
export const cameraLocationFields = {
  address: singleLine(300).describe('street address of the place the camera watches, as a notice names it'),
  latitude: z.number().min(-90).max(90).describe('WGS 84 degrees, -90..90'),
  longitude: z.number().min(-180).max(180).describe('WGS 84 degrees, -180..180'),
};

export const cameraConfigSchema = z
  .strictObject({
    name: singleLine(100),
    timezone: z
      .string()
      .default(CAMERA_DEFAULTS.timezone)
      .refine(isValidTimeZone, 'timezone must be a valid IANA time zone such as Asia/Seoul'),
    sourceUrl: sourceUrlSchema.optional(),
    enabled: z.boolean().default(CAMERA_DEFAULTS.enabled),
    // no video is wider or taller than this (H.264/H.265 stop at 8192 and 16384); a larger value is a mistake
    frameWidth: z.int().positive().max(MAX_FRAME_SIDE).optional(),
    frameHeight: z.int().positive().max(MAX_FRAME_SIDE).optional(),
    plateFormat: z
      .enum(PLATE_FORMATS)
      .default(CAMERA_DEFAULTS.plateFormat)
      .describe('kr: Korean plates are read and checked by their grammar; none: no plate text is read'),
    zones: z.array(zoneConfigSchema).max(100).default([]),
  })
  .superRefine((cam, ctx) => {
    const seen = new Set<string>();
    cam.zones.forEach((zone, i) => {
      if (seen.has(zone.name)) {
        ctx.addIssue({ code: 'custom', message: `zone name "${zone.name}" is used twice`, path: ['zones', i, 'name'] });
      }
      seen.add(zone.name);
    });
  });

export type ScheduleWindow = z.infer<typeof scheduleWindowSchema>;
export type ZoneRules = z.infer<typeof zoneRulesSchema>;
export type ZoneConfig = z.infer<typeof zoneConfigSchema>;
export type CameraConfig = z.infer<typeof cameraConfigSchema>;
export type CameraConfigInput = z.input<typeof cameraConfigSchema>;
export type ZoneConfigInput = z.input<typeof zoneConfigSchema>;

/** One line per problem, each prefixed with its JSON path (e.g. `zones.0.polygon: point 2 … outside 0..1`). */
export function describeConfigIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}

export class CameraConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid camera config:\n  ${problems.join('\n  ')}`);
    this.name = 'CameraConfigError';
  }
}

/** Parse an already-decoded camera file; throws CameraConfigError naming every problem. */
export function parseCameraConfig(input: unknown): CameraConfig {
  const result = cameraConfigSchema.safeParse(input);
  if (!result.success) throw new CameraConfigError(describeConfigIssues(result.error));
  return result.data;
}

/** The polygon as core points (the schema has already checked it). */
export function zonePolygon(zone: Pick<ZoneConfig, 'polygon'>): Point[] {
  return zone.polygon.map(([x, y]) => [x, y] as const);
}
