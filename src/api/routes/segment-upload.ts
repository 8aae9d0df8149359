import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hasControlCharacter } from '../../core/text.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { HttpProblem, badRequest } from '../problem.js';
import { isoTime, secured, segmentIntakeResponse } from '../schemas.js';
import { requireEnabledCamera, takeInSegment } from '../segment-intake.js';
import { intakeResponse } from './segments.js';

/** Largest form field, bytes; a longer one is refused, not cut short. */
const FIELD_BYTES = 1024;
/** 9999-12-31T23:59:59.999Z, ms: times beyond the years 1970–9999 are mistakes (see isoTime). */
const LAST_MS = 253_402_300_799_999;

const uploadFields = z.strictObject({
  cameraId: z.uuid(),
  startTime: isoTime.optional(),
  /** the browser's File.lastModified, ms since the epoch: a clue to the capture time when nothing better is known */
  lastModified: z.coerce.number().int().positive().max(LAST_MS).optional(),
});

function safeExtension(filename: string): string {
  const ext = path.extname(filename).toLowerCase();
  return /^\.[a-z0-9]{1,5}$/.test(ext) ? ext : '.bin';
}

/** The browser's name for the file, kept to show it; a name no list could show is not kept. */
function originalName(filename: string): { originalName?: string } {
  const name = path.basename(filename.replaceAll('\\', '/')).slice(0, 255);
  return name && !hasControlCharacter(name) ? { originalName: name } : {};
}

/** The form parser's complaints are the client's mistake: a 400, but for the plugin's size limits (413). */
function formProblem(err: unknown): unknown {
  if (err instanceof HttpProblem || (err instanceof Error && 'statusCode' in err && err.statusCode === 413)) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new HttpProblem(400, '/problems/malformed-multipart', `the multipart body is malformed: ${reason}`);
}

/**
 * `POST /segments/upload`: multipart with fields `cameraId` (and `startTime`, or the browser's
 * `lastModified`), each once, then one part named `file`, and nothing after it. The file is staged
 * under FOOTAGE_ROOT/uploads and removed again unless it becomes a segment.
 */
const segmentUploadRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, deps) => {
  const { prisma, config } = deps;
  await app.register(multipart, {
    limits: { fileSize: config.MAX_UPLOAD_BYTES, files: 1, fields: 4, fieldSize: FIELD_BYTES, parts: 5 },
  });

  app.post(
    '/segments/upload',
    {
      config: { roles: ['ops'], bodyTimeoutMs: config.UPLOAD_TIMEOUT_MS },
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
      const parts = request.parts();
      const next = () =>
        parts.next().catch((err: unknown) => {
          throw formProblem(err);
        });
      let staged: string | undefined;
      let taken = false;
      try {
        const fields = new Map<string, unknown>();
        let item = await next();
        while (!item.done && item.value.type === 'field') {
          const { fieldname, value, valueTruncated } = item.value;
          if (fields.has(fieldname)) throw badRequest(`form field ${fieldname} is given twice`);
          if (valueTruncated) throw badRequest(`form field ${fieldname} is longer than ${FIELD_BYTES} bytes`);
          fields.set(fieldname, value);
          item = await next();
        }
        const part = item.done ? undefined : item.value;
        if (part?.type !== 'file') throw badRequest('the form has no file part');
        if (part.fieldname !== 'file') throw badRequest(`the file part must be named "file", not "${part.fieldname}"`);
        const parsed = uploadFields.safeParse(Object.fromEntries(fields));
        if (!parsed.success) {
          throw badRequest(
            `form fields: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'form'}: ${i.message}`).join('; ')} (fields must come before the file)`,
          );
        }
        await requireEnabledCamera(prisma, parsed.data.cameraId);

        const dir = path.join(config.FOOTAGE_ROOT, 'uploads');
        await mkdir(dir, { recursive: true });
        staged = path.join(dir, `${randomUUID()}${safeExtension(part.filename)}`);
        try {
          await pipeline(part.file, createWriteStream(staged, { flags: 'wx' }));
        } catch (err) {
          // the body broke off or was malformed (the client's), or the disk failed (ours)
          throw part.file.errored ? formProblem(part.file.errored) : err;
        }
        if (part.file.truncated)
          throw new HttpProblem(413, '/problems/body-too-large', `the upload exceeds ${config.MAX_UPLOAD_BYTES} bytes`);
        if (!(await next()).done) throw badRequest('nothing may follow the file part: the fields first, then one file');

        const result = await takeInSegment(deps, {
          cameraId: parsed.data.cameraId,
          file: staged,
          ...(parsed.data.startTime ? { startTime: new Date(parsed.data.startTime) } : {}),
          ...(parsed.data.lastModified ? { fileModified: new Date(parsed.data.lastModified) } : {}),
          ...originalName(part.filename),
          actor: actorOf(principalOf(request)),
        });
        const body = intakeResponse(result, 415);
        taken = true;
        return reply.code(201).header('location', `/segments/${body.id}`).send(body);
      } catch (err) {
        // The body deadline has answered 408 and broken the body off: this failure is its echo.
        if (reply.sent) return;
        throw err;
      } finally {
        if (!taken) {
          if (staged) await rm(staged, { force: true });
          // Stop parsing: what is left of a refused body is read and dropped (within the body deadline).
          request.raw.unpipe();
          request.raw.resume();
        }
      }
    },
  );
};

export default segmentUploadRoutes;
