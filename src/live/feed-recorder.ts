import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';
import { backoffDelayMs } from './backoff.js';
import { LiveFrames } from './live-frames.js';
import { recorderArgs } from './recorder-args.js';
import { SegmentListTail, type SegmentListEntry } from './segment-list.js';
import { ffmpegPath } from '../media/binaries.js';

export type FeedState = 'connecting' | 'recording' | 'reconnecting' | 'stopped';

/** A segment file ffmpeg has finished writing. */
export interface ClosedSegment {
  path: string;
  startTime: Date;
  durationSec: number;
  closedAt: Date;
  /** the ffmpeg connection that recorded it, and where it lies on that connection's stream timeline (seconds) */
  connectionId: string;
  streamStartSec: number;
  streamEndSec: number;
}

/** One ffmpeg connection's analysis frames (see FeedRecorderOptions.frames). */
export interface LiveConnection {
  id: string;
  /** wall clock when its first frame (stream second 0) came */
  startedAt: Date;
  frames: LiveFrames;
}

export interface HealthUpdate {
  status: FeedState;
  /** set when the connection was lost or could not be made */
  error?: string;
  /** true when this update starts a reconnect attempt */
  reconnect?: boolean;
  segment?: { at: Date; fps: number | null };
}

export interface FeedRecorderOptions {
  sourceUrl: string;
  outDir: string;
  segmentSeconds?: number;
  copyCodec?: boolean;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** no progress from ffmpeg for this long counts as a lost feed */
  stallSeconds?: number;
  ffmpegPath?: string;
  logger: Logger;
  /** called once per closed segment, in order; the next waits for it */
  onSegment: (segment: ClosedSegment) => Promise<void>;
  onHealth: (update: HealthUpdate) => Promise<void>;
  /** decode frames for live analysis beside recording (ffmpeg's second output); `lossless`: see LiveFrames */
  frames?: { fps: number; maxWidth: number; lossless?: boolean };
  /**
   * with `frames`: called once per connection as its first frame arrives; the connection's end (and stop()) waits
   * for the returned promise, so the analysis sees every frame before the last segment is reported
   */
  onConnection?: (connection: LiveConnection) => Promise<void>;
  /** after a connection's last segment was reported (onSegment), in order with them */
  onConnectionEnd?: (connectionId: string) => Promise<void>;
}

type Ffmpeg = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * Records a camera source with ffmpeg's segment muxer and reports each closed segment as ffmpeg lists it.
 * Any exit of ffmpeg that was not asked for is a lost feed: it is reported and retried with exponential backoff,
 * the backoff resetting once a connection has produced a segment.
 */
export class FeedRecorder {
  private readonly o: Required<
    Omit<FeedRecorderOptions, 'ffmpegPath' | 'frames' | 'onConnection' | 'onConnectionEnd'>
  > &
    Pick<FeedRecorderOptions, 'frames' | 'onConnection' | 'onConnectionEnd'> & { ffmpegPath: string };
  private child: Ffmpeg | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private chain: Promise<void> = Promise.resolve();

