import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { analysisConfigHash } from '../analysis/config-hash.js';
import { DEFAULT_MAX_WIDTH } from '../analysis/defaults.js';
import type { FoundViolation } from '../analysis/frame-loop.js';
import { createTrackPlateReader, type TrackPlate, type TrackPlateReader } from '../analysis/plate-reading.js';
import { extractKeyframes, writeViolationEvidence } from '../analysis/violation-evidence.js';
import type { CameraConfig } from '../core/camera-config.js';
import { sameVehicle } from '../core/duplicate-events.js';
import type { RgbFrame } from '../core/types.js';
import type { ViolationEvent } from '../core/violation-judge.js';
import { cameraConfigFromRow } from '../db/cameras.js';
import type { PrismaClient } from '../db/client.js';
import {
  completeLiveViolation,
  createLiveViolation,
  failLiveViolation,
  pendingLiveViolations,
  recordLiveRun,
} from '../db/live-violations.js';
import { publishSignCue } from '../db/signs.js';
import { hashFile } from '../evidence/file-hash.js';
import type { Logger } from '../logger.js';
import { DEFAULT_ROLL_SEC } from '../media/clip.js';
import { concatCopy } from '../media/concat.js';
import { probeVideoIndexed, type PacketIndex, type VideoInfo } from '../media/probe.js';
import { DEFAULT_DETECTOR, DETECTOR_MODELS, type DetectorName } from '../vision/detector.js';
import { resolveModel } from '../vision/model-resolver.js';
import type { ClosedSegment, LiveConnection } from './feed-recorder.js';
import { runLiveLoop } from './live-loop.js';

export interface LiveAnalyzerOptions {
  prisma: PrismaClient;
  cameraId: string;
  /** joined clips of violations that span two segments go beside the segments */
  footageRoot: string;
  evidenceRoot: string;
  pipelineVersion: string;
  fps: number;
  detector?: DetectorName;
  maxWidth?: number;
  /** analyse every frame even when that holds the recording back (see LiveFrames); default false: drop when behind */
  lossless?: boolean;
  logger: Logger;
  /** after a violation is stored and its sign cued (measurements, tests) */
  onStored?: (e: LiveStored) => void;
  /** after its package is written and attached */
  onReady?: (e: { violationId: string; readyAt: Date; lastSegmentClosedAt: Date }) => void;
}

export interface LiveStored {
  violationId: string;
  connectionId: string;
  trackId: number;
  zoneName: string;
  /** seconds on the connection's stream timeline */
  startSec: number;
  endSec: number;
  /** where the vehicle was in each analysed frame of the violation (analysed pixels, stream seconds) */
  boxes: ViolationEvent['boxes'];
  firedAt: Date;
  storedAt: Date;
  plate: string | null;
}

/** A recorded segment of a connection, as the live analyser places footage. */
interface LiveSegment {
  segmentId: string;
  path: string;
  sha256: string;
  streamStartSec: number;
  streamEndSec: number;
  closedAt: Date;
  /**
   * The footage of packages that start in this segment, by the id of the segment they end in: made (joined, hashed,
   * probed) by the first package that needs it and shared by the others. In a busy street most violations' clips span
   * the same two segments, and each package joined, hashed and probed them again.
   */
  sources?: Map<string, Promise<PackageSource>>;
}

/** A file evidence clips are cut from: a segment, or adjacent segments joined by stream copy. */
interface PackageSource {
  path: string;
  sha256: string;
  info: VideoInfo;
  index: PacketIndex;
}

interface ConnectionState {
  id: string;
  startedAt: Date;
  camera: CameraConfig;
  zonesByName: Map<string, string>;
  configHash: string;
  analysedSize: { width: number; height: number };
  segments: LiveSegment[];
  /** analysed frames' stream seconds not yet counted into a segment's run */
  frameTimes: number[];
  /** recent events, to tell a vehicle picked up by a second track from a new one */
  recent: ViolationEvent[];
  state: 'running' | 'ended' | 'failed';
}

