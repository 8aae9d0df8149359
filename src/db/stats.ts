import { Prisma, type PrismaClient } from './client.js';

/**
 * The statistics of GET /stats. Violation counts and review throughput come from the rollups the triggers keep
 * (migration 20261205700100_statistics): a period is read as its whole months plus the days at either end, so a year
 * costs a few thousand rows however many violations it holds. The backlog is read off its partial index. Days,
 * hours and weekdays are the camera's local ones.
 */

export interface StatsFilter {
  cameraId?: string | undefined;
  zoneId?: string | undefined;
  /** first and last local day counted, YYYY-MM-DD */
  from: string;
  to: string;
}

export interface ZoneStats {
  cameraId: string;
  cameraName: string;
  /** null: violations whose zone has since been deleted */
  zoneId: string | null;
  zoneName: string | null;
  violations: number;
  confirmed: number;
  rejected: number;
  /** pending or waiting for a second review */
  open: number;
}

export interface ViolationStats {
  zones: ZoneStats[];
  /** violations by the camera's local hour, 0-23 */
  byHour: number[];
  /** violations by the camera's local ISO weekday, Monday first */
  byWeekday: number[];
}

const sums = (column: string, n: number) =>
  Prisma.raw(Array.from({ length: n }, (_, i) => `sum(s.${column}[${i + 1}])::int`).join(', '));

function rollupConditions(f: Omit<StatsFilter, 'from' | 'to'>): Prisma.Sql {
  const c: Prisma.Sql[] = [];
  if (f.cameraId) c.push(Prisma.sql`AND s.camera_id = ${f.cameraId}::uuid`);
  if (f.zoneId) c.push(Prisma.sql`AND s.zone_id = ${f.zoneId}::uuid`);
  return c.length ? Prisma.join(c, ' ') : Prisma.empty;
}

interface GroupRow {
  byZone: boolean;
  cameraId: string | null;
  cameraName: string | null;
  zoneId: string | null;
  zoneName: string | null;
  violations: number | null;
  confirmed: number;
  rejected: number;
  open: number;
  hours: (number | null)[];
  weekdays: (number | null)[];
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000);
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * A period as rollup rows: its whole months (month rows from `months[0]` up to, not including, `months[1]`) and
 * the days before and after them (day rows in each range, end excluded). Without a whole month, its days only.
 */
export function periodCells(from: string, to: string) {
  const start = new Date(`${from}T00:00:00Z`);
  const end = addDays(to, 1);
  const firstMonth =
    start.getUTCDate() === 1 ? start : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1));
  const endMonth = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth()));
  if (firstMonth >= endMonth) return { months: null, days: [[from, isoDay(end)]] as const };
  return {
    months: [isoDay(firstMonth), isoDay(endMonth)] as const,
    days: [
      [from, isoDay(firstMonth)],
      [isoDay(endMonth), isoDay(end)],
    ] as const,
  };
}

