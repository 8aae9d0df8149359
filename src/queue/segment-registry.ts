import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CaptureTimeSource } from '../core/capture-time.js';
import type { PrismaClient } from '../db/client.js';
import { createSegment } from '../db/segments.js';
import { hashFile } from '../evidence/file-hash.js';
import type { Segment } from '../generated/prisma/client.js';

/** A video file on disk that becomes a segment of a camera. */
export interface SegmentFile {
  cameraId: string;
  /** absolute path */
  file: string;
  /** capture time of its first frame, and how it is known */
  startTime: Date;
  startTimeSource: CaptureTimeSource;
  durationSec: number;
  /** the name the file had before it came here (an upload's); default: its name on disk */
  originalName?: string;
  /** who is recorded in the audit log */
  actor: string;
  /** analysed live as it was recorded (see SegmentCreate.liveAnalysed) */
  liveAnalysed?: boolean;
}

export interface Registration {
  /** false: the same bytes were already a segment of this camera, and `segment` is that row */
  created: boolean;
  segment: Segment;
  sha256: string;
}

/**
 * Every way a file becomes a segment (upload, path, folder intake, live recorder) goes through here:
 * hash the bytes and record the row, `pending`, before any job exists (Postgres is the source of truth;
 * the caller enqueues, or the reconciler does). The same bytes on the same camera give back the row
 * already there. With `skipEmpty` an empty file (a feed that dropped at once) records nothing: null.
 */
export async function registerSegment(prisma: PrismaClient, input: SegmentFile): Promise<Registration>;
export async function registerSegment(
  prisma: PrismaClient,
  input: SegmentFile,
  opts: { skipEmpty: true },
): Promise<Registration | null>;
export async function registerSegment(
  prisma: PrismaClient,
  input: SegmentFile,
  opts: { skipEmpty?: boolean } = {},
): Promise<Registration | null> {
  const { sha256, sizeBytes } = await hashFile(input.file);
  if (opts.skipEmpty && sizeBytes === 0) return null;
  const result = await createSegment(
    prisma,
    {
      cameraId: input.cameraId,
      fileUri: pathToFileURL(input.file).href,
      sha256,
      startTime: input.startTime,
      startTimeSource: input.startTimeSource,
      durationSec: input.durationSec,
      originalName: input.originalName ?? path.basename(input.file),
      ...(input.liveAnalysed ? { liveAnalysed: true } : {}),
    },
    input.actor,
  );
  return result.created
    ? { created: true, segment: result.segment, sha256 }
    : { created: false, segment: result.existing, sha256 };
}
