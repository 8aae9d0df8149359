/**
 * When a segment's first frame was captured, and how we know. Evidence states this time, so it
 * says where it came from: an operator's explicit start or the live recorder's wall clock is taken
 * as true; the container's `creation_time`, the file's modification time or the moment it was
 * received are estimates, and are marked so wherever the time is shown.
 */

/** Best first: the first one known is taken. */
export const CAPTURE_TIME_SOURCES = ['explicit', 'recorder', 'container', 'file_modified', 'received'] as const;
export type CaptureTimeSource = (typeof CAPTURE_TIME_SOURCES)[number];

export interface CaptureTime {
  time: Date;
  source: CaptureTimeSource;
}

export interface CaptureTimeClues {
  /** given by whoever registers the footage */
  explicit?: Date;
  /** the live recorder's wall clock when the segment began */
  recorder?: Date;
  /** the container's creation_time */
  container?: Date;
  /** the file's last modification (a browser's File.lastModified, a file's mtime): usually when recording ended */
  fileModified?: Date;
  /** when the footage reached us */
  received: Date;
  /** length of the video, seconds: a modification time at the end of recording gives the start this much earlier */
  durationSec: number;
}

/** Whether a time from this source is an estimate that evidence must mark as such (추정). */
export function isEstimated(source: CaptureTimeSource): boolean {
  return source !== 'explicit' && source !== 'recorder';
}

const valid = (d: Date | undefined): d is Date => d !== undefined && Number.isFinite(d.getTime());

/** The capture time of the first frame from the best clue there is. */
export function chooseCaptureTime(clues: CaptureTimeClues): CaptureTime {
  if (valid(clues.explicit)) return { time: clues.explicit, source: 'explicit' };
  if (valid(clues.recorder)) return { time: clues.recorder, source: 'recorder' };
  if (valid(clues.container)) return { time: clues.container, source: 'container' };
  if (valid(clues.fileModified))
    return { time: new Date(clues.fileModified.getTime() - clues.durationSec * 1000), source: 'file_modified' };
  return { time: clues.received, source: 'received' };
}
