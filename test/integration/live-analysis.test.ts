import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeSegment } from '../../src/analysis/segment-analyzer.js';
import type { ViolationRecord } from '../../src/analysis/types.js';
import { syncCameraFromFile } from '../../src/batch/camera-sync.js';
import { iou } from '../../src/core/boxes.js';
import { parseCameraConfig, type CameraConfig } from '../../src/core/camera-config.js';
import type { Box } from '../../src/core/types.js';
import { projectRoot } from '../../src/config.js';
import { createCameraFeed } from '../../src/live/camera-feed.js';
import type { ClosedSegment, FeedRecorder } from '../../src/live/feed-recorder.js';
import { LiveAnalyzer, type LiveStored } from '../../src/live/live-analyzer.js';
import { hashFile } from '../../src/evidence/file-hash.js';
import { createLogger } from '../../src/logger.js';
import { startAnalysisWorker, type AnalysisWorkerHandle } from '../../src/queue/analysis-worker.js';
import { bearer, FOOTAGE, startTestApi, type TestApi } from './api-helpers.js';
import { cutClip, openSse, startLoopSource, stopProcess, waitFor, type SseClient } from './live-helpers.js';

/**
 * The live analyser on a looping `ffmpeg -re` camera of the demo clip (a boulevard full of motorbikes in a
 * restricted-road zone), recorded into 2 s segments so that vehicles cross segment boundaries: each violation is
 * stored and alerted as its rule fires (evidence_pending), packaged once its segments close (ready), found once per
 * vehicle however the boundaries fall, and never again by the queue.
 */
const PORT = 45000 + (process.pid % 2000);
const SEGMENT_SECONDS = 2;
/**
 * Not a whole number of segments: a loop that repeats whole segments repeats them byte for byte, and the recorder
 * keeps one of each (a source replaying a file).
 */
const CLIP_SECONDS = 7;

let api: TestApi;
let clip: string;
let camera: CameraConfig;
let cameraId: string;
let source: ChildProcess | null = null;
let feed: FeedRecorder | null = null;
let worker: AnalysisWorkerHandle | null = null;
let sse: SseClient | null = null;
let reference: ViolationRecord[];

beforeAll(async () => {
  api = await startTestApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  clip = path.join(api.footageRoot, 'boulevard-loop.mp4');
  // 960 wide keeps live inference well ahead of real time on a shared machine
  await cutClip(path.join(FOOTAGE, 'thanglm_traffic.mp4'), clip, 0, CLIP_SECONDS, 960);
  const demo = JSON.parse(await readFile(path.join(projectRoot, 'fixtures/demo-camera.json'), 'utf8'));
  camera = parseCameraConfig({ ...demo, name: `live-analysis-${Date.now()}`, sourceUrl: `tcp://127.0.0.1:${PORT}` });
  cameraId = (await syncCameraFromFile(api.prisma, camera, 'test')).id;
  // the same clip analysed as one file: what the live analysis of one pass of the loop must find
  const offline = await analyzeSegment({
    videoPath: clip,
    camera,
    segmentStart: new Date(),
    segmentStartSource: 'explicit',
    fps: api.deps.config.ANALYSIS_FPS,
    evidenceRoot: path.join(api.evidenceRoot, 'reference'),
    pipelineVersion: 'reference',
  });
  reference = offline.violations;
}, 300_000);

afterAll(async () => {
  sse?.close();
  await feed?.stop();
  await stopProcess(source);
  await worker?.close();
  await api?.close();
}, 120_000);

type Seen = Array<{ t: number; box: Box }>;

/** Where the whole file's analysis saw a violation's vehicle, from its evidence manifest (source pixels = analysed). */
async function seenInFile(r: ViolationRecord): Promise<Seen> {
  const manifest = JSON.parse(await readFile(path.join(r.evidenceDir, 'manifest.json'), 'utf8')) as {
    track: { boxes: Array<{ sec: number; box: [number, number, number, number] }> };
  };
  return manifest.track.boxes.map(({ sec, box: [x1, y1, x2, y2] }) => ({ t: sec, box: { x1, y1, x2, y2 } }));
}

