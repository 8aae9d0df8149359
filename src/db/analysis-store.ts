import { randomUUID } from 'node:crypto';
import type { SegmentAnalysis } from '../analysis/types.js';
import type { CameraConfig } from '../core/camera-config.js';
import { pairViolations, type PairableViolation } from '../core/violation-pairing.js';
import { EVIDENCE_PACKAGE_ENTITY, EVIDENCE_RECORDED_ACTION, type RecordedPackage } from '../core/evidence-ledger.js';
import { Prisma, type AnalysisRun, type Segment } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import { cameraConfigFromRow } from './cameras.js';
import { segmentStatus } from './segments.js';
import type { PrismaClient } from './client.js';

/** What the analysis of one segment needs from Postgres, and where its results go. */

export interface AnalysisInput {
  segment: Segment;
  /** the camera and its zones in the shape the analysis pipeline (and the camera file) uses */
  camera: CameraConfig;
  /** zone name → zone id, to link violations back to their zone rows */
  zonesByName: Map<string, string>;
}

/** Loads a segment with its camera and zones; null when the segment does not exist. */
export async function loadAnalysisInput(prisma: PrismaClient, segmentId: string): Promise<AnalysisInput | null> {
  const segment = await prisma.segment.findUnique({
    where: { id: segmentId },
    include: { camera: { include: { zones: { orderBy: { name: 'asc' } } } } },
  });
  if (!segment) return null;
  const { camera, ...segmentRow } = segment;
  const config = cameraConfigFromRow(camera, camera.zones);
  return { segment: segmentRow, camera: config, zonesByName: new Map(camera.zones.map((z) => [z.name, z.id])) };
}

export interface PersistAnalysisInput {
  segmentId: string;
  cameraId: string;
  zonesByName: ReadonlyMap<string, string>;
  analysis: SegmentAnalysis;
  /** who is recorded in the audit log (default `worker`) */
  actor?: string;
}

export interface PersistedAnalysis {
  run: AnalysisRun;
  violationIds: string[];
  /** false when this segment, pipeline version and configuration had been stored already */
  created: boolean;
}

/**
 * Stores one analysis in a single transaction: the AnalysisRun, its Violations (status pending) and
 * EvidenceFiles, an audit row for the run and one per evidence package listing its files' hashes
 * (core/evidence-ledger.ts), and the segment marked done. Storing the same segment, pipeline version and
 * configuration hash again returns the run already stored.
 */
