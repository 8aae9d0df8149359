/** Why a video could not be used; `code` lets callers mark a segment failed with a stable reason. */
export type MediaErrorCode = 'not_found' | 'empty' | 'not_video' | 'corrupt' | 'truncated' | 'unsupported';

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly code: MediaErrorCode,
    readonly file: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problem}`, options);
  }
}

/** The last meaningful lines of ffmpeg's stderr, for error messages. */
export function stderrTail(stderr: string, lines = 3): string {
  return stderr
    .split('\n')
    .map((l) => l.replace(/ @ 0x[0-9a-f]+\]/, ']').trim())
    .filter((l) => l && !BANNER.test(l))
    .slice(-lines)
    .join(' | ');
}

/** ffmpeg's version banner, which fluent-ffmpeg leaves in the stderr it reports. */
const BANNER = /^(ff(mpeg|probe) version|built with|configuration:|lib\w+\s+\d|ffprobe exited|ffmpeg exited)/;