const seenLive = (s: LiveStored): Seen => s.boxes.map((b) => ({ t: b.timestamp, box: b.box }));

/** One vehicle: in most frames both saw (at least two), its boxes coincide. */
function sameVehicle(a: Seen, b: Seen): boolean {
  let both = 0;
  let coincide = 0;
  for (const x of a) {
    const y = b.find((o) => Math.abs(o.t - x.t) < 0.05);
    if (!y) continue;
    both++;
    if (iou(x.box, y.box) >= 0.5) coincide++;
  }
  return both >= 2 && coincide * 2 >= both;
}

describe('live analysis', () => {
  it('stores and alerts each violation as its rule fires (pending), once per vehicle across segment boundaries, then completes its evidence (ready)', async () => {
    expect(reference.length, 'the demo clip has violations to find').toBeGreaterThan(0);
    sse = await openSse(
      `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}/alerts/stream`,
      api.keys.officer,
    );
    // a worker with its reconciler on, as in production: it must find nothing to do for live segments
    worker = startAnalysisWorker({
      prisma: api.prisma,
      config: api.deps.config,
      logger: createLogger('silent'),
      prefix: api.queue.opts.prefix,
      reconcileIntervalMs: 1000,
    });
    const stored: LiveStored[] = [];
    const ready = new Map<string, { readyAt: Date; lastSegmentClosedAt: Date }>();
    const segments: ClosedSegment[] = [];
    const analyser = new LiveAnalyzer({
      prisma: api.prisma,
      cameraId,
      footageRoot: api.footageRoot,
      evidenceRoot: api.evidenceRoot,
      pipelineVersion: api.deps.config.PIPELINE_VERSION,
      fps: api.deps.config.ANALYSIS_FPS,
      // every frame analysed, at the analysis' pace: the machine running the tests is shared
      lossless: true,
      logger: createLogger('silent'),
      onStored: (e) => stored.push(e),
      onReady: (e) => ready.set(e.violationId, e),
    });
    await analyser.init();
    source = await startLoopSource(clip, PORT);
    feed = createCameraFeed({
      prisma: api.prisma,
      queue: api.queue,
      pipelineVersion: api.deps.config.PIPELINE_VERSION,
      camera: { id: cameraId, sourceUrl: `tcp://127.0.0.1:${PORT}` },
      footageRoot: api.footageRoot,
      segmentSeconds: SEGMENT_SECONDS,
      logger: createLogger('silent'),
      live: analyser,
      onRegistered: (segment) => segments.push(segment),
    });
    feed.start();
    // one pass of the loop, its post-roll and the segment after it
    await waitFor(
      () => segments.some((s) => s.streamEndSec >= CLIP_SECONDS + 3),
      600_000,
      'the first pass of the loop recorded',
    );
    await feed.stop();
    feed = null;

    // one pass of the loop: one live violation for each the whole file gives, however the boundaries fell
    const firstPass = stored.filter((s) => s.endSec < CLIP_SECONDS - 0.5);
    const boundaries = segments.slice(0, -1).map((s) => s.streamEndSec);
    const crossing = firstPass.filter((s) => boundaries.some((b) => s.startSec < b && s.endSec > b));
    process.stdout.write(
      `live analysis: ${firstPass.length} violations in one pass (${crossing.length} across a segment boundary at ` +
        `${boundaries.map((b) => b.toFixed(1)).join(', ')} s); the whole file gives ${reference.length}\n`,
    );
    expect(crossing.length, 'a vehicle crossed a segment boundary').toBeGreaterThan(0);
    // no vehicle twice
    for (const [i, a] of firstPass.entries())
      for (const b of firstPass.slice(i + 1))
        expect(sameVehicle(seenLive(a), seenLive(b)), `violations at ${a.startSec} s and ${b.startSec} s`).toBe(false);
    // a vehicle the whole file saw across a boundary is one live violation, never two
    let acrossOnce = 0;
    for (const r of reference.filter((v) => v.endSec < CLIP_SECONDS - 0.5)) {
      if (!boundaries.some((b) => r.startSec < b && r.endSec > b)) continue;
      const seen = await seenInFile(r);
      const matches = firstPass.filter((s) => sameVehicle(seen, seenLive(s)));
      expect(matches.length, `the vehicle at ${r.startSec.toFixed(1)}–${r.endSec.toFixed(1)} s`).toBeLessThanOrEqual(1);
      acrossOnce += matches.length;
    }
    expect(acrossOnce, 'vehicles the file saw across a boundary, found live once').toBeGreaterThan(0);

    // every violation alerted once over SSE
    for (const s of stored) {
      const events = sse.events.filter((e) => e.id === s.violationId);
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]!.data).violation).toMatchObject({ id: s.violationId, cameraId });
    }
    // stored as the rule fired (evidence_pending, no run), then its package recorded: once each, in that order; the
    // first pass's footage was all recorded (later violations may have lost theirs to the stop)
    const firstIds = new Set(firstPass.map((s) => s.violationId));
    for (const s of firstPass) {
      const trail = await api.prisma.auditLog.findMany({
        where: { entityId: s.violationId, action: { in: ['violation.live_found', 'evidence.recorded'] } },
        orderBy: { id: 'asc' },
        select: { action: true, details: true },
      });
      expect(trail.map((a) => a.action)).toEqual(['violation.live_found', 'evidence.recorded']);
    }

    // ready: run, evidence with its clip (how soon is npm run bench:live's to measure)
    const rows = await api.prisma.violation.findMany({
      where: { cameraId },
      include: { run: { include: { segment: true } }, evidence: true, live: true },
    });
    expect(rows).toHaveLength(stored.length);
    for (const v of rows) expect(v.evidenceState, 'pending after the connection closed').not.toBe('evidence_pending');
    for (const v of rows.filter((r) => firstIds.has(r.id))) {
      expect(v.evidenceState).toBe('ready');
      expect(v.live).toBeNull();
      expect(v.run?.segment.liveAnalysed).toBe(true);
      expect(v.evidence.map((e) => e.role)).toEqual(expect.arrayContaining(['clip', 'keyframe', 'manifest']));
      expect(ready.has(v.id)).toBe(true);
    }

    // packages over the same segments cut their clips from one joined file, joined before the first of them was
    // packaged and never rewritten, whose hash each manifest states
    const packagedFrom = new Map<string, Array<{ sha256: string; packagedAt: number }>>();
    for (const v of rows.filter((r) => firstIds.has(r.id))) {
      const manifest = v.evidence.find((e) => e.role === 'manifest')!;
      const { source, packagedAt } = JSON.parse(await readFile(path.join(api.evidenceRoot, manifest.path), 'utf8')) as {
        source: { path: string; sha256: string };
        packagedAt: string;
      };
      const uses = packagedFrom.get(source.path) ?? [];
      uses.push({ sha256: source.sha256, packagedAt: Date.parse(packagedAt) });
      packagedFrom.set(source.path, uses);
    }
    const joined = [...packagedFrom].filter(([file]) => path.basename(file).startsWith('joined-'));
    process.stdout.write(
      `live analysis: joined sources used by ${joined.map(([, u]) => u.length).join(', ')} packages\n`,
    );
    expect(joined.length).toBeGreaterThan(0);
    for (const [file, uses] of joined) {
      const { sha256 } = await hashFile(file);
      for (const use of uses) expect(use.sha256).toBe(sha256);
      expect((await stat(file)).mtimeMs).toBeLessThanOrEqual(Math.min(...uses.map((u) => u.packagedAt)));
    }
    expect(Math.max(...joined.map(([, uses]) => uses.length)), 'a joined file shared').toBeGreaterThan(1);

    // the API shows the state; a pending violation could not be reviewed
    const detail = await api.app.inject({
      method: 'GET',
      url: `/violations/${firstPass[0]!.violationId}`,
      headers: bearer(api.keys.officer),
    });
    expect(detail.json()).toMatchObject({ evidenceState: 'ready', timeSource: 'recorder' });

    // nothing for the queue: each live segment is done with exactly one run, no job, after reconciler passes
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const recorded = await api.prisma.segment.findMany({
      where: { cameraId },
      include: { _count: { select: { runs: true } } },
    });
    expect(recorded.length).toBe(segments.length);
    for (const s of recorded) expect(s).toMatchObject({ liveAnalysed: true, status: 'done', _count: { runs: 1 } });
    // (the reconciler also sees other test files' pending segments in this shared database: only ours count)
    const ours = new Set(recorded.map((s) => s.id));
    const jobs = await api.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    expect(jobs.filter((j) => ours.has(j.data.segmentId))).toEqual([]);
    expect(await api.prisma.violation.count({ where: { cameraId } })).toBe(stored.length);
  }, 900_000);

  it('a recorder killed with evidence pending is resumed by the next one: each package once', async () => {
    const evidenceOf = async () =>
      api.prisma.violation.findMany({
        where: { cameraId, live: { isNot: null } },
        select: { id: true, evidenceState: true, _count: { select: { evidence: true } } },
      });
    const before = await api.prisma.violation.count({ where: { cameraId } });
    // the loop serves one client: a new one for the new recorder
    await stopProcess(source);
    source = await startLoopSource(clip, PORT);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(projectRoot, 'workers', 'live-recorder.ts'),
        '--live',
        '--camera',
        cameraId,
        // not the first test's length, so that its segments are new bytes
        '--segment-seconds',
        '3',
      ],
      {
        env: {
          ...process.env,
          DATABASE_URL: api.deps.config.DATABASE_URL,
          REDIS_URL: api.deps.config.REDIS_URL,
          FOOTAGE_ROOT: api.footageRoot,
          EVIDENCE_ROOT: api.evidenceRoot,
          LOG_LEVEL: 'info',
        },
        // its own group, so its ffmpeg goes with it
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    try {
      await waitFor(() => log.includes('violation rule fired'), 400_000, 'a live violation in the recorder process');
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
    const pending = (await evidenceOf()).filter((v) => v.evidenceState === 'evidence_pending');
    expect(pending.length, 'killed before its evidence was written').toBeGreaterThan(0);

    const next = () =>
      new LiveAnalyzer({
        prisma: api.prisma,
        cameraId,
        footageRoot: api.footageRoot,
        evidenceRoot: api.evidenceRoot,
        pipelineVersion: api.deps.config.PIPELINE_VERSION,
        fps: api.deps.config.ANALYSIS_FPS,
        logger: createLogger('silent'),
      });
    const resumed = next();
    await resumed.init();
    await resumed.idle();
    const after = await api.prisma.violation.findMany({
      where: { id: { in: pending.map((p) => p.id) } },
      include: { live: true, _count: { select: { evidence: true } } },
    });
    for (const v of after) {
      // ready from the segments it recorded, or failed saying its footage was never recorded: never pending again
      expect(['ready', 'failed']).toContain(v.evidenceState);
      if (v.evidenceState === 'ready') expect(v._count.evidence).toBeGreaterThan(0);
      else expect(v.live?.error).toMatch(/not all recorded/);
      // footage of the whole event was recorded before the kill: then its package is written
      const event = v.live ? (v.live.event as { startSec: number; endSec: number }) : null;
      if (event && v.live) {
        const recorded = await api.prisma.segment.findMany({
          where: { cameraId, originalName: { startsWith: `${v.live.connectionId}-` } },
          select: { durationSec: true },
        });
        const covered = recorded.reduce((sum, s) => sum + (s.durationSec ?? 0), 0);
        expect(covered, 'failed only when its footage was cut short').toBeLessThan(event.endSec);
      }
    }
    // a second restart finds nothing left: no package written twice, no violation added
    const again = next();
    await again.init();
    await again.idle();
    const counted = await api.prisma.violation.findMany({
      where: { id: { in: pending.map((p) => p.id) } },
      select: { evidenceState: true, _count: { select: { evidence: true } } },
    });
    expect(counted).toEqual(after.map((v) => ({ evidenceState: v.evidenceState, _count: v._count })));
    const added = (await api.prisma.violation.count({ where: { cameraId } })) - before;
    expect(added).toBeGreaterThanOrEqual(pending.length);
    process.stdout.write(
      `live analysis: killed with ${pending.length} pending; after restart ${after.filter((v) => v.evidenceState === 'ready').length} ready, ${after.filter((v) => v.evidenceState === 'failed').length} failed\n`,
    );
  }, 600_000);
});
