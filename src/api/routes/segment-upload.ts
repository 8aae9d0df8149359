import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getCamera } from '../../db/cameras.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { HttpProblem, badRequest, notFound } from '../problem.js';
import { isoTime, secured, segmentIntakeResponse } from '../schemas.js';
import { takeInSegment } from '../segment-intake.js';
import { intakeResponse } from './segments.js';

const uploadFields = z.strictObject({
  cameraId: z.uuid(),
  startTime: isoTime.optional(),
  /** the browser's File.lastModified, ms since the epoch: a clue to the capture time when nothing better is known */
  lastModified: z.coerce.number().int().positive().optional(),
});

function safeExtension(filename: string): string {
  const ext = path.extname(filename).toLowerCase();
  return /^\.[a-z0-9]{1,5}$/.test(ext) ? ext : '.bin';
}

/**
 * `POST /segments/upload`: multipart with fields `cameraId` (and `startTime`, or the browser's
 * `lastModified`) before the `file` part.
 */
const segmentUploadRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { prisma, config } = deps;
  await app.register(multipart, {
    limits: { fileSize: config.MAX_UPLOAD_BYTES, files: 1, fields: 4, fieldSize: 1024, parts: 5 },
  });

  app.post(
    '/segments/upload',
    {
      config: { roles: ['ops'] },
      schema: {
        tags: ['segments'],
        summary: 'Upload a video (multipart: cameraId, optional startTime or lastModified, then file) and queue it',
        consumes: ['multipart/form-data'],
        security: secured,
        response: { 201: segmentIntakeResponse },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        throw new HttpProblem(415, '/problems/unsupported-media-type', 'send multipart/form-data with a file part');
      }
      const part = await request.file();
      if (!part) throw badRequest('the form has no file part');
      const fields = Object.fromEntries(
        Object.entries(part.fields)
          .filter(([name]) => name !== part.fieldname)
          .map(([name, f]) => [name, f && 'value' in f ? f.value : undefined]),
      );
      const parsed = uploadFields.safeParse(fields);
      if (!parsed.success) {
        part.file.resume();
        throw badRequest(
          `form fields: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; ')} (fields must come before the file)`,
        );
      }
      if (!(await getCamera(prisma, parsed.data.cameraId))) {
        part.file.resume();
        throw notFound('camera', parsed.data.cameraId);
      }

      const dir = path.join(config.FOOTAGE_ROOT, 'uploads');
      await mkdir(dir, { recursive: true });
      const dest = path.join(dir, `${randomUUID()}${safeExtension(part.filename)}`);
      let keep = false;
      try {
        await pipeline(part.file, createWriteStream(dest, { flags: 'wx' }));
        if (part.file.truncated)
          throw new HttpProblem(413, '/problems/body-too-large', `the upload exceeds ${config.MAX_UPLOAD_BYTES} bytes`);
        const result = await takeInSegment(deps, {
          cameraId: parsed.data.cameraId,
          file: dest,
          ...(parsed.data.startTime ? { startTime: new Date(parsed.data.startTime) } : {}),
          ...(parsed.data.lastModified ? { fileModified: new Date(parsed.data.lastModified) } : {}),
          actor: actorOf(principalOf(request)),
        });
        const body = intakeResponse(result, 415);
        keep = true;
        return reply.code(201).header('location', `/segments/${body.id}`).send(body);
      } finally {
        if (!keep) await rm(dest, { force: true });
      }
    },
  );
};

export default segmentUploadRoutes;
