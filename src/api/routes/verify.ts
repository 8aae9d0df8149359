import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { readLastCheckpoint } from '../../audit/checkpointer.js';
import { caseAuditTrail, verifyAuditChain } from '../../db/audit.js';
import { hashFile } from '../../evidence/file-hash.js';
import type { ApiDeps } from '../deps.js';
import { checkEvidence } from '../evidence-integrity.js';
import { notFound } from '../problem.js';
import { auditTrailQuery, auditTrailResponse, evidenceIntegrityResponse, idParams, secured } from '../schemas.js';

const verifyRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  app.get(
    '/violations/:id/verify',
    {
      config: { roles: ['officer', 'ops'] },
      schema: {
        tags: ['verification'],
        summary:
          "Re-hash a violation's evidence files and list any mismatch with their rows or with the hashes the audit chain recorded",
        params: idParams,
        security: secured,
        response: { 200: evidenceIntegrityResponse },
      },
    },
    async (request) => {
      const violation = await prisma.violation.findUnique({ where: { id: request.params.id }, select: { id: true } });
      if (!violation) throw notFound('violation', request.params.id);
      // An explicit verify hashes every byte again rather than trusting a cached digest.
      return checkEvidence(prisma, config.EVIDENCE_ROOT, violation.id, hashFile);
    },
  );

  app.get(
    '/violations/:id/audit',
    {
      config: { roles: ['officer', 'ops'] },
      schema: {
        tags: ['verification'],
        summary:
          "A case's audit trail, newest first (views, reviews, its stored package, evidence downloads), each row checked against its neighbours in the chain",
        params: idParams,
        querystring: auditTrailQuery,
        security: secured,
        response: { 200: auditTrailResponse },
      },
    },
    async (request) => {
      const violation = await prisma.violation.findUnique({ where: { id: request.params.id }, select: { id: true } });
      if (!violation) throw notFound('violation', request.params.id);
      const [rows, last] = await Promise.all([
        caseAuditTrail(prisma, violation.id, request.query.limit),
        readLastCheckpoint(config.AUDIT_CHECKPOINT_FILE),
      ]);
      const checkpoint = last?.checkpoint;
      const headId = checkpoint ? BigInt(checkpoint.headId) : 0n;
      const firstBad = rows.findLast((r) => !r.linked);
      return {
        items: rows.map((r) => ({
          ...r,
          id: r.id.toString(),
          details: r.details as Record<string, unknown>,
          anchored: r.id <= headId,
        })),
        chain: { ok: firstBad === undefined, checked: rows.length, firstBadId: firstBad?.id.toString() ?? null },
        lastCheckpoint: checkpoint ? { seq: checkpoint.seq, headId: checkpoint.headId, at: checkpoint.at } : null,
      };
    },
  );

  app.get(
    '/audit/verify',
    {
      config: { roles: ['officer', 'ops'] },
      schema: {
        tags: ['verification'],
        summary: 'Walk the audit log hash chain and report the first break',
        security: secured,
      },
    },
    async () => verifyAuditChain(prisma),
  );
};

export default verifyRoutes;