interface Pending {
  violationId: string;
  connectionId: string;
  streamStart: Date;
  event: ViolationEvent;
  plate: TrackPlate;
  analysedSize: { width: number; height: number };
  /** JPEG keyframes the frame loop kept (none after a restart: the package extracts them) */
  keyframes: ReadonlyMap<number, Buffer>;
}

/**
 * Packages written at once: each waits on ffmpeg, the disk and sharp's threads for much of its time, and in a busy
 * street several become ready as one segment closes.
 */
const PACKAGES_AT_ONCE = 2;
/** Recent events kept for the same-vehicle check: longer than any pick-up gap (DEFAULT_DUPLICATE_OPTIONS). */
const RECENT_SEC = 10;
const ACTOR = (cameraId: string) => `live-analyser:${cameraId}`;

/**
 * Analyses a camera's live stream frame by frame as the recorder's ffmpeg decodes it, one judge per connection so
 * that a vehicle crossing a segment boundary is one track and one violation. A violation is stored, alerted and shown
 * on the sign as its rule fires, with the plate read from the track's best pictures so far; its evidence package is
 * written once the segments its clip needs have closed (joined by stream copy when it spans two), and the violation
 * then gets the run of the segment it ended in and turns ready. Segments it analysed are stored done with that run,
 * never queued, so the queue and its reconciler cannot find the same violation again.
 */
export class LiveAnalyzer {
  private readonly connections = new Map<string, ConnectionState>();
  private readonly pending = new Map<string, Pending>();
  private models: { plates: TrackPlateReader; fingerprints: Record<string, string> } | null = null;
  /** violations as their rules fire: plate, row, sign; never behind a package being written */
  private alerts: Promise<void> = Promise.resolve();
  /** packages, one after another */
  private packages: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly detectorName: DetectorName;
  private readonly maxWidth: number;

  constructor(private readonly o: LiveAnalyzerOptions) {
    this.log = o.logger.child({ component: 'live-analyser', cameraId: o.cameraId });
    this.detectorName = o.detector ?? DEFAULT_DETECTOR;
    this.maxWidth = o.maxWidth ?? DEFAULT_MAX_WIDTH;
  }

  /** What the recorder's second output should be. */
  get frameOutput(): { fps: number; maxWidth: number; lossless: boolean } {
    return { fps: this.o.fps, maxWidth: this.maxWidth, lossless: this.o.lossless ?? false };
  }

  /**
   * Loads the plate models and checks the detector's (each connection's loop thread loads its own), and queues the
   * packages a previous process left pending (see resume).
   */
  async init(): Promise<void> {
    // One libvips thread per picture in this process: packages are drawn beside frame loops that already fill the
    // cores, where each picture's own threads only contended (bench:live, three runs each: evidence p95 14.0 → 12.0–13.7
    // s, frames analysed 517–529 → 532–543 of 600).
    sharp.concurrency(1);
    const [detector, plates] = await Promise.all([
      resolveModel(DETECTOR_MODELS[this.detectorName]),
      createTrackPlateReader(),
    ]);
    this.models = {
      plates,
      fingerprints: { [DETECTOR_MODELS[this.detectorName]]: detector.sha256, ...plates.fingerprints },
    };
    await this.resume();
  }

  /** Whether this segment's frames were analysed live (its connection ran): if not, it goes to the queue. */
  covers(segment: ClosedSegment): boolean {
    const c = this.connections.get(segment.connectionId);
    return c !== undefined && c.state !== 'failed';
  }

