import { z } from 'zod';
import {
  cameraConfigSchema,
  cameraLocationFields,
  isValidTimeZone,
  RULE_CLASSES,
  scheduleWindowSchema,
  zoneConfigSchema,
  zoneRulesSchema,
} from '../core/camera-config.js';
import {
  ApiRole,
  CaptureTimeSource,
  EvidenceRole,
  EvidenceState,
  FeedStatus,
  PlateFormat,
  ReviewDecision,
  SegmentStatus,
  ViolationStatus,
  ZoneKind,
} from '../generated/prisma/enums.js';

/*
 * The shapes the API takes and returns. The web console imports these as types only (src/web/app/api-types.ts),
 * so this module imports nothing but zod, core and the database's enums: nothing the browser could not type-check.
 */

/** Path parameter of every `/:id` route; a malformed id is a 400, an unknown one a 404. */
export const idParams = z.strictObject({ id: z.uuid() });

/** Security requirement shared by authenticated routes in the OpenAPI document: an API key or a console session. */
export const secured: Record<string, string[]>[] = [{ apiKey: [] }, { session: [] }];

/**
 * An ISO 8601 time with its offset, in the years Postgres and the clocks here hold (1970–9999): year
 * 0000 parses as a date but Postgres refuses it, which would be a 500.
 */
export const isoTime = z.iso.datetime({ offset: true }).refine((s) => {
  const year = new Date(s).getUTCFullYear();
  // not a time at all: the format check has said so already
  return Number.isNaN(year) || (year >= 1970 && year <= 9999);
}, 'time must fall in the years 1970–9999');

export const segmentStatusSchema = z.enum(SegmentStatus);
export const violationStatusSchema = z.enum(ViolationStatus);

// ---- Requests: cameras, zones, footage, violations, reviews ----

const camera = cameraConfigSchema.shape;

const location = {
  address: cameraLocationFields.address.nullable().optional(),
  latitude: cameraLocationFields.latitude.nullable().optional(),
  longitude: cameraLocationFields.longitude.nullable().optional(),
};

/** A point needs both coordinates: one alone is set or cleared with the other. */
const coordinatesTogether = <T extends { latitude?: number | null; longitude?: number | null }>(b: T) =>
  (b.latitude === undefined) === (b.longitude === undefined) &&
  (b.latitude === null || b.latitude === undefined) === (b.longitude === null || b.longitude === undefined);
const coordinatesMessage = { message: 'latitude and longitude go together', path: ['longitude'] };

/** The camera file's fields, minus zones (they have their own routes), and where the camera stands. */
export const cameraCreateBody = z
  .strictObject({
    name: camera.name,
    timezone: camera.timezone,
    sourceUrl: camera.sourceUrl.unwrap().nullable().optional(),
    enabled: camera.enabled,
    frameWidth: camera.frameWidth.unwrap().nullable().optional(),
    frameHeight: camera.frameHeight.unwrap().nullable().optional(),
    plateFormat: camera.plateFormat,
    ...location,
  })
  .refine(coordinatesTogether, coordinatesMessage);

export const cameraPatchBody = z
  .strictObject({
    name: camera.name.optional(),
    timezone: z
      .string()
      .refine(isValidTimeZone, 'timezone must be a valid IANA time zone such as Asia/Seoul')
      .optional(),
    sourceUrl: camera.sourceUrl.unwrap().nullable().optional(),
    enabled: z.boolean().optional(),
    frameWidth: camera.frameWidth.unwrap().nullable().optional(),
    frameHeight: camera.frameHeight.unwrap().nullable().optional(),
    plateFormat: camera.plateFormat.unwrap().optional(),
    ...location,
  })
  .refine(coordinatesTogether, coordinatesMessage);

// Flat zone bodies mirror the zones table; validation comes from the camera-file schema in core.
const zone = zoneConfigSchema.shape;
const rules = zoneRulesSchema.shape;

const zoneFields = {
  name: zone.name,
  kind: zone.kind,
  polygon: zone.polygon,
  schedule: z.array(scheduleWindowSchema).min(1).max(50).nullable().optional(),
  minDwellSeconds: rules.minDwellSeconds.unwrap(),
  minDisplacement: rules.minDisplacement.unwrap(),
  allowedDirectionDeg: rules.allowedDirectionDeg,
  directionToleranceDeg: rules.directionToleranceDeg.unwrap(),
  classes: rules.classes.unwrap(),
  requireRider: rules.requireRider.unwrap(),
};