  constructor(options: FeedRecorderOptions) {
    const segmentSeconds = options.segmentSeconds ?? 10;
    this.o = {
      ...options,
      segmentSeconds,
      copyCodec: options.copyCodec ?? true,
      backoffBaseMs: options.backoffBaseMs ?? 1000,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      stallSeconds: options.stallSeconds ?? Math.max(15, 2 * segmentSeconds),
      ffmpegPath: options.ffmpegPath ?? ffmpegPath,
    };
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Asks ffmpeg to finish the current segment (which is then reported) and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const child = this.child;
    if (child && child.exitCode === null) {
      child.stdin.write('q');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await new Promise((resolve) => child.once('close', resolve));
      clearTimeout(killer);
    }
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    await mkdir(this.o.outDir, { recursive: true });
    let attempt = 0;
    while (!this.stopping) {
      await this.report({ status: attempt === 0 ? 'connecting' : 'reconnecting' });
      const { segments, error } = await this.connectOnce();
      if (this.stopping) break;
      if (segments > 0) attempt = 0;
      const delay = backoffDelayMs(attempt, this.o.backoffBaseMs, this.o.backoffMaxMs);
      attempt += 1;
      this.o.logger.warn({ error, retryInMs: delay }, 'feed lost; reconnecting');
      await this.report({ status: 'reconnecting', error, reconnect: true });
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void sleep(delay).then(resolve);
      });
      this.wake = null;
    }
    await this.chain;
    await this.report({ status: 'stopped' });
  }

  /** One ffmpeg process from connect to exit; resolves with how many segments it closed and why it ended. */
  private async connectOnce(): Promise<{ segments: number; error: string }> {
    const connectionId = `${Date.now()}`;
    const listPath = path.join(this.o.outDir, `${connectionId}.csv`);
    const args = recorderArgs({
      sourceUrl: this.o.sourceUrl,
      segmentSeconds: this.o.segmentSeconds,
      copyCodec: this.o.copyCodec,
      outputPattern: path.join(this.o.outDir, `${connectionId}-%06d.mp4`),
      listPath,
      ioTimeoutSec: Math.min(10, this.o.stallSeconds),
      ...(this.o.frames ? { frames: this.o.frames } : {}),
    });
    const child = spawn(this.o.ffmpegPath, args, {
      stdio: ['pipe', 'pipe', 'pipe', ...(this.o.frames ? (['pipe'] as const) : [])],
    }) as Ffmpeg;
    this.child = child;
    const analysis = this.startAnalysis(child, connectionId);
    const tail = new SegmentListTail(listPath);
    let stderr = '';
    let frames = 0;
    let lastProgressAt = Date.now();
    let segments = 0;
    let lastClose = { at: Date.now(), frames: 0 };

    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    child.stdout.on('data', (d: Buffer) => {
      lastProgressAt = Date.now();
      for (const hit of d.toString().matchAll(/frame=(\d+)/g)) frames = Number(hit[1]);
    });
    child.stdin.on('error', () => undefined);
    const exited = new Promise<number | null>((resolve) => {
      child.once('close', (code) => resolve(code));
      child.once('error', (err) => {
        stderr += err.message;
        resolve(-1);
      });
    });

    const collect = async () => {
      for (const entry of await tail.read()) {
        const now = Date.now();
        const fps = now > lastClose.at ? ((frames - lastClose.frames) * 1000) / (now - lastClose.at) : null;
        lastClose = { at: now, frames };
        if (segments === 0) await this.report({ status: 'recording' });
        segments += 1;
        this.enqueue(entry, connectionId, new Date(now), fps);
      }
    };

    let code: number | null | undefined = undefined;
    const poll = async () => {
      while (code === undefined) {
        await Promise.race([sleep(250), exited]);
        await collect();
        if (code === undefined && Date.now() - lastProgressAt > this.o.stallSeconds * 1000) {
          stderr += `\nno data from the source for ${this.o.stallSeconds} s`;
          child.kill('SIGKILL');
        }
      }
    };
    const polling = poll();
    code = await exited;
    await polling;
    // the analysis has every frame before the connection's last segment is reported
    await analysis;
    await collect();
    const { onConnectionEnd } = this.o;
    if (onConnectionEnd)
      this.chain = this.chain
        .then(() => onConnectionEnd(connectionId))
        .catch((err: unknown) => this.o.logger.error({ err, connectionId }, 'could not close the connection'));
    this.child = null;
    const reason = stderr.trim().split('\n').slice(-3).join(' | ');
    const error = reason || (code === 0 ? 'source ended' : `ffmpeg exited with code ${code}`);
    return { segments, error };
  }

  /** Hands the connection's frames to onConnection as the first arrives; resolves when that analysis ends. */
  private startAnalysis(child: Ffmpeg, connectionId: string): Promise<void> {
    const pipe = child.stdio[3] as Readable | undefined;
    const { frames, onConnection } = this.o;
    if (!pipe || !frames || !onConnection) return Promise.resolve();
    const live = new LiveFrames(pipe, frames.fps, { lossless: frames.lossless ?? false });
    return new Promise<void>((resolve) => {
      pipe.once('data', () =>
        resolve(
          onConnection({ id: connectionId, startedAt: new Date(), frames: live }).catch((err: unknown) =>
            this.o.logger.error({ err, connectionId }, 'live analysis failed'),
          ),
        ),
      );
      pipe.once('close', () => resolve());
    });
  }

  private enqueue(entry: SegmentListEntry, connectionId: string, closedAt: Date, fps: number | null): void {
    const durationSec = Math.max(0, entry.end - entry.start);
    const segment: ClosedSegment = {
      path: path.join(this.o.outDir, entry.file),
      durationSec,
      closedAt,
      connectionId,
      streamStartSec: entry.start,
      streamEndSec: entry.end,
      // Wall clock at close minus the segment's length: the recorder sees live sources in real time.
      startTime: new Date(closedAt.getTime() - durationSec * 1000),
    };
    this.chain = this.chain
      .then(() => this.o.onSegment(segment))
      .then(() => this.report({ status: 'recording', segment: { at: closedAt, fps } }))
      .catch((err: unknown) => this.o.logger.error({ err, file: segment.path }, 'could not register segment'));
  }

  private async report(update: HealthUpdate): Promise<void> {
    try {
      await this.o.onHealth(update);
    } catch (err) {
      this.o.logger.error({ err }, 'could not record camera health');
    }
  }
}
