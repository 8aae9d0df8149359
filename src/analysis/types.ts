import type { ZoneKind } from '../core/types.js';
import type { EvidenceFileRecord } from '../evidence/package-writer.js';

export type { EvidenceFileRecord };

/**
 * What one analysis of one segment produced. Plain data (Dates, numbers, strings) so the worker
 * can persist it as AnalysisRun + Violation + EvidenceFile rows and the CLI can print it.
 */
export interface SegmentAnalysis {
  videoPath: string;
  /** sha256 of the segment file (given by the caller or computed) */
  sourceSha256: string;
  segmentStart: Date;
  pipelineVersion: string;
  /** sha256 of the canonical JSON of { camera, fps, detector } */
  configHash: string;
  detector: string;
  fps: number;
  /** model name → sha256 of every model that ran */
  modelFingerprints: Record<string, string>;
  source: { width: number; height: number; fps: number; codec: string; durationSec: number };
  /** size of the frames the detector saw (downscaled from 4K and the like) */
  analysedSize: { width: number; height: number };
  framesAnalysed: number;
  videoSeconds: number;
  /** confirmed tracks of the rule classes seen in the whole segment */
  tracksSeen: number;
  timings: AnalysisTimings;
  violations: ViolationRecord[];
}

/** Milliseconds. Decoding runs in ffmpeg beside inference, so `decodeWaitMs` is only the time spent waiting for it. */
export interface AnalysisTimings {
  /** probe, source hash and model loading (everything before the first frame) */
  probeMs: number;
  decodeWaitMs: number;
  inferenceMs: number;
  trackingMs: number;
  /** encoding the violations' keyframes from the decoded frames, during the frame loop */
  keyframesMs: number;
  /** plate reading (one read at a time) and evidence writing (two packages at once), each summed over violations */
  plateMs: number;
  evidenceMs: number;
  /** wall time from the end of the frame loop until every violation is read and packaged */
  packagingMs: number;
  totalMs: number;
}

export interface PlateReading {
  /** best reading; unknown characters (e.g. Hangul the OCR cannot read) appear as `?`; null when no plate was read */
  text: string | null;
  confidence: number;
  /** best first */
  candidates: Array<{ text: string; confidence: number }>;
  /** the plate grammar the text matched, e.g. `car-new`, or null */
  format: string | null;
  /** plate type from the plate detector (P1..P12), when one was found */
  plateType: string | null;
  /** how many pictures of the track gave a read */
  reads: number;
  /**
   * The use syllable's likeliest readings, best first (at most three), with the vote's support for each (summed
   * recogniser probabilities, estimated): what a look-alike syllable (두/루) might be, offered when correcting.
   * Absent from readings stored before it existed.
   */
  syllableOptions?: Array<{ char: string; confidence: number }>;
}

export interface ViolationRecord {
  trackId: number;
  label: string;
  zoneName: string;
  zoneKind: ZoneKind;
  /** seconds from the start of the segment */
  startSec: number;
  endSec: number;
  startTime: Date;
  endTime: Date;
  /** analysed-frame indices */
  entryFrame: number;
  peakFrame: number;
  exitFrame: number;
  plate: PlateReading;
  /** the package folder (absolute) */
  evidenceDir: string;
  evidence: EvidenceFileRecord[];
}

/** A violation as its rule fires, before its evidence is written: what a warning sign shows. */
export interface ViolationNotice {
  trackId: number;
  zoneName: string;
  zoneKind: ZoneKind;
  startTime: Date;
  endTime: Date;
  /** wall-clock time the rule fired */
  firedAt: Date;
  plate: PlateReading;
}

export type AnalysisPhase = 'probe' | 'analyse' | 'evidence' | 'done';

export interface AnalysisProgress {
  phase: AnalysisPhase;
  framesDone: number;
  /** estimated from the duration */
  framesTotal: number;
  violationsFound: number;
  /** evidence phase: packages written so far, of `violationsFound` */
  evidenceDone?: number;
}
