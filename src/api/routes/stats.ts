import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getCamera } from '../../db/cameras.js';
import { reviewBacklog, reviewerThroughput, violationStats, type ReviewerDay } from '../../db/stats.js';
import { getZone } from '../../db/zones.js';
import type { ApiDeps } from '../deps.js';
import { badRequest, notFound } from '../problem.js';
import { secured, statsPeriod, statsQuery, statsResponse } from '../schemas.js';

/** Reviewer throughput names officers: for ops (and admins), like the rest of the statistics. */
const OPS = { roles: ['ops'] } as const;

function byReviewer(rows: ReviewerDay[]) {
  const reviewers = new Map<
    string,
    { kind: ReviewerDay['kind']; id: string; label: string; total: number; days: ReviewerDay[] }
  >();
  for (const row of rows) {
    const r = reviewers.get(row.id) ?? { kind: row.kind, id: row.id, label: row.label, total: 0, days: [] };
    r.total += row.reviews;
    r.days.push(row);
    reviewers.set(row.id, r);
  }
  return [...reviewers.values()].map((r) => ({ ...r, days: r.days.map(({ day, reviews }) => ({ day, reviews })) }));
}

const statsRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma }) => {
  app.get(
    '/stats',
    {
      config: OPS,
      schema: {
        tags: ['stats'],
        summary:
          'Violations per camera, zone, local hour and weekday with each zone’s reject rate, the review backlog and reviewer throughput',
        querystring: statsQuery,
        security: secured,
        response: { 200: statsResponse },
      },
    },
    async (request) => {
      const { cameraId, zoneId } = request.query;
      if (cameraId && !(await getCamera(prisma, cameraId))) throw notFound('camera', cameraId);
      const zone = zoneId ? await getZone(prisma, zoneId) : null;
      if (zoneId && !zone) throw notFound('zone', zoneId);
      if (zone && cameraId && zone.cameraId !== cameraId)
        throw badRequest(`zone ${zoneId} belongs to another camera`, {
          errors: [{ in: 'querystring', pointer: '/zoneId', detail: 'the zone is not one of the camera’s' }],
        });
      const { from, to } = statsPeriod(request.query);
      // a zone is one camera's: naming the camera too lets the queries read that camera's index range
      const filter = { cameraId: zone?.cameraId ?? cameraId, zoneId, from, to };
      const [violations, backlog, reviews] = await Promise.all([
        violationStats(prisma, filter),
        reviewBacklog(prisma, filter),
        reviewerThroughput(prisma, filter),
      ]);
      const cameras = new Map<string, { cameraId: string; name: string; violations: number }>();
      for (const z of violations.zones) {
        const c = cameras.get(z.cameraId) ?? { cameraId: z.cameraId, name: z.cameraName, violations: 0 };
        c.violations += z.violations;
        cameras.set(z.cameraId, c);
      }
      return {
        period: { from, to },
        total: violations.zones.reduce((n, z) => n + z.violations, 0),
        cameras: [...cameras.values()].sort((a, b) => b.violations - a.violations),
        zones: violations.zones.map((z) => ({
          ...z,
          rejectRate: z.confirmed + z.rejected === 0 ? null : z.rejected / (z.confirmed + z.rejected),
        })),
        byHour: violations.byHour,
        byWeekday: violations.byWeekday,
        backlog,
        reviewers: byReviewer(reviews),
      };
    },
  );
};

export default statsRoutes;
