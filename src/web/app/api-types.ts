/**
 * Shapes of the motoguard HTTP API as the console uses them, taken from the server's schemas
 * (src/api/schemas.ts, the same ones /openapi.json is made from). Type-only: no zod or server code
 * reaches the browser bundle.
 */
import type { z } from 'zod';
import type * as api from '../../api/schemas.js';

/** A value after JSON.stringify: the server's Dates arrive as ISO 8601 strings. */
type Json<T> = T extends Date ? string : T extends object ? { [K in keyof T]: Json<T[K]> } : T;
/** A response body as the console receives it: what the route's handler returns, through JSON. */
type Received<S extends z.ZodType> = Json<z.output<S>>;
type ItemOf<L extends { items: readonly unknown[] }> = L['items'][number];

export type Me = Received<typeof api.meResponse>;
export type User = Received<typeof api.userResponse>;
export type ApiKey = Received<typeof api.apiKeyResponse>;
export type CreatedApiKey = Received<typeof api.createdApiKeyResponse>;
export type Camera = Received<typeof api.cameraResponse>;
export type CameraWithHealth = Received<typeof api.cameraWithHealthResponse>;
export type Zone = Received<typeof api.zoneResponse>;
export type Segment = Received<typeof api.segmentResponse>;
export type SegmentIntake = Received<typeof api.segmentIntakeResponse>;
export type SegmentDetail = Received<typeof api.segmentDetailResponse>;
export type Reanalysis = Received<typeof api.reanalyseResponse>;
export type ViolationPage = Received<typeof api.violationPageResponse>;
export type Violation = ItemOf<ViolationPage>;
export type ViolationDetail = Received<typeof api.violationDetailResponse>;
export type ReviewedViolation = Received<typeof api.reviewResponse>;
export type EvidenceIntegrity = Received<typeof api.evidenceIntegrityResponse>;
export type AuditTrail = Received<typeof api.auditTrailResponse>;
export type VehicleHistory = Received<typeof api.vehicleHistoryResponse>;
export type BulkReviewResult = Received<typeof api.bulkReviewResponse>;
export type SettingDefaults = Received<typeof api.defaultsResponse>;
export type DetectorView = Received<typeof api.detectorViewResponse>;
export type EvidenceFile = ViolationDetail['evidence'][number];
export type ReviewAction = ViolationDetail['reviews'][number];
export type PlateCandidate = Violation['plateCandidates'][number];

export type Role = Me['role'];
export type PlateFormat = Camera['plateFormat'];
export type ZoneKind = Zone['kind'];
export type Point = Zone['polygon'][number];
export type SegmentStatus = Segment['status'];
export type ViolationStatus = Violation['status'];
export type EvidenceState = Violation['evidenceState'];

/** Request bodies and queries as the console sends them: what the route's schema takes in. */
export type CameraInput = z.input<typeof api.cameraCreateBody>;
export type CameraPatch = z.input<typeof api.cameraPatchBody>;
export type ZoneInput = z.input<typeof api.zoneCreateBody>;
export type ZonePatch = z.input<typeof api.zonePatchBody>;
export type ScheduleWindow = NonNullable<ZoneInput['schedule']>[number];
export type SegmentRegistration = z.input<typeof api.segmentRegisterBody>;
/** Queries in their parsed shape, which the route takes back as it is (the input side types the coerced `limit` unknown). */
export type SegmentFilter = Partial<z.output<typeof api.segmentListQuery>>;
export type ViolationFilter = Partial<z.output<typeof api.violationListQuery>>;
export type ReviewInput = z.input<typeof api.reviewBody>;
export type BulkReviewInput = z.input<typeof api.bulkReviewBody>;
export type Stats = Received<typeof api.statsResponse>;
export type StatsFilter = z.input<typeof api.statsQuery>;

type ProblemBody = Received<typeof api.problemResponse>;
/**
 * RFC 9457 problem details: what the API sends, or what the console makes of an error response that is
 * not one (a proxy's 502 page has a status and a title only).
 */
export type Problem = Partial<ProblemBody> & Pick<ProblemBody, 'title' | 'status'>;
