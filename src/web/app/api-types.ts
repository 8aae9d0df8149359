/** Shapes of the motoguard HTTP API as the console uses them (see /openapi.json). */

export type Role = 'officer' | 'ops' | 'admin';
export type ZoneKind = 'sidewalk' | 'crosswalk' | 'park' | 'restricted_road' | 'other';
export type SegmentStatus = 'pending' | 'queued' | 'processing' | 'done' | 'failed';
export type ViolationStatus = 'pending' | 'confirmed' | 'rejected' | 'needs_second_review';
export type ReviewDecision = 'confirm' | 'reject' | 'correct-plate';
export type EvidenceRole = 'clip' | 'keyframe' | 'annotated' | 'vehicle_crop' | 'plate_crop' | 'manifest';
export type Point = [number, number];

export interface Me {
  id: string;
  role: Role;
  label: string;
}

export interface CameraHealth {
  lastSegmentAt: string | null;
  lastError: string | null;
  segmentsToday: number;
}

export interface Camera {
  id: string;
  name: string;
  sourceUrl: string | null;
  timezone: string;
  enabled: boolean;
  frameWidth: number | null;
  frameHeight: number | null;
  plateFormat: PlateFormat;
  createdAt: string;
  health?: CameraHealth;
}

/** kr: Korean plates are read; none: the plate is cropped but no text is read (footage from elsewhere) */
export type PlateFormat = 'kr' | 'none';

export interface CameraInput {
  name: string;
  sourceUrl?: string | null;
  timezone?: string;
  enabled?: boolean;
  plateFormat?: PlateFormat;
}

export interface ScheduleWindow {
  /** ISO weekdays, 1 = Monday */
  days: number[];
  start: string;
  end: string;
}

export interface ZoneInput {
  name: string;
  kind: ZoneKind;
  polygon: Point[];
  schedule: ScheduleWindow[] | null;
  minDwellSeconds: number;
  minDisplacement: number;
  allowedDirectionDeg: number | null;
}

export interface Zone extends ZoneInput {
  id: string;
  cameraId: string;
}

export interface Segment {
  id: string;
  cameraId: string;
  fileUri: string;
  sha256: string;
  startTime: string;
  /** how startTime is known: explicit, recorder, container, file_modified or received */
  startTimeSource?: string;
  /** startTime is an estimate (추정): container, file date or arrival time */
  startTimeEstimated?: boolean;
  durationSec: number | null;
  status: SegmentStatus;
  error: string | null;
  createdAt: string;
  /** on the detail route */
  fileName?: string;
  violationCount?: number;
  runs?: { id: string; framesAnalysed: number; startedAt: string; finishedAt: string | null; violationCount: number }[];
  /** the analysis job's progress while it runs, when the API reports it */
  progress?: { phase?: string; framesDone?: number; framesTotal?: number; violationsFound?: number } | null;
}

export interface PlateCandidate {
  text: string;
  confidence: number;
  /** per-character confidence, when the recogniser reports it */
  charConfidences?: number[];
}

export interface Violation {
  id: string;
  cameraId: string;
  zoneId: string | null;
  zoneName: string;
  zoneKind: ZoneKind;
  trackId: number;
  startTime: string;
  endTime: string;
  startSec: number;
  endSec: number;
  status: ViolationStatus;
  plateText: string | null;
  plateConfidence: number | null;
  plateCandidates: PlateCandidate[];
  plateType: string | null;
  version: number;
  createdAt: string;
  /** the times derive from an estimated segment start (추정) */
  timeEstimated?: boolean;
  camera?: { id: string; name: string; timezone?: string };
}

export interface EvidenceFile {
  id: string;
  role: EvidenceRole;
  path: string;
  mime: string;
  sha256: string;
  sizeBytes: number | string;
}

export interface ReviewAction {
  id: string;
  reviewer: string;
  apiKeyId?: string;
  decision: string;
  reasonCode: string | null;
  plateCorrection: string | null;
  previousStatus: ViolationStatus;
  newStatus: ViolationStatus;
  previousPlate: string | null;
  previousVersion: number;
  createdAt: string;
}

export interface ViolationDetail extends Violation {
  evidence: EvidenceFile[];
  reviews: ReviewAction[];
  /** whether the caller may review it now (role, final state, second-review rule) */
  canReview?: boolean;
  secondReview?: { threshold: number; requiredOnConfirm: boolean; firstReviewerKeyIds: string[] };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ViolationPage extends Page<Violation> {
  /** per-status totals under the same filters (status aside), when the API reports them */
  counts?: Partial<Record<ViolationStatus, number>>;
}

export interface ViolationFilter {
  cameraId?: string;
  zoneId?: string;
  status?: ViolationStatus;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

export interface ReviewInput {
  decision: ReviewDecision;
  reasonCode?: string;
  plate?: string;
  expectedVersion: number;
}

/** One field complaint: `pointer` is a JSON Pointer into the request part named by `in`. */
export interface FieldError {
  in: string;
  pointer: string;
  detail: string;
}

/** RFC 9457 problem details, with the field errors our API adds on validation failures. */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}