/** Counts per camera and zone (with their review outcomes), and over all of them per local hour and weekday. */
export async function violationStats(prisma: PrismaClient, f: StatsFilter): Promise<ViolationStats> {
  const cells = periodCells(f.from, f.to);
  const ranges = [
    ...(cells.months
      ? [
          Prisma.sql`(s.grain = 'month' AND s.period_start >= ${cells.months[0]}::date AND s.period_start < ${cells.months[1]}::date)`,
        ]
      : []),
    ...cells.days.map(
      ([a, b]) => Prisma.sql`(s.grain = 'day' AND s.period_start >= ${a}::date AND s.period_start < ${b}::date)`,
    ),
  ];
  // one index range scan per part of the period
  const union = Prisma.join(
    ranges.map((r) => Prisma.sql`SELECT s.* FROM violation_stats s WHERE ${r} ${rollupConditions(f)}`),
    ' UNION ALL ',
  );
  const rows = await prisma.$queryRaw<GroupRow[]>`
    WITH g AS (
      SELECT GROUPING(s.camera_id) = 0 AS "byZone", s.camera_id, s.zone_id,
             sum(s.total)::int AS violations, sum(s.confirmed)::int AS confirmed,
             sum(s.rejected)::int AS rejected, sum(s.open)::int AS open,
             ARRAY[${sums('hours', 24)}] AS hours, ARRAY[${sums('weekdays', 7)}] AS weekdays
        FROM (${union}) s
       GROUP BY GROUPING SETS ((s.camera_id, s.zone_id), ())
       -- a zone whose violations all moved away (superseded, zone deleted) keeps rows of zeros
      HAVING GROUPING(s.camera_id) = 1 OR sum(s.total) > 0
    )
    SELECT g."byZone", g.camera_id AS "cameraId", c.name AS "cameraName", g.zone_id AS "zoneId",
           z.name AS "zoneName", g.violations, g.confirmed, g.rejected, g.open, g.hours, g.weekdays
      FROM g LEFT JOIN cameras c ON c.id = g.camera_id LEFT JOIN zones z ON z.id = g.zone_id
     ORDER BY g.violations DESC, c.name, z.name`;
  const all = rows.find((r) => !r.byZone);
  const zones = rows
    .filter((r) => r.byZone)
    .map((r) => ({
      cameraId: r.cameraId!,
      cameraName: r.cameraName!,
      zoneId: r.zoneId,
      zoneName: r.zoneName,
      violations: r.violations!,
      confirmed: r.confirmed,
      rejected: r.rejected,
      open: r.open,
    }));
  // over no rows at all the sums are null
  const counts = (list: (number | null)[] | undefined, n: number) =>
    Array.from({ length: n }, (_, i) => list?.[i] ?? 0);
  return { zones, byHour: counts(all?.hours, 24), byWeekday: counts(all?.weekdays, 7) };
}

export interface Backlog {
  /** cases waiting for a review: pending or needing a second one */
  open: number;
  /** when the oldest of them was recorded */
  oldestAt: Date | null;
  oldestAgeSeconds: number | null;
  medianAgeSeconds: number | null;
}

/**
 * The review backlog as it stands now (the period does not apply): how many cases wait, and for how long. The open
 * cases are read in the order they wait off their partial index, the median by skipping to the middle one.
 */
export async function reviewBacklog(prisma: PrismaClient, f: Omit<StatsFilter, 'from' | 'to'>): Promise<Backlog> {
  const open = Prisma.sql`s.status IN ('pending', 'needs_second_review') AND s.superseded_by_id IS NULL ${rollupConditions(f)}`;
  const [row] = await prisma.$queryRaw<Backlog[]>`
    WITH n AS (SELECT count(*)::int AS open, min(s.created_at) AS oldest FROM violations s WHERE ${open}),
         m AS (SELECT s.created_at AS median FROM violations s WHERE ${open}
                ORDER BY s.created_at OFFSET (SELECT greatest((open + 1) / 2 - 1, 0) FROM n) LIMIT 1)
    SELECT n.open, n.oldest AS "oldestAt", extract(epoch FROM now() - n.oldest)::float8 AS "oldestAgeSeconds",
           extract(epoch FROM now() - m.median)::float8 AS "medianAgeSeconds"
      FROM n LEFT JOIN m ON true`;
  return row!;
}

export interface ReviewerDay {
  /** who reviewed: an API key or a console user account */
  kind: 'key' | 'user';
  id: string;
  /** the key's label or the user's display name */
  label: string;
  /** the camera's local date, YYYY-MM-DD */
  day: string;
  reviews: number;
}

/** Review actions per reviewer and day, of violations of the camera and zone filtered on (or of all cameras). */
export function reviewerThroughput(prisma: PrismaClient, f: StatsFilter): Promise<ReviewerDay[]> {
  const scope = f.cameraId || f.zoneId ? rollupConditions(f) : Prisma.sql`AND s.camera_id IS NULL`;
  return prisma.$queryRaw<ReviewerDay[]>`
    SELECT CASE WHEN s.api_key_id IS NULL THEN 'user' ELSE 'key' END AS kind,
           coalesce(s.api_key_id, s.user_id) AS id, coalesce(k.label, u.display_name) AS label,
           s.day::text AS day, sum(s.reviews)::int AS reviews
      FROM review_stats s LEFT JOIN api_keys k ON k.id = s.api_key_id LEFT JOIN users u ON u.id = s.user_id
     WHERE s.day BETWEEN ${f.from}::date AND ${f.to}::date ${scope}
     GROUP BY s.api_key_id, s.user_id, k.label, u.display_name, s.day
     ORDER BY 3, 2, s.day`;
}