export async function persistAnalysis(prisma: PrismaClient, input: PersistAnalysisInput): Promise<PersistedAnalysis> {
  const { segmentId, cameraId, zonesByName, analysis } = input;
  const key = { segmentId, pipelineVersion: analysis.pipelineVersion, configHash: analysis.configHash };
  try {
    return await prisma.$transaction(async (tx) => {
      const existing = await findRun(tx, key);
      if (existing) return existing;
      const finishedAt = new Date();
      const run = await tx.analysisRun.create({
        data: {
          ...key,
          modelFingerprints: analysis.modelFingerprints,
          timings: { ...analysis.timings },
          framesAnalysed: analysis.framesAnalysed,
          startedAt: new Date(finishedAt.getTime() - analysis.timings.totalMs),
          finishedAt,
        },
      });
      const violations = analysis.violations.map((v) => ({
        id: randomUUID(),
        record: v,
        files: v.evidence.map((file) => ({ id: randomUUID(), file })),
      }));
      // the place of the offence as it stands now: a later move or correction of the camera leaves these cases alone
      const place = await tx.camera.findUniqueOrThrow({
        where: { id: cameraId },
        select: { address: true, latitude: true, longitude: true },
      });
      await tx.violation.createMany({
        data: violations.map(({ id, record: v }) => ({
          id,
          runId: run.id,
          cameraId,
          locationAddress: place.address,
          locationLatitude: place.latitude,
          locationLongitude: place.longitude,
          zoneId: zonesByName.get(v.zoneName) ?? null,
          zoneName: v.zoneName,
          zoneKind: v.zoneKind,
          trackId: v.trackId,
          startTime: v.startTime,
          endTime: v.endTime,
          startSec: v.startSec,
          endSec: v.endSec,
          status: 'pending' as const,
          plateText: v.plate.text,
          plateConfidence: v.plate.text === null ? null : v.plate.confidence,
          plateCandidates: v.plate.candidates,
          plateType: v.plate.plateType,
        })),
      });
      await tx.evidenceFile.createMany({
        data: violations.flatMap(({ id, files }) =>
          files.map(({ id: fileId, file }) => ({
            id: fileId,
            violationId: id,
            role: file.role,
            path: file.relPath,
            sha256: file.sha256,
            sizeBytes: BigInt(file.sizeBytes),
            mime: file.mime,
          })),
        ),
      });
      const supersession = await supersedeEarlierRuns(
        tx,
        segmentId,
        run.id,
        violations.map(({ id, record: v }) => ({
          id,
          zoneId: zonesByName.get(v.zoneName) ?? null,
          zoneName: v.zoneName,
          trackId: v.trackId,
          startSec: v.startSec,
          endSec: v.endSec,
        })),
      );
      await segmentStatus.done(tx, segmentId);
      await appendAudit(tx, {
        actor: input.actor ?? 'worker',
        action: 'analysis.complete',
        entityType: 'segment',
        entityId: segmentId,
        details: {
          runId: run.id,
          pipelineVersion: analysis.pipelineVersion,
          configHash: analysis.configHash,
          sourceSha256: analysis.sourceSha256,
          framesAnalysed: analysis.framesAnalysed,
          violations: violations.length,
          supersession,
        },
      });
      for (const { id, record, files } of violations) {
        const recorded: RecordedPackage = {
          violationId: id,
          runId: run.id,
          manifestSha256: record.evidence.find((f) => f.role === 'manifest')?.sha256 ?? null,
          files: files.map(({ id: fileId, file }) => ({
            id: fileId,
            role: file.role,
            path: file.relPath,
            sha256: file.sha256,
            sizeBytes: file.sizeBytes,
          })),
        };
        await appendAudit(tx, {
          actor: input.actor ?? 'worker',
          action: EVIDENCE_RECORDED_ACTION,
          entityType: EVIDENCE_PACKAGE_ENTITY,
          entityId: id,
          details: { ...recorded },
        });
      }
      return { run, violationIds: violations.map((v) => v.id), created: true };
    });
  } catch (err) {
    // Another worker stored the same run between our check and our insert.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      const existing = await findRun(prisma, key);
      if (existing) return existing;
    }
    throw err;
  }
}

/**
 * A re-analysis finds again what earlier runs of the segment found: the same event (same zone, overlapping in
 * time) is one case. An earlier case nobody has reviewed yet gives way to the new one; one already reviewed
 * (decided or awaiting its second review) stands, and the new one gives way to it. Cases the new run no longer
 * finds stay as they are, for an officer to decide. Returns who gave way to whom, for the audit row.
 */
async function supersedeEarlierRuns(
  tx: Prisma.TransactionClient,
  segmentId: string,
  runId: string,
  found: ReadonlyArray<PairableViolation & { id: string }>,
): Promise<Array<{ violationId: string; supersededBy: string }>> {
  const earlier = await tx.violation.findMany({
    where: { run: { segmentId }, runId: { not: runId }, supersededById: null },
    select: { id: true, zoneId: true, zoneName: true, trackId: true, startSec: true, endSec: true, status: true },
    orderBy: [{ startSec: 'asc' }, { trackId: 'asc' }],
  });
  const moves = pairViolations(earlier, found).map(({ i, j }) =>
    earlier[i]!.status === 'pending'
      ? { violationId: earlier[i]!.id, supersededBy: found[j]!.id }
      : { violationId: found[j]!.id, supersededBy: earlier[i]!.id },
  );
  for (const m of moves)
    await tx.violation.update({ where: { id: m.violationId }, data: { supersededById: m.supersededBy } });
  return moves;
}

type RunKey = { segmentId: string; pipelineVersion: string; configHash: string };

/** The run already stored for this segment, pipeline version and configuration, if any. */
export async function findRun(
  db: PrismaClient | Prisma.TransactionClient,
  key: RunKey,
): Promise<PersistedAnalysis | null> {
  const run = await db.analysisRun.findUnique({
    where: { segmentId_pipelineVersion_configHash: key },
    include: { violations: { select: { id: true }, orderBy: { trackId: 'asc' } } },
  });
  if (!run) return null;
  const { violations, ...row } = run;
  return { run: row, violationIds: violations.map((v) => v.id), created: false };
}