  /** The recorder's onConnection: runs the connection's frames through the frame loop until the stream ends. */
  async analyse(connection: LiveConnection): Promise<void> {
    const { plates } = this.loaded();
    const row = await this.o.prisma.camera.findUniqueOrThrow({
      where: { id: this.o.cameraId },
      include: { zones: { orderBy: { name: 'asc' } } },
    });
    const camera = cameraConfigFromRow(row, row.zones);
    const iterator = connection.frames[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) return;
    const size = { width: first.value.width, height: first.value.height };
    const state: ConnectionState = {
      id: connection.id,
      startedAt: connection.startedAt,
      camera,
      zonesByName: new Map(row.zones.map((z) => [z.name, z.id])),
      configHash: analysisConfigHash(camera, this.o.fps, this.detectorName),
      analysedSize: size,
      segments: [],
      frameTimes: [],
      recent: [],
      state: 'running',
    };
    this.connections.set(connection.id, state);
    this.log.info({ connectionId: connection.id, ...size }, 'live analysis started');

    // the first frame, taken above for the analysed size, and the rest
    async function* frames(): AsyncGenerator<RgbFrame> {
      yield first.value;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    }
    try {
      await runLiveLoop(
        {
          videoPath: `live:${this.o.cameraId}:${connection.id}`,
          detector: this.detectorName,
          camera,
          fps: this.o.fps,
          maxWidth: this.maxWidth,
          analysedSize: size,
          segmentStart: connection.startedAt,
        },
        frames(),
        {
          onFrame: (frame) => state.frameTimes.push(frame.timestamp),
          onFound: (found) => {
            this.alerts = this.alerts
              .then(() => this.fired(state, found, plates))
              .catch((err: unknown) => this.log.error({ err }, 'could not store a live violation'));
          },
        },
      );
      state.state = 'ended';
    } catch (err) {
      state.state = 'failed';
      connection.frames.discard();
      throw err;
    } finally {
      this.log.info(
        { connectionId: connection.id, received: connection.frames.received, dropped: connection.frames.dropped },
        'live analysis ended',
      );
      await this.idle();
    }
  }

  /**
   * After the recorder registered a segment this analyser covers: its run is stored and every pending package whose
   * footage is now complete is written.
   */
  async segmentRecorded(segment: ClosedSegment, registered: { segmentId: string; sha256: string }): Promise<void> {
    const c = this.connections.get(segment.connectionId);
    if (!c) return;
    const inSegment = c.frameTimes.filter((t) => t < segment.streamEndSec).length;
    c.frameTimes = c.frameTimes.filter((t) => t >= segment.streamEndSec);
    await recordLiveRun(this.o.prisma, {
      segmentId: registered.segmentId,
      pipelineVersion: this.o.pipelineVersion,
      configHash: c.configHash,
      modelFingerprints: this.loaded().fingerprints,
      framesAnalysed: inSegment,
      startedAt: segment.startTime,
      finishedAt: segment.closedAt,
    });
    c.segments.push({
      segmentId: registered.segmentId,
      path: segment.path,
      sha256: registered.sha256,
      streamStartSec: segment.streamStartSec,
      streamEndSec: segment.streamEndSec,
      closedAt: segment.closedAt,
    });
    await this.queuePackages(() => this.completeReady());
  }

  /** The connection's last segment is in: packages still waiting are written with the footage there is. */
  async connectionClosed(connectionId: string): Promise<void> {
    const c = this.connections.get(connectionId);
    if (!c) return;
    if (c.state === 'running') c.state = 'ended';
    await this.alerts;
    await this.queuePackages(() => this.completeReady(connectionId));
    this.connections.delete(connectionId);
  }

  /** Waits for the violations and packages queued so far. */
  async idle(): Promise<void> {
    await this.alerts;
    await this.packages;
  }

