import { createReadStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { getEvidenceFile, recordEvidenceDownload } from '../../db/evidence.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { parseRange } from '../http-range.js';
import { principalOf } from '../plugins/auth.js';
import { HttpProblem, forbidden, notFound } from '../problem.js';
import { resolveInsideRoot } from '../safe-path.js';
import { idParams, secured } from '../schemas.js';

const evidenceRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  app.get(
    '/evidence/:id',
    {
      config: { roles: ['officer', 'ops'] },
      schema: {
        tags: ['evidence'],
        summary: 'Stream one evidence file (supports Range); every download is audited',
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