// An absent rule takes the zone rules' default (core), written into the row: the table has none of its own.
export const zoneCreateBody = z.strictObject({
  ...zoneFields,
  minDwellSeconds: rules.minDwellSeconds,
  minDisplacement: rules.minDisplacement,
  directionToleranceDeg: rules.directionToleranceDeg,
  classes: rules.classes,
  requireRider: rules.requireRider,
});
// No defaults on PATCH: an absent field keeps its stored value.
export const zonePatchBody = z.strictObject(zoneFields).partial();

export const segmentRegisterBody = z.strictObject({
  cameraId: z.uuid(),
  path: z.string().min(1).max(4096).describe('file path relative to FOOTAGE_ROOT'),
  startTime: isoTime
    .optional()
    .describe(
      "wall-clock time of the first frame; without it the file's creation_time, else now, both marked estimated",
    ),
});

export const segmentListQuery = z.strictObject({
  cameraId: z.uuid().optional(),
  status: segmentStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/**
 * Part of a plate as an officer types it: letters, digits, Hangul syllables, spaces and hyphens, at least 3 (the
 * trigram index answers nothing shorter; `12가` is 3). NFC first: a Mac's IME may send Hangul decomposed.
 */
export const plateSearch = z
  .string()
  .transform((s) => s.normalize('NFC').trim())
  .pipe(
    z
      .string()
      .min(3, 'a plate search needs at least 3 characters, e.g. 12가')
      .max(16)
      .regex(/^[0-9A-Za-z가-힣 -]+$/, 'a plate search holds letters, digits, Hangul syllables, spaces and hyphens'),
  );

export const violationListQuery = z
  .strictObject({
    cameraId: z.uuid().optional(),
    zoneId: z.uuid().optional(),
    status: violationStatusSchema.optional(),
    from: isoTime.optional().describe('start time ≥ from'),
    to: isoTime.optional().describe('start time < to'),
    plate: plateSearch.optional().describe('part of the plate of record, any case: 12가, 3456, 서울12가3456'),
    cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => !q.from || !q.to || new Date(q.from) < new Date(q.to), {
    message: 'from must be before to',
    path: ['to'],
  });

const reasonCode = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'reasonCode is a short code such as plate_unreadable');

export const reviewBody = z
  .strictObject({
    decision: z.enum(['confirm', 'reject', 'correct-plate']),
    reasonCode: reasonCode.optional(),
    plate: z
      .string()
      .trim()
      .min(1)
      .max(32)
      .optional()
      .describe(
        "the corrected plate; required for correct-plate. It must follow the camera's plate format unless reasonCode is foreign_plate or special_plate",
      ),
    expectedVersion: z.int().min(1).describe('the violation version the reviewer saw'),
  })
  .refine((b) => b.decision === 'confirm' || b.reasonCode !== undefined, {
    message: 'reasonCode is required to reject or correct',
    path: ['reasonCode'],
  })
  .refine((b) => b.decision !== 'correct-plate' || b.plate !== undefined, {
    message: 'plate is required for correct-plate',
    path: ['plate'],
  })
  .refine((b) => b.decision === 'correct-plate' || b.plate === undefined, {
    message: 'plate is only allowed with correct-plate',
    path: ['plate'],
  });

export const BULK_REVIEW_MAX = 100;

export const bulkReviewBody = z
  .strictObject({
    decision: z.enum(['confirm', 'reject']),
    reasonCode: reasonCode.optional(),
    items: z
      .array(z.strictObject({ id: z.uuid(), expectedVersion: z.int().min(1) }))
      .min(1)
      .max(BULK_REVIEW_MAX)
      .describe('each violation with the version the reviewer saw'),
  })
  .refine((b) => b.decision === 'confirm' || b.reasonCode !== undefined, {
    message: 'reasonCode is required to reject',
    path: ['reasonCode'],
  })
  .refine((b) => new Set(b.items.map((i) => i.id)).size === b.items.length, {
    message: 'each violation at most once',
    path: ['items'],
  });

export const historyQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const auditTrailQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(200) });