  /**
   * Packages left pending by a process that stopped: their connection's segments are found by the stream seconds the
   * registered segments of that connection cover; with none recorded, the package fails and says why.
   */
  private async resume(): Promise<void> {
    const rows = await pendingLiveViolations(this.o.prisma, this.o.cameraId);
    for (const row of rows) {
      if (this.pending.has(row.violationId)) continue;
      const stored = row.plate as unknown as StoredPlate;
      this.pending.set(row.violationId, {
        violationId: row.violationId,
        connectionId: row.connectionId,
        streamStart: row.streamStart,
        event: reviveEvent(row.event as unknown as StoredEvent),
        plate: {
          reading: stored.reading,
          detail: stored.detail,
          cropPng: stored.cropPng ? Buffer.from(stored.cropPng, 'base64') : null,
        },
        analysedSize: { width: row.analysedWidth, height: row.analysedHeight },
        keyframes: new Map(),
      });
    }
    if (rows.length > 0) this.log.warn({ pending: rows.length }, 'finishing live packages a stopped process left');
    await this.queuePackages(() => this.completeOrphans());
  }

  private loaded() {
    if (!this.models) throw new Error('LiveAnalyzer.init() has not run');
    return this.models;
  }

  private queuePackages(step: () => Promise<void>): Promise<void> {
    this.packages = this.packages
      .then(step)
      .catch((err: unknown) => this.log.error({ err }, 'live evidence step failed'));
    return this.packages;
  }

  private async fired(c: ConnectionState, found: FoundViolation, plates: TrackPlateReader): Promise<void> {
    const { event } = found;
    c.recent = c.recent.filter((e) => e.endSec > event.startSec - RECENT_SEC);
    if (c.recent.some((e) => sameVehicle(e, event))) {
      this.log.info({ trackId: event.trackId, zone: event.zone.name }, 'same vehicle as a violation already stored');
      return;
    }
    c.recent.push(event);
    const plate = await plates.read(found.shots, c.camera.plateFormat);
    const violationId = await createLiveViolation(this.o.prisma, {
      cameraId: this.o.cameraId,
      zoneId: c.zonesByName.get(event.zone.name) ?? null,
      zoneName: event.zone.name,
      zoneKind: event.zone.kind,
      trackId: event.trackId,
      startTime: event.startTime,
      endTime: event.endTime,
      startSec: event.startSec,
      endSec: event.endSec,
      plate: plate.reading,
      connectionId: c.id,
      streamStart: c.startedAt,
      event: storeEvent(event) as never,
      plateDetail: {
        reading: plate.reading,
        detail: plate.detail,
        cropPng: plate.cropPng?.toString('base64') ?? null,
      } satisfies StoredPlate as never,
      analysedSize: c.analysedSize,
      actor: ACTOR(this.o.cameraId),
    });
    const storedAt = new Date();
    await publishSignCue(this.o.prisma, {
      cameraId: this.o.cameraId,
      plate: plate.reading.text,
      zoneKind: event.zone.kind,
      time: event.endTime.toISOString(),
      firedAt: found.firedAt.toISOString(),
    }).catch((err: unknown) => this.log.warn({ err }, 'could not cue the sign'));
    this.log.info(
      { violationId, trackId: event.trackId, zone: event.zone.name, firedAt: found.firedAt.toISOString() },
      'violation rule fired: stored, alerted, sign cued',
    );
    this.o.onStored?.({
      violationId,
      connectionId: c.id,
      trackId: event.trackId,
      zoneName: event.zone.name,
      startSec: event.startSec,
      endSec: event.endSec,
      boxes: event.boxes,
      firedAt: found.firedAt,
      storedAt,
      plate: plate.reading.text,
    });
    this.pending.set(violationId, {
      violationId,
      connectionId: c.id,
      streamStart: c.startedAt,
      event,
      plate,
      analysedSize: c.analysedSize,
      keyframes: found.keyframes,
    });
    void this.queuePackages(() => this.completeReady());
  }

  /** Writes each pending package whose footage has closed (all of them for a connection that ended). */
  private async completeReady(endedConnection?: string): Promise<void> {
    const ready: Array<() => Promise<void>> = [];
    for (const p of this.pending.values()) {
      const c = this.connections.get(p.connectionId);
      if (!c) continue;
      const [from, to] = clipWindow(p.event);
      const done = c.segments.some((s) => s.streamEndSec >= to);
      if (!done && endedConnection !== p.connectionId) continue;
      const needed = c.segments.filter((s) => s.streamEndSec > from && s.streamStartSec < to);
      ready.push(() => this.complete(p, needed));
    }
    const lanes = pLimit(PACKAGES_AT_ONCE);
    await Promise.all(ready.map((write) => lanes(write)));
  }

