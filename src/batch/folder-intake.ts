import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { chooseCaptureTime } from '../core/capture-time.js';
import type { PrismaClient } from '../db/client.js';
import { segmentStatus } from '../db/segments.js';
import { MediaError } from '../media/errors.js';
import { probeVideo } from '../media/probe.js';
import { registerSegment } from '../queue/segment-registry.js';

const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.mkv', '.avi', '.ts', '.webm']);

export interface FolderSegment {
  segmentId: string;
  file: string;
  /** set when the file is not a usable video: the segment is recorded as failed and never queued */
  problem: string | null;
}

/** Video files directly inside `folder`, by name. */
export async function listVideoFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && VIDEO_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
    .map((e) => path.join(folder, e.name))
    .sort();
}

/**
 * Registers each video file of a folder as a segment of the camera (a file already registered, by sha256, is
 * reused). Start time: the container's creation_time, else the file's modification time minus its duration (archive
 * files are written as they end); both are recorded as estimates.
 */
export async function registerFolder(
  prisma: PrismaClient,
  cameraId: string,
  folder: string,
  actor: string,
): Promise<FolderSegment[]> {
  const out: FolderSegment[] = [];
  for (const file of await listVideoFiles(folder)) {
    let durationSec = 0;
    let creationTime: Date | undefined;
    let problem: string | null = null;
    try {
      ({ durationSec, creationTime } = await probeVideo(file));
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
      problem = err.message;
    }
    const { mtime } = await stat(file);
    const capture = chooseCaptureTime({
      container: creationTime,
      fileModified: mtime,
      received: new Date(),
      durationSec,
    });
    const { segment } = await registerSegment(prisma, {
      cameraId,
      file,
      startTime: capture.time,
      startTimeSource: capture.source,
      durationSec,
      actor,
    });
    if (problem) await segmentStatus.failed(prisma, segment.id, problem);
    out.push({ segmentId: segment.id, file, problem });
  }
  return out;
}