// ---- Responses ----
// The serializer checks every response against its schema (a mismatch is a 500, not a silent drift) and keeps
// only the fields named here. Times are Dates on the server and ISO 8601 strings on the wire.

const time = z.date();

export const meResponse = z.object({
  kind: z.enum(['key', 'user']).describe('an API key, or a user signed in with a session cookie'),
  id: z.string().describe('the key id or the user id'),
  role: z.enum(ApiRole),
  label: z.string().describe("the key's label or the user's display name"),
  prefix: z.string().optional().describe("the key's first characters (keys only)"),
  username: z.string().optional().describe('the login name (users only)'),
  csrfToken: z
    .string()
    .optional()
    .describe('send it in x-csrf-token with every request that changes anything (users only)'),
});

export const cameraResponse = z.object({
  id: z.string(),
  name: z.string(),
  sourceUrl: z.string().nullable().describe('its password shows to ops only (others see ***)'),
  timezone: z.string(),
  enabled: z.boolean(),
  frameWidth: z.int().nullable(),
  frameHeight: z.int().nullable(),
  plateFormat: z.enum(PlateFormat),
  address: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  createdAt: time,
  updatedAt: time,
});

/** The live recorder's state of a camera, as GET /cameras/:id/health gives it. */
export const feedHealthResponse = z.object({
  cameraId: z.string(),
  sourceUrl: z.string().nullable(),
  recorded: z.boolean().describe('false: no live recorder has ever run for this camera'),
  status: z.enum(FeedStatus).describe('stopped also when no recorder has run'),
  lastSegmentAt: time.nullable(),
  fps: z.number().nullable(),
  segmentsRecorded: z.int(),
  reconnects: z.int(),
  lastError: z.string().nullable(),
  lastErrorAt: time.nullable(),
  updatedAt: time.nullable().describe('when the recorder last reported'),
});

export const cameraWithHealthResponse = cameraResponse.extend({
  health: z.object({
    lastSegmentAt: time.nullable().describe('start of its latest segment'),
    lastError: z.string().nullable().describe('error of its latest failed segment'),
    segmentsToday: z.int().describe("segments registered since midnight in the camera's timezone"),
  }),
  feed: feedHealthResponse.omit({ cameraId: true, sourceUrl: true }),
});

export const defaultsResponse = z
  .object({
    camera: cameraResponse.pick({ timezone: true, enabled: true, plateFormat: true }),
    zoneRules: z.object({
      minDwellSeconds: z.number(),
      minDisplacement: z.number(),
      directionToleranceDeg: z.number(),
      classes: z.array(z.enum(RULE_CLASSES)),
      requireRider: z.boolean(),
    }),
    sign: z.object({ displaySeconds: z.int(), speak: z.boolean() }),
  })
  .describe('what a field left out of a create body (camera, zone, sign settings) is given');

const point = z.tuple([z.number(), z.number()]);

export const zoneResponse = z.object({
  id: z.string(),
  cameraId: z.string(),
  name: z.string(),
  kind: z.enum(ZoneKind),
  polygon: z.array(point),
  schedule: z.array(z.object({ days: z.array(z.int()), start: z.string(), end: z.string() })).nullable(),
  minDwellSeconds: z.number(),
  minDisplacement: z.number(),
  allowedDirectionDeg: z.number().nullable(),
  directionToleranceDeg: z.number(),
  classes: z.array(z.enum(RULE_CLASSES)),
  requireRider: z.boolean(),
  createdAt: time,
  updatedAt: time,
});

export const segmentResponse = z.object({
  id: z.string(),
  cameraId: z.string(),
  fileUri: z.string(),
  sha256: z.string(),
  startTime: time,
  startTimeSource: z.enum(CaptureTimeSource),
  startTimeEstimated: z.boolean().describe('startTime is an estimate (추정): container, file date or arrival time'),
  durationSec: z.number().nullable(),
  originalName: z.string().nullable().describe('the file’s name as uploaded or registered'),
  status: segmentStatusSchema,
  error: z.string().nullable(),
  createdAt: time,
  updatedAt: time,
});