  /** Pending packages of connections this process never ran: their segments are looked up in Postgres. */
  private async completeOrphans(): Promise<void> {
    for (const p of [...this.pending.values()]) {
      if (this.connections.has(p.connectionId)) continue;
      const [from, to] = clipWindow(p.event);
      const rows = await this.o.prisma.segment.findMany({
        where: { cameraId: this.o.cameraId, liveAnalysed: true, originalName: { startsWith: `${p.connectionId}-` } },
        orderBy: { startTime: 'asc' },
      });
      // the recorder names a connection's segments <connection>-<index>; their stream seconds follow from durations
      let at = 0;
      const segments: LiveSegment[] = rows.map((r) => {
        const s = {
          segmentId: r.id,
          path: new URL(r.fileUri).pathname,
          sha256: r.sha256,
          streamStartSec: at,
          streamEndSec: at + (r.durationSec ?? 0),
          closedAt: r.createdAt,
        };
        at = s.streamEndSec;
        return s;
      });
      await this.complete(
        p,
        segments.filter((s) => s.streamEndSec > from && s.streamStartSec < to),
      );
    }
  }

  private async complete(p: Pending, segments: LiveSegment[]): Promise<void> {
    if (!this.pending.delete(p.violationId)) return;
    const last = segments.at(-1);
    const first = segments[0];
    // the clip may lose roll at a connection's end, never the event itself
    if (!first || !last || first.streamStartSec > p.event.startSec + 0.5 || last.streamEndSec < p.event.endSec - 0.5) {
      const reason =
        'the footage of this violation was not all recorded (the recorder stopped before its segment closed)';
      await failLiveViolation(this.o.prisma, p.violationId, reason);
      this.log.warn({ violationId: p.violationId }, reason);
      return;
    }
    try {
      const started = performance.now();
      first.sources ??= new Map();
      let source = first.sources.get(last.segmentId);
      if (!source) {
        source = packageSource(segments);
        first.sources.set(last.segmentId, source);
        // a failed join is tried again by the next package that needs it
        source.catch(() => first.sources?.delete(last.segmentId));
      }
      const { path: videoPath, sha256: sourceSha256, info, index: sourceIndex } = await source;
      const offset = first.streamStartSec;
      const event = shiftEvent(p.event, offset);
      const connection = this.connections.get(p.connectionId);
      const camera = connection?.camera ?? (await this.cameraConfig());
      const configHash = analysisConfigHash(camera, this.o.fps, this.detectorName);
      const pkg = await writeViolationEvidence({
        event,
        plate: p.plate,
        videoPath,
        video: info,
        analysedSize: p.analysedSize,
        camera,
        fps: this.o.fps,
        detector: this.detectorName,
        configHash,
        sourceSha256,
        segmentStart: new Date(p.streamStart.getTime() + offset * 1000),
        segmentStartSource: 'recorder',
        modelFingerprints: this.loaded().fingerprints,
        pipelineVersion: this.o.pipelineVersion,
        evidenceRoot: this.o.evidenceRoot,
        preRollSec: DEFAULT_ROLL_SEC,
        postRollSec: DEFAULT_ROLL_SEC,
        sourceIndex,
        // frames the analysis saw are evidence only at the source's own resolution; otherwise they are extracted
        keyframes:
          info.width === p.analysedSize.width && info.height === p.analysedSize.height
            ? p.keyframes
            : (await extractKeyframes(videoPath, info, [event]))[0]!,
      });
      // the run of the segment the violation ended in; its seconds are counted from that segment's start
      const home = segments.find((s) => s.streamEndSec >= p.event.endSec) ?? last;
      const run = await recordLiveRun(this.o.prisma, {
        segmentId: home.segmentId,
        pipelineVersion: this.o.pipelineVersion,
        configHash,
        modelFingerprints: this.loaded().fingerprints,
        framesAnalysed: 0,
        startedAt: home.closedAt,
        finishedAt: home.closedAt,
      });
      await completeLiveViolation(this.o.prisma, {
        violationId: p.violationId,
        runId: run,
        startSec: p.event.startSec - home.streamStartSec,
        endSec: p.event.endSec - home.streamStartSec,
        files: pkg.files,
        actor: ACTOR(this.o.cameraId),
      });
      const readyAt = new Date();
      this.log.info(
        { violationId: p.violationId, segments: segments.length, ms: Math.round(performance.now() - started) },
        'live violation: evidence ready',
      );
      this.o.onReady?.({ violationId: p.violationId, readyAt, lastSegmentClosedAt: last.closedAt });
    } catch (err) {
      this.log.error({ err, violationId: p.violationId }, 'live violation: evidence failed');
      await failLiveViolation(this.o.prisma, p.violationId, err instanceof Error ? err.message : String(err));
    }
  }

