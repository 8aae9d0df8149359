import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import pLimit from 'p-limit';
import type { DetectorTrace } from '../analysis/detector-trace.js';
import { analysisConfigHash } from '../analysis/config-hash.js';
import { projectRoot } from '../config.js';
import type { CameraConfig } from '../core/camera-config.js';
import { DEFAULT_DETECTOR } from '../vision/detector.js';

const TRACE_CLI = path.join(projectRoot, 'src', 'cli', 'detector-trace.ts');

export interface TraceJob {
  segmentId: string;
  videoPath: string;
  camera: CameraConfig;
  segmentStart: Date;
  fps: number;
  /** also draw the trace on the frames into this MP4 */
  clip?: string;
}

/** Traces kept for the console's next requests (its frames, its clip), by segment and camera settings. */
const CACHED = 8;

/**
 * Runs the detector view (src/cli/detector-trace.ts) in a child process: inference is synchronous in
 * onnxruntime-node and would stall every other request of the API for the length of the clip. One at a time, as an
 * analysis worker would; the latest traces are kept, so a zone tuned and looked at again is traced afresh while
 * paging through frames is not.
 */
export class DetectorViewRunner {
  private readonly one = pLimit(1);
  private readonly cache = new Map<string, Promise<DetectorTrace>>();

  constructor(private readonly timeoutMs: number) {}

  trace(job: Omit<TraceJob, 'clip'>): Promise<DetectorTrace> {
    const key = `${job.segmentId}:${analysisConfigHash(job.camera, job.fps, DEFAULT_DETECTOR)}`;
    let found = this.cache.get(key);
    if (!found) {
      found = this.run(job);
      this.cache.set(key, found);
      found.catch(() => this.cache.delete(key));
      while (this.cache.size > CACHED) this.cache.delete(this.cache.keys().next().value!);
    }
    return found;
  }

  /** Traces and writes the annotated clip to `job.clip`. */
  async clip(job: TraceJob & { clip: string }): Promise<void> {
    await this.run(job);
  }

  private run(job: TraceJob): Promise<DetectorTrace> {
    return this.one(async () => {
      const args = ['--import', 'tsx', TRACE_CLI, job.videoPath, '--camera', '-'];
      args.push('--start', job.segmentStart.toISOString(), '--fps', String(job.fps));
      if (job.clip) args.push('--clip', job.clip);
      const child = spawn(process.execPath, args, {
        cwd: projectRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: this.timeoutMs,
        killSignal: 'SIGKILL',
      });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify(job.camera));
      const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
      if (code !== 0) {
        const why = signal ? `stopped by ${signal} (over ${this.timeoutMs / 1000} s?)` : `exit ${code}`;
        throw new Error(`detector view of segment ${job.segmentId} failed (${why}): ${err.trim().slice(-1000)}`);
      }
      return JSON.parse(Buffer.concat(out).toString('utf8')) as DetectorTrace;
    });
  }
}