export const reanalyseBody = z
  .strictObject({
    from: isoTime.optional().describe('with `to`: only the camera’s segments starting in [from, to)'),
    to: isoTime.optional(),
  })
  .refine((b) => (b.from === undefined) === (b.to === undefined) && (b.from === undefined || b.from < b.to!), {
    message: 'from and to go together, from before to',
    path: ['to'],
  });

export const reanalyseResponse = z.object({
  pipelineVersion: z.string(),
  queued: z.array(z.string()).describe('segments whose analysis was queued again'),
  skipped: z
    .array(z.object({ segmentId: z.string(), reason: z.enum(['already_queued', 'running']) }))
    .describe('segments whose job was still waiting (it will read the zones as they are) or running'),
  zoneCount: z.int().describe('zones the camera has: with none, an analysis finds nothing'),
});

/** What registration and upload answer: the new segment, whether its job is queued, and the probed video. */
export const segmentIntakeResponse = segmentResponse.extend({
  enqueued: z.boolean().describe('false when Redis was down: the reconciler queues it later'),
  video: z.object({
    durationSec: z.number(),
    fps: z.number(),
    width: z.int(),
    height: z.int(),
    codec: z.string(),
    pixelFormat: z.string(),
    frameCount: z.int().optional(),
    creationTime: time.optional(),
  }),
});

/** The analysis job's progress as the worker reports it (src/analysis/types.ts AnalysisProgress). */
export const analysisProgress = z.object({
  phase: z.string(),
  framesDone: z.number(),
  framesTotal: z.number().describe('estimated from the duration'),
  violationsFound: z.number(),
  evidenceDone: z.number().optional(),
});

export const segmentDetailResponse = segmentResponse.extend({
  fileName: z.string(),
  violationCount: z.int(),
  runs: z.array(
    z.object({
      id: z.string(),
      pipelineVersion: z.string(),
      startedAt: time,
      finishedAt: time.nullable(),
      framesAnalysed: z.int(),
      timings: z.record(z.string(), z.number()),
      violationCount: z.int(),
    }),
  ),
  job: z
    .object({
      id: z.string().optional(),
      state: z.string(),
      progress: analysisProgress.nullable().describe('null until the worker reports'),
      attemptsMade: z.int(),
      failedReason: z.string().nullable(),
    })
    .nullable()
    .describe('live from the queue; null once the queue has let the job go (the segment keeps the outcome)'),
});

const violationRow = z.object({
  id: z.string(),
  runId: z.string().nullable().describe('null while a violation found live waits for its footage (evidenceState)'),
  cameraId: z.string(),
  zoneId: z.string().nullable(),
  zoneName: z.string(),
  zoneKind: z.enum(ZoneKind),
  trackId: z.int(),
  startTime: time,
  endTime: time,
  startSec: z.number(),
  endSec: z.number(),
  status: violationStatusSchema,
  evidenceState: z
    .enum(EvidenceState)
    .describe(
      'evidence_pending: found live and alerted as its rule fired, its evidence package follows once the footage closes',
    ),
  plateText: z.string().nullable(),
  plateConfidence: z.number().nullable(),
  plateCandidates: z.array(z.object({ text: z.string(), confidence: z.number() })).describe('best first'),
  plateType: z.string().nullable(),
  version: z.int().describe('send it back as expectedVersion when reviewing'),
  supersededById: z
    .string()
    .nullable()
    .describe('the same event in another analysis run of its segment, which stands for it (lists leave this one out)'),
  createdAt: time,
  updatedAt: time,
});

/** A violation as lists and the detail show it: its camera, and whether its times are estimates (추정). */
const violationShown = violationRow.extend({
  camera: z.object({ id: z.string(), name: z.string(), timezone: z.string() }),
  timeSource: z.enum(CaptureTimeSource),
  timeEstimated: z.boolean(),
  plateLowConfidence: z
    .boolean()
    .describe('the machine read plateText below the honesty floor: show it as 판독 불가, the text a candidate only'),
});

export const violationPageResponse = z.object({
  items: z.array(violationShown.extend({ thumbnailEvidenceId: z.string().nullable() })),
  nextCursor: z.string().nullable(),
  counts: z
    .record(z.enum([...violationStatusSchema.options, 'total']), z.int())
    .describe('per status under the same filters, the status filter aside'),
});

