import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  getEvidenceFile,
  recordedEvidenceFile,
  recordEvidenceDownload,
  recordEvidenceTampered,
} from '../../db/evidence.js';
import { DigestCache } from '../../evidence/digest-cache.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { parseRange } from '../http-range.js';
import { principalOf } from '../plugins/auth.js';
import { HttpProblem, forbidden, notFound } from '../problem.js';
import { resolveInsideRoot } from '../safe-path.js';
import { idParams, secured } from '../schemas.js';

const evidenceRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  const digests = new DigestCache();
  app.get(
    '/evidence/:id',
    {
      config: { roles: ['officer', 'ops'] },
      schema: {
        tags: ['evidence'],
        summary:
          'Stream one evidence file (supports Range); every download is audited; a file whose bytes no longer match its recorded hash is refused (500 evidence-tampered)',
        params: idParams,
        security: secured,
      },
    },
    async (request, reply) => {
      const file = await getEvidenceFile(prisma, request.params.id);
      if (!file) throw notFound('evidence file', request.params.id);
      const found = await resolveInsideRoot(config.EVIDENCE_ROOT, file.path);
      if (!found.ok && found.reason === 'outside_root') {
        request.log.warn({ evidenceId: file.id }, 'evidence path resolves outside EVIDENCE_ROOT');
        throw forbidden('the evidence path lies outside the evidence root and will not be served');
      }
      if (!found.ok) {
        throw new HttpProblem(
          404,
          '/problems/evidence-file-missing',
          `evidence file ${file.id} is recorded but missing from storage`,
        );
      }

      // Before any answer, HEAD and Range requests included: bytes that no longer match the evidence_files row,
      // or a row that no longer matches what the audit chain recorded when the package was stored, are withheld.
      // The file is hashed once per version, not per request (evidence/digest-cache.ts says why).
      const actual = await digests.digest(found.file);
      const recorded = await recordedEvidenceFile(prisma, file);
      const references = [{ sha256: file.sha256, sizeBytes: Number(file.sizeBytes) }, ...(recorded ? [recorded] : [])];
      if (references.some((r) => r.sha256 !== actual.sha256 || r.sizeBytes !== actual.sizeBytes)) {
        request.log.error(
          { evidenceId: file.id, rowSha256: file.sha256, recordedSha256: recorded?.sha256 ?? null, actual },
          'evidence file does not match its recorded hash: refused',
        );
        await recordEvidenceTampered(prisma, {
          actor: actorOf(principalOf(request)),
          file,
          actual,
          recorded,
          requestId: request.id,
        });
        // 500, not 409: nothing in the request conflicts with anything, and no retry or change by the client can
        // fix it; the server's own evidence store failed its integrity check, a fault monitoring must see.
        throw new HttpProblem(
          500,
          '/problems/evidence-tampered',
          `evidence file ${file.id} no longer matches its recorded hash and is withheld; the event is in the audit log`,
          { evidenceId: file.id },
        );
      }

      const size = found.sizeBytes;
      const rangeHeader = request.headers.range;
      const range = parseRange(rangeHeader, size);
      reply
        .header('accept-ranges', 'bytes')
        .header('etag', `"${file.sha256}"`)
        .header('cache-control', 'private, no-store');
      if (range.kind === 'unsatisfiable') {
        reply.header('content-range', `bytes */${size}`);
        throw new HttpProblem(
          416,
          '/problems/range-not-satisfiable',
          `the file has ${size} bytes; requested ${rangeHeader}`,
        );
      }

      // HEAD (a player asking for the size) transfers no evidence, so only GET is a download.
      if (request.method === 'GET') {
        await recordEvidenceDownload(prisma, {
          actor: actorOf(principalOf(request)),
          file,
          range: range.kind === 'partial' ? `${range.start}-${range.end}` : null,
          requestId: request.id,
        });
      }
      const start = range.kind === 'partial' ? range.start : 0;
      const end = range.kind === 'partial' ? range.end : size - 1;
      if (range.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end}/${size}`);
      reply
        .type(file.mime)
        .header('content-length', end - start + 1)
        .header('content-disposition', `inline; filename="${path.basename(file.path).replace(/[^\w.-]/g, '_')}"`);
      // Fastify's HEAD handling keeps our content-length only for stream payloads; an empty one reads nothing.
      if (request.method === 'HEAD') return reply.send(Readable.from([]));
      if (size === 0) return reply.send('');
      return reply.send(createReadStream(found.file, { start, end }));
    },
  );
};

export default evidenceRoutes;
