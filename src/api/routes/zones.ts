import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scheduleWindowSchema, zoneConfigSchema, zoneRulesSchema } from '../../core/camera-config.js';
import { getCamera } from '../../db/cameras.js';
import { createZone, deleteZone, getZone, listZones, updateZone } from '../../db/zones.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { notFound } from '../problem.js';
import { idParams, secured } from '../schemas.js';

// Flat zone bodies mirror the zones table; validation comes from the camera-file schema in core.
const zone = zoneConfigSchema.shape;
const rules = zoneRulesSchema.shape;
const schedule = z.array(scheduleWindowSchema).min(1).max(50).nullable();

const zoneFields = {
  name: zone.name,
  kind: zone.kind,
  polygon: zone.polygon,
  schedule: schedule.optional(),
  minDwellSeconds: rules.minDwellSeconds.unwrap(),
  minDisplacement: rules.minDisplacement.unwrap(),
  allowedDirectionDeg: rules.allowedDirectionDeg,
  directionToleranceDeg: rules.directionToleranceDeg.unwrap(),
  classes: rules.classes.unwrap(),
  requireRider: rules.requireRider.unwrap(),
};

const zoneCreateBody = z.strictObject({
  ...zoneFields,
  minDwellSeconds: zoneFields.minDwellSeconds.optional(),
  minDisplacement: zoneFields.minDisplacement.optional(),
  directionToleranceDeg: zoneFields.directionToleranceDeg.optional(),
  classes: zoneFields.classes.optional(),
  requireRider: zoneFields.requireRider.optional(),
});
// No defaults on PATCH: an absent field keeps its stored value.
const zonePatchBody = z.strictObject(zoneFields).partial();

const cameraParams = z.strictObject({ cameraId: z.uuid() });

const OPS = { roles: ['ops'] } as const;
const READERS = { roles: ['ops', 'officer'] } as const;

const zoneRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma }) => {
  app.get(
    '/cameras/:cameraId/zones',
    {
      config: READERS,
      schema: { tags: ['zones'], summary: "A camera's zones", params: cameraParams, security: secured },
    },
    async (request) => {
      if (!(await getCamera(prisma, request.params.cameraId))) throw notFound('camera', request.params.cameraId);
      return { items: await listZones(prisma, request.params.cameraId) };
    },
  );

  app.post(
    '/cameras/:cameraId/zones',
    {
      config: OPS,
      schema: {
        tags: ['zones'],
        summary: 'Draw a restricted zone on a camera',
        params: cameraParams,
        body: zoneCreateBody,
        security: secured,
      },
    },
    async (request, reply) => {
      if (!(await getCamera(prisma, request.params.cameraId))) throw notFound('camera', request.params.cameraId);
      const created = await createZone(prisma, request.params.cameraId, request.body, actorOf(principalOf(request)));
      return reply.code(201).header('location', `/zones/${created.id}`).send(created);
    },
  );

  app.get(
    '/zones/:id',
    {
      config: READERS,
      schema: { tags: ['zones'], summary: 'One zone', params: idParams, security: secured },
    },
    async (request) => {
      const found = await getZone(prisma, request.params.id);
      if (!found) throw notFound('zone', request.params.id);
      return found;
    },
  );

  app.patch(
    '/zones/:id',
    {
      config: OPS,
      schema: { tags: ['zones'], summary: 'Change a zone', params: idParams, body: zonePatchBody, security: secured },
    },
    async (request) => {
      const updated = await updateZone(prisma, request.params.id, request.body, actorOf(principalOf(request)));
      if (!updated) throw notFound('zone', request.params.id);
      return updated;
    },
  );

  app.delete(
    '/zones/:id',
    {
      config: OPS,
      schema: {
        tags: ['zones'],
        summary: 'Delete a zone (its violations keep the zone name and kind)',
        params: idParams,
        security: secured,
      },
    },
    async (request, reply) => {
      if (!(await deleteZone(prisma, request.params.id, actorOf(principalOf(request)))))
        throw notFound('zone', request.params.id);
      return reply.code(204).send();
    },
  );
};

export default zoneRoutes;