export const evidenceFileResponse = z.object({
  id: z.string(),
  violationId: z.string(),
  role: z.enum(EvidenceRole),
  path: z.string().describe('relative to the evidence root'),
  sha256: z.string(),
  sizeBytes: z.number(),
  mime: z.string(),
  createdAt: time,
  url: z.string(),
});

export const reviewActionResponse = z.object({
  id: z.string(),
  violationId: z.string(),
  apiKeyId: z.string().nullable().describe('the API key the review was made with, or null'),
  userId: z.string().nullable().describe('the signed-in user who made the review, or null'),
  reviewer: z.string(),
  decision: z.enum(ReviewDecision),
  reasonCode: z.string().nullable(),
  plateCorrection: z.string().nullable(),
  previousStatus: violationStatusSchema,
  newStatus: violationStatusSchema,
  previousPlate: z.string().nullable(),
  previousVersion: z.int(),
  createdAt: time,
});

export const evidenceIntegrityResponse = z.object({
  violationId: z.string(),
  ok: z.boolean(),
  checked: z.int().describe('evidence files checked'),
  mismatches: z.array(
    z.object({
      evidenceId: z.string(),
      role: z.string(),
      path: z.string(),
      problem: z.enum(['missing', 'outside_root', 'sha256_mismatch', 'size_mismatch', 'row_altered', 'row_missing']),
      expected: z.string().optional(),
      actual: z.string().optional(),
    }),
  ),
  packageSha256: z
    .string()
    .nullable()
    .describe("sha256 of the package's manifest.json, as the audit chain recorded it"),
  recorded: z.boolean().describe('an evidence.recorded audit row holds the package hashes'),
  recordedByBackfill: z
    .boolean()
    .describe('only npm run evidence:backfill recorded them, after the package was stored: as the files were then'),
  checkedAt: time,
});

/** Where an offence took place: its camera's location when the violation was found (null: none was recorded). */
export const placeResponse = z
  .object({
    address: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
  })
  .nullable();

export const violationDetailResponse = violationShown.extend({
  place: placeResponse.describe("the camera's location when the violation was found; null when it had none"),
  zone: zoneResponse.pick({ id: true, name: true, kind: true, polygon: true }).nullable(),
  run: z
    .object({
      id: z.string(),
      segmentId: z.string(),
      pipelineVersion: z.string(),
      modelFingerprints: z.record(z.string(), z.string()).describe('model name → sha256'),
      configHash: z.string(),
      segment: z.object({ startTimeSource: z.enum(CaptureTimeSource) }),
    })
    .nullable()
    .describe('null while its evidence is pending'),
  evidence: z.array(evidenceFileResponse),
  reviews: z.array(reviewActionResponse).describe('oldest first'),
  secondReview: z.object({
    threshold: z.number(),
    requiredOnConfirm: z.boolean().describe('a confirm or correction now goes to a second reviewer'),
    firstReviewerKeyIds: z.array(z.string()).describe('keys or users (ids) that may not finish the second review'),
  }),
  canReview: z
    .boolean()
    .describe('whether the caller may review it now (role, final state, second-review rule, evidence integrity)'),
  integrity: evidenceIntegrityResponse.describe('its evidence checked against its rows and the audit chain'),
});

export const reviewResponse = violationRow.extend({ review: reviewActionResponse });

export const bulkReviewResponse = z.object({
  results: z.array(
    z.discriminatedUnion('ok', [
      z.object({ id: z.string(), ok: z.literal(true), status: violationStatusSchema, version: z.int() }),
      z.object({
        id: z.string(),
        ok: z.literal(false),
        problem: z.object({ type: z.string(), status: z.int(), detail: z.string() }),
      }),
    ]),
  ),
  succeeded: z.int(),
  failed: z.int(),
});

export const vehicleHistoryResponse = z.object({
  plate: z.string().nullable().describe('the plate of record; null: unread, so no history'),
  items: violationPageResponse.shape.items.describe('other violations with this plate, newest first'),
});

