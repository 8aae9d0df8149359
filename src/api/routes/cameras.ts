import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import sharp from 'sharp';
import { redactUrl } from '../../core/redact.js';
import {
  cameraHealth,
  createCamera,
  deleteCamera,
  feedHealth,
  getCamera,
  listCameras,
  updateCamera,
} from '../../db/cameras.js';
import { extractFrame } from '../../media/keyframe.js';
import type { ApiDeps, ApiRole } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { conflict, notFound } from '../problem.js';
import {
  cameraCreateBody,
  cameraPatchBody,
  cameraResponse,
  cameraWithHealthResponse,
  idParams,
  itemsOf,
  secured,
} from '../schemas.js';

const OPS = { roles: ['ops'] } as const;
const READERS = { roles: ['ops', 'officer'] } as const;

/** Only ops, who set the source URL, see its password; others see it redacted. */
function asSeenBy<C extends { sourceUrl: string | null }>(role: ApiRole, camera: C): C {
  return role === 'ops' || camera.sourceUrl === null ? camera : { ...camera, sourceUrl: redactUrl(camera.sourceUrl) };
}

const cameraRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma }) => {
  app.get(
    '/cameras',
    {
      config: READERS,
      schema: {
        tags: ['cameras'],
        summary: 'List cameras with their footage health',
        security: secured,
        response: { 200: itemsOf(cameraWithHealthResponse) },
      },
    },
    async (request) => {
      const cameras = await listCameras(prisma);
      const shown = cameras.map((c) => asSeenBy(principalOf(request).role, c));
      const items = await Promise.all(
        shown.map(async (c) => ({ ...c, health: await cameraHealth(prisma, c), feed: await feedHealth(prisma, c) })),
      );
      return { items };
    },
  );

  app.get(
    '/cameras/:id',
    {
      config: READERS,
      schema: {
        tags: ['cameras'],
        summary: 'One camera',
        params: idParams,
        security: secured,
        response: { 200: cameraWithHealthResponse },
      },
    },
    async (request) => {
      const camera = await getCamera(prisma, request.params.id);
      if (!camera) throw notFound('camera', request.params.id);
      return {
        ...asSeenBy(principalOf(request).role, camera),
        health: await cameraHealth(prisma, camera),
        feed: await feedHealth(prisma, camera),
      };
    },
  );

  app.post(
    '/cameras',
    {
      config: OPS,
      schema: {
        tags: ['cameras'],
        summary: 'Create a camera',
        body: cameraCreateBody,
        security: secured,
        response: { 201: cameraResponse },
      },
    },
    async (request, reply) => {
      const camera = await createCamera(prisma, request.body, actorOf(principalOf(request)));
      return reply.code(201).header('location', `/cameras/${camera.id}`).send(camera);
    },
  );

  app.patch(
    '/cameras/:id',
    {
      config: OPS,
      schema: {
        tags: ['cameras'],
        summary: 'Change a camera',
        params: idParams,
        body: cameraPatchBody,
        security: secured,
        response: { 200: cameraResponse },
      },
    },
    async (request) => {
      const camera = await updateCamera(prisma, request.params.id, request.body, actorOf(principalOf(request)));
      if (!camera) throw notFound('camera', request.params.id);
      return camera;
    },
  );

  app.delete(
    '/cameras/:id',
    {
      config: OPS,
      schema: {
        tags: ['cameras'],
        summary: 'Delete a camera that has no footage (zones go with it)',
        params: idParams,
        security: secured,
      },
    },
    async (request, reply) => {
      const result = await deleteCamera(prisma, request.params.id, actorOf(principalOf(request)));
      if (result === 'not_found') throw notFound('camera', request.params.id);
      if (result === 'has_segments') {
        throw conflict(
          'camera-has-footage',
          'the camera has registered footage and is kept for the evidence trail; disable it instead',
        );
      }
      return reply.code(204).send();
    },
  );

  app.get(
    '/cameras/:id/snapshot',
    {
      config: READERS,
      schema: {
        tags: ['cameras'],
        summary: 'First frame of the latest segment, as JPEG, for drawing zones',
        params: idParams,
        security: secured,
      },
    },
    async (request, reply) => {
      const camera = await getCamera(prisma, request.params.id);
      if (!camera) throw notFound('camera', request.params.id);
      const segment = await prisma.segment.findFirst({
        where: { cameraId: camera.id },
        orderBy: { startTime: 'desc' },
      });
      if (!segment) throw notFound('snapshot for camera', camera.id);
      const frame = await extractFrame(fileURLToPath(segment.fileUri), 0);
      const jpeg = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
        .jpeg({ quality: 85 })
        .toBuffer();
      return reply
        .type('image/jpeg')
        .header('cache-control', 'private, max-age=60')
        .header('x-frame-size', `${frame.width}x${frame.height}`)
        .send(jpeg);
    },
  );
};

export default cameraRoutes;
