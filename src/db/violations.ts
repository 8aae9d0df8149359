import { isEstimated, type CaptureTimeSource } from '../core/capture-time.js';
import { PLATE_CONFIDENCE_FLOOR } from '../core/plate-vote.js';
import type { Violation, ViolationStatus } from '../generated/prisma/client.js';
import { appendAudit } from './audit.js';
import { Prisma, type PrismaClient } from './client.js';

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

/** The filter as SQL conditions on `violations v`; the status one only when `withStatus`. */
function conditionsOf(f: ViolationFilter, withStatus: boolean): Prisma.Sql[] {
  // a case a re-analysis found again stands once, in the run that holds it (db/analysis-store.ts)
  const c = [Prisma.sql`v.superseded_by_id IS NULL`];
  if (f.cameraId) c.push(Prisma.sql`v.camera_id = ${f.cameraId}::uuid`);
  if (f.zoneId) c.push(Prisma.sql`v.zone_id = ${f.zoneId}::uuid`);
  if (withStatus && f.status) c.push(Prisma.sql`v.status = ${f.status}::"ViolationStatus"`);
  if (f.from) c.push(Prisma.sql`v.start_time >= ${f.from}`);
  if (f.to) c.push(Prisma.sql`v.start_time < ${f.to}`);
  // answered by the trigram index; the query schema admits plate characters only, so no LIKE wildcards
  if (f.plate) c.push(Prisma.sql`v.plate_text ILIKE ${`%${f.plate}%`}`);
  return c;
}

/** A violation found live has no segment until its evidence is written: its times are the recorder's clock. */
export const LIVE_TIME_SOURCE: CaptureTimeSource = 'recorder';

/** How a violation's times are known: from its segment's start time (estimated unless explicit or the recorder's). */
export function timeProvenance(source: CaptureTimeSource) {
  return { timeSource: source, timeEstimated: isEstimated(source) };
}

interface ListRow extends Omit<Violation, 'alertedAt' | 'locationAddress' | 'locationLatitude' | 'locationLongitude'> {
  camera: { id: string; name: string; timezone: string };
  timeSource: CaptureTimeSource;
  /** a reviewer corrected the plate (plateReadability's input; responses leave it out) */
  corrected: boolean;
  thumbnailEvidenceId: string | null;
}

/**
 * Rows for list pages in one statement (Prisma's includes cost a query each): the camera and the segment's time
 * source by join; whether a reviewer corrected the plate and the thumbnail (the first keyframe, else plate crop)
 * by subqueries on their indexes.
 */
async function selectRows(prisma: PrismaClient, conditions: Prisma.Sql[], limit: number) {
  const rows = await prisma.$queryRaw<ListRow[]>`
    SELECT v.id, v.run_id AS "runId", v.camera_id AS "cameraId", v.zone_id AS "zoneId", v.zone_name AS "zoneName",
           v.zone_kind AS "zoneKind", v.track_id AS "trackId", v.start_time AS "startTime", v.end_time AS "endTime",
           v.start_sec AS "startSec", v.end_sec AS "endSec", v.status, v.plate_text AS "plateText",
           v.plate_confidence AS "plateConfidence", v.plate_candidates AS "plateCandidates",
           v.plate_type AS "plateType", v.version, v.superseded_by_id AS "supersededById",
           v.evidence_state AS "evidenceState",
           v.created_at AS "createdAt", v.updated_at AS "updatedAt",
           json_build_object('id', c.id, 'name', c.name, 'timezone', c.timezone) AS camera,
           COALESCE(s.start_time_source, ${LIVE_TIME_SOURCE}::"CaptureTimeSource") AS "timeSource",
           EXISTS (SELECT FROM review_actions ra WHERE ra.violation_id = v.id AND ra.plate_correction IS NOT NULL)
             AS corrected,
           (SELECT e.id FROM evidence_files e
             WHERE e.violation_id = v.id AND e.role IN ('keyframe', 'plate_crop')
             ORDER BY e.role, e.created_at LIMIT 1) AS "thumbnailEvidenceId"
      FROM violations v
      JOIN cameras c ON c.id = v.camera_id
      LEFT JOIN analysis_runs r ON r.id = v.run_id
      LEFT JOIN segments s ON s.id = r.segment_id
     WHERE ${Prisma.join(conditions, ' AND ')}
     ORDER BY v.start_time DESC, v.id DESC
     LIMIT ${limit}`;
  // completed in place: copying rows of twenty-odd fields cost a page more CPU than its query
  return rows.map((row) =>
    Object.assign(row, { timeEstimated: isEstimated(row.timeSource) }, plateReadability(row, row.corrected)),
  );
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
  const conditions = conditionsOf(filter, true);
  if (page.cursor) {
    conditions.push(Prisma.sql`(v.start_time, v.id) < (${page.cursor.startTime}, ${page.cursor.id}::uuid)`);
  }
  const rows = await selectRows(prisma, conditions, page.limit + 1);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const nextCursor: ViolationCursor | null =
    rows.length > page.limit && last ? { startTime: last.startTime, id: last.id } : null;
  return { items, nextCursor };
}