export const auditTrailResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      createdAt: time,
      actor: z.string(),
      actorLabel: z.string().nullable().describe("the acting API key's label"),
      action: z.string(),
      entityType: z.string(),
      entityId: z.string().nullable(),
      details: z.record(z.string(), z.unknown()),
      hash: z.string(),
      linked: z.boolean().describe('its hash recomputes and it links to the rows before and after it'),
      anchored: z.boolean().describe('a signed checkpoint covers it'),
    }),
  ),
  chain: z.object({
    ok: z.boolean().describe("every row of this case's trail fits the chain"),
    checked: z.int(),
    firstBadId: z.string().nullable(),
  }),
  lastCheckpoint: z
    .object({ seq: z.int(), headId: z.string(), at: z.string() })
    .nullable()
    .describe('the newest signed checkpoint of the chain (its signature is checked by npm run audit:verify)'),
});

/** `{ items }` of a list route. */
// ---- Detector view (analysis/detector-trace.ts) ----

const pixelBox = z.object({ x1: z.number(), y1: z.number(), x2: z.number(), y2: z.number() });

export const detectorViewResponse = z
  .object({
    detector: z.string(),
    fps: z.number().describe('analysis frames per second'),
    analysedSize: z.object({ width: z.int(), height: z.int() }).describe('the pixel space of every box'),
    durationSec: z.number(),
    zones: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(ZoneKind),
        polygon: z.array(point),
        rules: z.object({
          minDwellSeconds: z.number(),
          minDisplacement: z.number(),
          allowedDirectionDeg: z.number().nullable().optional(),
          directionToleranceDeg: z.number(),
          classes: z.array(z.string()),
          requireRider: z.boolean(),
        }),
      }),
    ),
    tiles: z.array(z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })),
    frames: z.array(
      z.object({
        index: z.int(),
        timestamp: z.number().describe('seconds from the start of the segment'),
        detections: z.array(z.object({ label: z.string(), score: z.number(), box: pixelBox })),
        tracks: z.array(
          z.object({
            id: z.int(),
            label: z.string(),
            score: z.number(),
            box: pixelBox,
            state: z.string(),
            seenNow: z.boolean().describe('matched to a detection in this frame'),
          }),
        ),
      }),
    ),
    stays: z
      .array(
        z.object({
          trackId: z.int(),
          label: z.string(),
          zone: z.string(),
          entryFrame: z.int(),
          exitFrame: z.int(),
          violation: z.boolean(),
          checks: z.array(
            z.object({
              rule: z.enum(['class', 'confirmed', 'schedule', 'dwell', 'displacement', 'direction', 'rider']),
              pass: z.boolean(),
              detail: z.string(),
            }),
          ),
          dwellSeconds: z.number(),
          displacement: z.number(),
          directionDeg: z.number().nullable(),
          riderShare: z.number(),
        }),
      )
      .describe('every stay of a track in a zone the rules judged, with each rule’s check'),
    violations: z.array(z.object({ trackId: z.int(), zone: z.string(), startSec: z.number(), endSec: z.number() })),
  })
  .describe('what the analysis saw and decided on each frame, with the zones as they are now');

export const frameQuery = z.strictObject({
  t: z.coerce.number().min(0).max(86_400).describe('seconds from the start of the segment'),
});

export const itemsOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

// ---- Problems ----

/** One field-level complaint inside a validation problem (RFC 9457 §3 extension member `errors`). */
export const fieldError = z.object({
  in: z.string().describe('which part of the request: body, querystring, params, headers'),
  pointer: z.string().describe('JSON Pointer into that part, e.g. `/polygon/2`'),
  detail: z.string().describe('in English'),
  code: z
    .string()
    .optional()
    .describe(
      'what is wrong, for clients that word it themselves: too_small, too_big, invalid_type, invalid_format, invalid_value, unrecognized_keys, custom',
    ),
  params: z
    .object({
      origin: z.string().optional().describe('string, number, array…: what minimum and maximum count'),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      inclusive: z.boolean().optional(),
      format: z.string().optional(),
      expected: z.string().optional(),
      values: z.array(z.unknown()).optional().describe('the allowed values'),
    })
    .optional(),
});

/** RFC 9457 problem details, the body of every error; extension members (errors, requestId, …) beside. */
export const problemResponse = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  instance: z.string(),
  errors: z.array(fieldError).optional(),
});

