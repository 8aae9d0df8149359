import type { PrismaClient } from '../db/client.js';
import { isLiveAnalysis } from '../db/segments.js';

/** The body of every alert, on webhooks and on the SSE stream alike. */
export interface ViolationAlert {
  type: 'violation.recorded';
  violation: {
    id: string;
    cameraId: string;
    cameraName: string;
    zoneId: string | null;
    zoneName: string;
    zoneKind: string;
    trackId: number;
    startTime: string;
    endTime: string;
    plate: { text: string | null; confidence: number | null; type: string | null; candidates: unknown };
    /** null while a violation found live waits for its footage (see evidenceState) */
    segmentId: string | null;
    runId: string | null;
    evidenceState: 'evidence_pending' | 'ready' | 'failed';
    recordedAt: string;
    href: string;
  };
}

export interface LoadedAlert {
  alert: ViolationAlert;
  /**
   * Worth ringing a sign for: found by the first analysis of a segment that no batch reprocesses. Reruns and
   * archive batches (whose files may be new on disk) never alert.
   */
  live: boolean;
  /** how long after the violation its footage was registered: footage that arrives late is archive, not live */
  arrivedAfterMs: number;
}

export async function loadViolationAlert(prisma: PrismaClient, violationId: string): Promise<LoadedAlert | null> {
  const v = await prisma.violation.findUnique({
    where: { id: violationId },
    include: {
      camera: { select: { name: true } },
      run: { select: { segmentId: true, createdAt: true, segment: { select: { createdAt: true } } } },
    },
  });
  if (!v) return null;
  return {
    // no run yet: the live analyser stored it as its rule fired, from footage still being recorded
    live: v.run === null || (await isLiveAnalysis(prisma, v.run.segmentId, v.run.createdAt)),
    arrivedAfterMs: (v.run?.segment.createdAt ?? v.createdAt).getTime() - v.endTime.getTime(),
    alert: {
      type: 'violation.recorded',
      violation: {
        id: v.id,
        cameraId: v.cameraId,
        cameraName: v.camera.name,
        zoneId: v.zoneId,
        zoneName: v.zoneName,
        zoneKind: v.zoneKind,
        trackId: v.trackId,
        startTime: v.startTime.toISOString(),
        endTime: v.endTime.toISOString(),
        plate: { text: v.plateText, confidence: v.plateConfidence, type: v.plateType, candidates: v.plateCandidates },
        segmentId: v.run?.segmentId ?? null,
        runId: v.runId,
        evidenceState: v.evidenceState,
        recordedAt: v.createdAt.toISOString(),
        href: `/violations/${v.id}`,
      },
    },
  };
}
