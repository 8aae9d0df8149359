import { randomUUID } from 'node:crypto';
import type { PlateReading } from '../analysis/types.js';
import { EVIDENCE_PACKAGE_ENTITY, EVIDENCE_RECORDED_ACTION, type RecordedPackage } from '../core/evidence-ledger.js';
import type { ZoneKind } from '../core/types.js';
import type { EvidenceFileRecord } from '../evidence/package-writer.js';
import { Prisma } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';

/*
 * Violations found by the live analyser: stored (evidence_pending, no run) the moment the rule fires, so the alert
 * and the sign go out at once, and completed (run, evidence files, ready) once the footage around it has closed and
 * its package is written. The live_violations row keeps what the package is made from until then.
 */

export interface LiveViolationCreate {
  cameraId: string;
  zoneId: string | null;
  zoneName: string;
  zoneKind: ZoneKind;
  trackId: number;
  startTime: Date;
  endTime: Date;
  /** seconds on the connection's stream timeline until the package places them in a segment */
  startSec: number;
  endSec: number;
  plate: PlateReading;
  connectionId: string;
  streamStart: Date;
  /** the judge's event and the plate as the package needs them (JSON) */
  event: Prisma.InputJsonValue;
  plateDetail: Prisma.InputJsonValue;
  analysedSize: { width: number; height: number };
  actor: string;
}

/** Stores a violation as its rule fires; the insert NOTIFYs the alerting (see the batches_live_alerts migration). */
export async function createLiveViolation(prisma: PrismaClient, v: LiveViolationCreate): Promise<string> {
  const id = randomUUID();
  await prisma.$transaction(async (tx) => {
    await tx.violation.create({
      data: {
        id,
        cameraId: v.cameraId,
        zoneId: v.zoneId,
        zoneName: v.zoneName,
        zoneKind: v.zoneKind,
        trackId: v.trackId,
        startTime: v.startTime,
        endTime: v.endTime,
        startSec: v.startSec,
        endSec: v.endSec,
        plateText: v.plate.text,
        plateConfidence: v.plate.text === null ? null : v.plate.confidence,
        plateCandidates: v.plate.candidates,
        plateType: v.plate.plateType,
        evidenceState: 'evidence_pending',
        live: {
          create: {
            cameraId: v.cameraId,
            connectionId: v.connectionId,
            streamStart: v.streamStart,
            event: v.event,
            plate: v.plateDetail,
            analysedWidth: v.analysedSize.width,
            analysedHeight: v.analysedSize.height,
          },
        },
      },
    });
    await appendAudit(tx, {
      actor: v.actor,
      action: 'violation.live_found',
      entityType: 'violation',
      entityId: id,
      details: { cameraId: v.cameraId, connectionId: v.connectionId, trackId: v.trackId, zoneName: v.zoneName },
    });
  });
  return id;
}

/** The camera's live violations whose package is not written yet, oldest first. */
export function pendingLiveViolations(prisma: PrismaClient, cameraId: string) {
  return prisma.liveViolation.findMany({
    where: { cameraId, error: null, violation: { evidenceState: 'evidence_pending' } },
    orderBy: { createdAt: 'asc' },
  });
}

export interface LiveRunCreate {
  segmentId: string;
  pipelineVersion: string;
  configHash: string;
  modelFingerprints: Record<string, string>;
  framesAnalysed: number;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * The run a live-analysed segment gets as it closes: the same key a queued analysis would store, so a job for the
 * segment (one enqueued by hand, say) finds it analysed. Returns the run already there for that key.
 */
export async function recordLiveRun(prisma: PrismaClient, r: LiveRunCreate): Promise<string> {
  const key = { segmentId: r.segmentId, pipelineVersion: r.pipelineVersion, configHash: r.configHash };
  const existing = await prisma.analysisRun.findUnique({ where: { segmentId_pipelineVersion_configHash: key } });
  if (existing) return existing.id;
  const run = await prisma.analysisRun.create({
    data: {
      ...key,
      modelFingerprints: r.modelFingerprints,
      timings: { live: true },
      framesAnalysed: r.framesAnalysed,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
    },
  });
  return run.id;
}

export interface LiveEvidence {
  violationId: string;
  /** the run of the segment the violation ended in; its seconds become relative to that segment */
  runId: string;
  startSec: number;
  endSec: number;
  files: EvidenceFileRecord[];
  actor: string;
}

/** Attaches a written package: run, evidence files, ledger row, ready. A violation already completed stays as it is. */
export async function completeLiveViolation(prisma: PrismaClient, e: LiveEvidence): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const claimed = await tx.violation.updateMany({
      where: { id: e.violationId, evidenceState: 'evidence_pending' },
      data: { runId: e.runId, startSec: e.startSec, endSec: e.endSec, evidenceState: 'ready' },
    });
    if (claimed.count === 0) return false;
    const files = e.files.map((file) => ({ id: randomUUID(), file }));
    await tx.evidenceFile.createMany({
      data: files.map(({ id, file }) => ({
        id,
        violationId: e.violationId,
        role: file.role,
        path: file.relPath,
        sha256: file.sha256,
        sizeBytes: BigInt(file.sizeBytes),
        mime: file.mime,
      })),
    });
    const recorded: RecordedPackage = {
      violationId: e.violationId,
      runId: e.runId,
      manifestSha256: e.files.find((f) => f.role === 'manifest')?.sha256 ?? null,
      files: files.map(({ id, file }) => ({
        id,
        role: file.role,
        path: file.relPath,
        sha256: file.sha256,
        sizeBytes: file.sizeBytes,
      })),
    };
    await appendAudit(tx, {
      actor: e.actor,
      action: EVIDENCE_RECORDED_ACTION,
      entityType: EVIDENCE_PACKAGE_ENTITY,
      entityId: e.violationId,
      details: { ...recorded },
    });
    await tx.liveViolation.delete({ where: { violationId: e.violationId } });
    return true;
  });
}

/** The package cannot be written (its footage was never recorded, or is unreadable): the case says so. */
export async function failLiveViolation(prisma: PrismaClient, violationId: string, reason: string): Promise<void> {
  await prisma.$transaction([
    prisma.violation.updateMany({
      where: { id: violationId, evidenceState: 'evidence_pending' },
      data: { evidenceState: 'failed' },
    }),
    prisma.liveViolation.update({ where: { violationId }, data: { error: reason.slice(0, 2000) } }),
  ]);
}