/** A console user as admins see them: never the password or its hash. */
export const userResponse = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(ApiRole),
  failedLogins: z.int().describe('wrong passwords since the last sign-in or lock-out'),
  lockedUntil: time.nullable(),
  disabledAt: time.nullable(),
  passwordChangedAt: time,
  createdAt: time,
});

/** A machine API key as listed: never its secret. */
export const apiKeyResponse = z.object({
  id: z.string(),
  prefix: z.string(),
  role: z.enum(ApiRole),
  label: z.string(),
  createdAt: time,
  revokedAt: time.nullable(),
});

export const createdApiKeyResponse = apiKeyResponse.extend({
  key: z.string().describe('the secret: shown in this response only'),
});

// ---- Statistics (GET /stats) ----

/** The longest period one request may sum: a year, leap day included. */
export const MAX_STATS_DAYS = 366;
/** The period when none is given: the 30 days up to today. */
export const DEFAULT_STATS_DAYS = 30;

const DAY_MS = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** The days a query counts, both ends included: what it names, else up to today (UTC) and 30 days back from `to`. */
export function statsPeriod(q: { from?: string | undefined; to?: string | undefined }, now = new Date()) {
  const to = q.to ?? isoDay(now);
  const from = q.from ?? isoDay(new Date(Date.parse(to) - (DEFAULT_STATS_DAYS - 1) * DAY_MS));
  return { from, to, days: (Date.parse(to) - Date.parse(from)) / DAY_MS + 1 };
}

/** A calendar day in the years the database and the period's arithmetic hold (the day after it included). */
const day = z.iso.date().refine((d) => d >= '1970-01-01' && d <= '9998-12-31', 'a day in the years 1970–9998');

export const statsQuery = z
  .strictObject({
    cameraId: z.uuid().optional(),
    zoneId: z.uuid().optional(),
    from: day.optional().describe("first day counted (the camera's local date), YYYY-MM-DD"),
    to: day.optional().describe('last day counted, included; default today (UTC)'),
  })
  .superRefine((q, ctx) => {
    // a day that is none at all is its field's error already
    if ([q.from, q.to].some((d) => d !== undefined && Number.isNaN(Date.parse(d)))) return;
    const { days } = statsPeriod(q);
    if (days < 1) ctx.addIssue({ code: 'custom', message: 'from must not be after to', path: ['to'] });
    else if (days > MAX_STATS_DAYS)
      ctx.addIssue({ code: 'custom', message: `a period holds at most ${MAX_STATS_DAYS} days`, path: ['from'] });
  });

const count = z.int().min(0);

export const statsResponse = z.object({
  period: z.object({ from: z.string(), to: z.string() }),
  total: count,
  cameras: z.array(z.object({ cameraId: z.string(), name: z.string(), violations: count })),
  zones: z
    .array(
      z.object({
        cameraId: z.string(),
        cameraName: z.string(),
        zoneId: z.string().nullable().describe('null: violations whose zone has been deleted since'),
        zoneName: z.string().nullable(),
        violations: count,
        confirmed: count,
        rejected: count,
        open: count.describe('pending or waiting for a second review'),
        rejectRate: z
          .number()
          .min(0)
          .max(1)
          .nullable()
          .describe('rejected / (confirmed + rejected): the false alarms among decided cases; null when none decided'),
      }),
    )
    .describe('most violations first'),
  byHour: z.array(count).length(24).describe("violations by the camera's local hour, 0-23"),
  byWeekday: z.array(count).length(7).describe("violations by the camera's local weekday, Monday first"),
  backlog: z
    .object({
      open: count,
      oldestAt: z.date().nullable(),
      oldestAgeSeconds: z.number().nullable(),
      medianAgeSeconds: z.number().nullable(),
    })
    .describe('cases waiting for review now, by when they were recorded; the period does not apply'),
  reviewers: z
    .array(
      z.object({
        kind: z.enum(['key', 'user']).describe('an API key or a console user account'),
        id: z.string(),
        label: z.string().describe("the key's label or the user's display name"),
        total: count,
        days: z.array(z.object({ day: z.string(), reviews: count })),
      }),
    )
    .describe("review actions per reviewer and day (the reviewed camera's local date)"),
});
