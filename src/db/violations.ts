import { isEstimated, type CaptureTimeSource } from '../core/capture-time.js';
import { PLATE_CONFIDENCE_FLOOR } from '../core/plate-vote.js';
import type { Prisma, ViolationStatus } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import type { PrismaClient } from './client.js';

export interface ViolationFilter {
  cameraId?: string;
  zoneId?: string;
  status?: ViolationStatus;
  from?: Date;
  to?: Date;
  /** part of the plate of record, any case (ILIKE, answered by the trigram index) */
  plate?: string;
}

/** Position after which the next page starts, in (startTime desc, id desc) order. */
export interface ViolationCursor {
  startTime: Date;
  id: string;
}

const STATUSES: ViolationStatus[] = ['pending', 'needs_second_review', 'confirmed', 'rejected'];

function whereOf(f: ViolationFilter): Prisma.ViolationWhereInput {
  return {
    // a case a re-analysis found again stands once, in the run that holds it (db/analysis-store.ts)
    supersededById: null,
    cameraId: f.cameraId,
    zoneId: f.zoneId,
    status: f.status,
    startTime: f.from || f.to ? { gte: f.from, lt: f.to } : undefined,
    plateText: f.plate ? { contains: f.plate, mode: 'insensitive' } : undefined,
  };
}

const listSelect = {
  camera: { select: { id: true, name: true, timezone: true } },
  run: { select: { segment: { select: { startTimeSource: true } } } },
  reviews: { where: { plateCorrection: { not: null } }, select: { id: true }, take: 1 },
  // The first keyframe (else plate crop) gives list rows a thumbnail.
  evidence: {
    where: { role: { in: ['keyframe', 'plate_crop'] } },
    orderBy: [{ role: 'asc' }, { createdAt: 'asc' }],
    take: 1,
    select: { id: true },
  },
} satisfies Prisma.ViolationInclude;

/** How a violation's times are known: from its segment's start time (estimated unless explicit or the recorder's). */
export function timeProvenance(source: CaptureTimeSource) {
  return { timeSource: source, timeEstimated: isEstimated(source) };
}

function listRow({ evidence, run, reviews, ...v }: Prisma.ViolationGetPayload<{ include: typeof listSelect }>) {
  return {
    ...v,
    ...timeProvenance(run.segment.startTimeSource),
    ...plateReadability(v, reviews.length > 0),
    thumbnailEvidenceId: evidence[0]?.id ?? null,
  };
}

/**
 * The machine's plate reading is below the reader's honesty floor: shown as 판독 불가, its text a candidate only.
 * Readings stored before the floor existed can be; a plate a reviewer typed never is.
 */
export function plateReadability(v: { plateText: string | null; plateConfidence: number | null }, corrected: boolean) {
  return {
    plateLowConfidence:
      !corrected && v.plateText !== null && v.plateConfidence !== null && v.plateConfidence < PLATE_CONFIDENCE_FLOOR,
  };
}

/** One page, newest first; `nextCursor` is null on the last page. */
export async function listViolations(
  prisma: PrismaClient,
  filter: ViolationFilter,
  page: { cursor?: ViolationCursor; limit: number },
) {
  const after = page.cursor
    ? {
        OR: [
          { startTime: { lt: page.cursor.startTime } },
          { startTime: page.cursor.startTime, id: { lt: page.cursor.id } },
        ],
      }
    : {};
  const rows = await prisma.violation.findMany({
    where: { AND: [whereOf(filter), after] },
    orderBy: [{ startTime: 'desc' }, { id: 'desc' }],
    take: page.limit + 1,
    include: listSelect,
  });
  const items = rows.slice(0, page.limit).map(listRow);
  const last = items.at(-1);
  const nextCursor: ViolationCursor | null =
    rows.length > page.limit && last ? { startTime: last.startTime, id: last.id } : null;
  return { items, nextCursor };
}

/** Counts per status under the same filter minus the status itself, for the review queue's tabs. */
export async function countViolations(
  prisma: PrismaClient,
  filter: ViolationFilter,
): Promise<Record<ViolationStatus | 'total', number>> {
  const groups = await prisma.violation.groupBy({
    by: ['status'],
    where: whereOf({ ...filter, status: undefined }),
    _count: { _all: true },
  });
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<ViolationStatus | 'total', number>;
  counts.total = 0;
  for (const g of groups) {
    counts[g.status] = g._count._all;
    counts.total += g._count._all;
  }
  return counts;
}

export function getViolationDetail(prisma: PrismaClient, id: string) {
  return prisma.violation.findUnique({
    where: { id },
    include: {
      camera: { select: { id: true, name: true, timezone: true } },
      zone: { select: { id: true, name: true, kind: true, polygon: true } },
      run: {
        select: {
          id: true,
          segmentId: true,
          pipelineVersion: true,
          modelFingerprints: true,
          configHash: true,
          segment: { select: { startTimeSource: true } },
        },
      },
      evidence: { orderBy: [{ role: 'asc' }, { createdAt: 'asc' }] },
      reviews: { orderBy: { createdAt: 'asc' } },
    },
  });
}

/** The vehicle's other violations: the same plate of record on any camera and day, newest first. */
export async function vehicleHistory(prisma: PrismaClient, violationId: string, plate: string, limit: number) {
  const rows = await prisma.violation.findMany({
    where: { AND: [whereOf({}), { plateText: plate, id: { not: violationId } }] },
    orderBy: [{ startTime: 'desc' }, { id: 'desc' }],
    take: limit,
    include: listSelect,
  });
  return rows.map(listRow);
}

/** Who opened a case is part of its chain of custody, like who downloaded its evidence. */
export async function recordViolationView(
  prisma: PrismaClient,
  input: { actor: string; violationId: string; requestId: string },
): Promise<void> {
  await prisma.$transaction((tx) =>
    appendAudit(tx, {
      actor: input.actor,
      action: 'violation.view',
      entityType: 'violation',
      entityId: input.violationId,
      details: { requestId: input.requestId },
    }),
  );
}