export type ViolationCounts = Record<ViolationStatus | 'total', number>;

/** Counts per status under the same filter minus the status itself, for the review queue's tabs. */
export async function countViolations(prisma: PrismaClient, filter: ViolationFilter): Promise<ViolationCounts> {
  const groups = await prisma.$queryRaw<{ status: ViolationStatus; n: number }[]>`
    SELECT v.status, count(*)::int AS n FROM violations v
     WHERE ${Prisma.join(conditionsOf(filter, false), ' AND ')}
     GROUP BY v.status`;
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as ViolationCounts;
  counts.total = 0;
  for (const g of groups) {
    counts[g.status] = g.n;
    counts.total += g.n;
  }
  return counts;
}

/**
 * Tab counts scan every standing case under the filter, too much to do on each of hundreds of list requests a
 * second; they are kept a second per filter instead. Reviews in this process forget them as they commit (see
 * recordReview), so the console's tabs are exact after its own reviews; cases other processes store or supersede
 * show as their NOTIFY arrives (src/api/violation-page-cache.ts), or within the second while nobody listens.
 * Concurrent requests share one count query.
 */
const COUNTS_TTL_MS = 1000;
const COUNTS_MAX_FILTERS = 500;
interface CachedCounts {
  at: number;
  counts: Promise<ViolationCounts>;
}
const countCaches = new WeakMap<PrismaClient, Map<string, CachedCounts>>();

export function cachedViolationCounts(prisma: PrismaClient, filter: ViolationFilter): Promise<ViolationCounts> {
  let cache = countCaches.get(prisma);
  if (!cache) countCaches.set(prisma, (cache = new Map<string, CachedCounts>()));
  // the tabs count every status, so one entry serves the filter under each of them
  const key = JSON.stringify({ ...filter, status: undefined });
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && now - hit.at < COUNTS_TTL_MS) return hit.counts;
  if (cache.size >= COUNTS_MAX_FILTERS) cache.clear();
  const entry = { at: now, counts: countViolations(prisma, filter) };
  cache.set(key, entry);
  entry.counts.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  return entry.counts;
}

/** After a violation's status or plate changed in this process: its tab counts are recounted on the next request. */
export function forgetViolationCounts(prisma: PrismaClient): void {
  countCaches.get(prisma)?.clear();
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

/** The place of the offence as stored with the violation; null when its camera had no location then. */
export function placeOf(v: Pick<Violation, 'locationAddress' | 'locationLatitude' | 'locationLongitude'>) {
  if (v.locationAddress === null && v.locationLatitude === null && v.locationLongitude === null) return null;
  return { address: v.locationAddress, latitude: v.locationLatitude, longitude: v.locationLongitude };
}

/** The vehicle's other violations: the same plate of record on any camera and day, newest first. */
export function vehicleHistory(prisma: PrismaClient, violationId: string, plate: string, limit: number) {
  return selectRows(
    prisma,
    [...conditionsOf({}, false), Prisma.sql`v.plate_text = ${plate}`, Prisma.sql`v.id <> ${violationId}::uuid`],
    limit,
  );
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