  private async cameraConfig(): Promise<CameraConfig> {
    const row = await this.o.prisma.camera.findUniqueOrThrow({
      where: { id: this.o.cameraId },
      include: { zones: { orderBy: { name: 'asc' } } },
    });
    return cameraConfigFromRow(row, row.zones);
  }
}

/** Stream seconds the evidence clip needs: the event with its pre- and post-roll. */
function clipWindow(event: ViolationEvent): [number, number] {
  return [Math.max(0, event.startSec - DEFAULT_ROLL_SEC), event.endSec + DEFAULT_ROLL_SEC];
}

function joinedName(segments: readonly LiveSegment[]): string {
  const stem = (s: LiveSegment) => path.basename(s.path, path.extname(s.path));
  return `joined-${stem(segments[0]!)}-${stem(segments.at(-1)!)}.mp4`;
}

/** The segment itself, or the segments joined by stream copy beside the first; hashed and probed. */
async function packageSource(segments: readonly LiveSegment[]): Promise<PackageSource> {
  const first = segments[0]!;
  if (segments.length === 1) {
    const { info, index } = await probeVideoIndexed(first.path);
    return { path: first.path, sha256: first.sha256, info, index };
  }
  const joined = path.join(path.dirname(first.path), joinedName(segments));
  await mkdir(path.dirname(joined), { recursive: true });
  await concatCopy(
    segments.map((s) => s.path),
    joined,
  );
  const [{ sha256 }, { info, index }] = await Promise.all([hashFile(joined), probeVideoIndexed(joined)]);
  return { path: joined, sha256, info, index };
}

/** The event on the timeline of a file that starts `offset` seconds into the stream. */
function shiftEvent(event: ViolationEvent, offset: number): ViolationEvent {
  return {
    ...event,
    startSec: event.startSec - offset,
    endSec: event.endSec - offset,
    boxes: event.boxes.map((b) => ({ ...b, timestamp: b.timestamp - offset })),
  };
}

type StoredEvent = Omit<ViolationEvent, 'startTime' | 'endTime' | 'appearance'> & {
  startTime: string;
  endTime: string;
  appearance: number[] | null;
};

interface StoredPlate {
  reading: TrackPlate['reading'];
  detail: TrackPlate['detail'];
  cropPng: string | null;
}

function storeEvent(event: ViolationEvent): StoredEvent {
  return {
    ...event,
    startTime: event.startTime.toISOString(),
    endTime: event.endTime.toISOString(),
    appearance: event.appearance ? [...event.appearance] : null,
  };
}

function reviveEvent(stored: StoredEvent): ViolationEvent {
  const { appearance, ...rest } = stored;
  return {
    ...rest,
    startTime: new Date(stored.startTime),
    endTime: new Date(stored.endTime),
    ...(appearance ? { appearance: Float32Array.from(appearance) } : {}),
  };
}
