import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getCamera } from '../../db/cameras.js';
import { createZone, deleteZone, getZone, listZones, updateZone } from '../../db/zones.js';
import type { Zone } from '../../generated/prisma/client.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { notFound } from '../problem.js';
import { idParams, itemsOf, secured, zoneCreateBody, zonePatchBody, zoneResponse } from '../schemas.js';

const cameraParams = z.strictObject({ cameraId: z.uuid() });

type ZoneShown = z.output<typeof zoneResponse>;

/** A stored zone as the API shows it: its JSON columns hold what the zone bodies let in, and the response schema checks them. */
function zoneView(row: Zone): ZoneShown {
  return {
    ...row,
    polygon: row.polygon as ZoneShown['polygon'],
    schedule: row.schedule as ZoneShown['schedule'],
    classes: row.classes as ZoneShown['classes'],
  };
}

const OPS = { roles: ['ops'] } as const;
const READERS = { roles: ['ops', 'officer'] } as const;

const zoneRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma }) => {
  app.get(
    '/cameras/:cameraId/zones',
    {
      config: READERS,
      schema: {
        tags: ['zones'],
        summary: "A camera's zones",
        params: cameraParams,
        security: secured,
        response: { 200: itemsOf(zoneResponse) },
      },
    },
    async (request) => {
      if (!(await getCamera(prisma, request.params.cameraId))) throw notFound('camera', request.params.cameraId);
      return { items: (await listZones(prisma, request.params.cameraId)).map(zoneView) };
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
        response: { 201: zoneResponse },
      },
    },
    async (request, reply) => {
      if (!(await getCamera(prisma, request.params.cameraId))) throw notFound('camera', request.params.cameraId);
      const created = await createZone(prisma, request.params.cameraId, request.body, actorOf(principalOf(request)));
      return reply.code(201).header('location', `/zones/${created.id}`).send(zoneView(created));
    },
  );

  app.get(
    '/zones/:id',
    {
      config: READERS,
      schema: {
        tags: ['zones'],
        summary: 'One zone',
        params: idParams,
        security: secured,
        response: { 200: zoneResponse },
      },
    },
    async (request) => {
      const found = await getZone(prisma, request.params.id);
      if (!found) throw notFound('zone', request.params.id);
      return zoneView(found);
    },
  );

  app.patch(
    '/zones/:id',
    {
      config: OPS,
      schema: {
        tags: ['zones'],
        summary: 'Change a zone',
        params: idParams,
        body: zonePatchBody,
        security: secured,
        response: { 200: zoneResponse },
      },
    },
    async (request) => {
      const updated = await updateZone(prisma, request.params.id, request.body, actorOf(principalOf(request)));
      if (!updated) throw notFound('zone', request.params.id);
      return zoneView(updated);
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
