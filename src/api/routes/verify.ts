import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { verifyAuditChain } from '../../db/audit.js';
import { evidenceOfViolation } from '../../db/evidence.js';
import { hashFile } from '../../evidence/file-hash.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../problem.js';
import { resolveInsideRoot } from '../safe-path.js';
import { idParams, secured } from '../schemas.js';

type EvidenceProblem = 'missing' | 'outside_root' | 'sha256_mismatch' | 'size_mismatch';

const verifyRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config }) => {
  app.get(
    '/violations/:id/verify',
    {
      config: { roles: ['officer', 'ops'] },
      schema: {
        tags: ['verification'],
        summary: "Re-hash a violation's evidence files and list any mismatch",
        params: idParams,
        security: secured,
      },
    },
    async (request) => {
      const violation = await prisma.violation.findUnique({ where: { id: request.params.id }, select: { id: true } });
      if (!violation) throw notFound('violation', request.params.id);
      const files = await evidenceOfViolation(prisma, violation.id);
      const mismatches: {
        evidenceId: string;
        role: string;
        path: string;
        problem: EvidenceProblem;
        expected?: string;
        actual?: string;
      }[] = [];
      for (const file of files) {
        const base = { evidenceId: file.id, role: file.role, path: file.path };
        const found = await resolveInsideRoot(config.EVIDENCE_ROOT, file.path);
        if (!found.ok) {
          mismatches.push({ ...base, problem: found.reason === 'outside_root' ? 'outside_root' : 'missing' });
          continue;
        }
        const digest = await hashFile(found.file);
        if (digest.sha256 !== file.sha256)
          mismatches.push({ ...base, problem: 'sha256_mismatch', expected: file.sha256, actual: digest.sha256 });
        else if (BigInt(digest.sizeBytes) !== file.sizeBytes) {
          mismatches.push({
            ...base,
            problem: 'size_mismatch',
            expected: String(file.sizeBytes),
            actual: String(digest.sizeBytes),
          });
        }
      }
      return {
        violationId: violation.id,
        ok: mismatches.length === 0,
        checked: files.length,
        mismatches,
        checkedAt: new Date(),
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
