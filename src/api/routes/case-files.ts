import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import pLimit from 'p-limit';
import { loadSigningKey, type SigningKey } from '../../audit/signing-key.js';
import { buildCaseFile, CASE_FILE_PUBLIC_KEY_PATH, type CaseFileSource } from '../../casefile/build.js';
import { checkNoticeFont, NoticeFontError, type NoticeFont } from '../../casefile/notice-pdf.js';
import type { Config } from '../../config.js';
import { recordCaseFileDownload } from '../../db/case-files.js';
import { getViolationDetail, LIVE_TIME_SOURCE, placeOf } from '../../db/violations.js';
import { hashFile } from '../../evidence/file-hash.js';
import type { Logger } from '../../logger.js';
import { createPrivacyDetector, type PrivacyDetector } from '../../vision/privacy-detector.js';
import type { ApiDeps } from '../deps.js';
import { actorOf } from '../deps.js';
import { checkEvidence, integrityProblem } from '../evidence-integrity.js';
import { principalOf } from '../plugins/auth.js';
import { conflict, HttpProblem, notFound } from '../problem.js';
import { resolveInsideRoot } from '../safe-path.js';
import { idParams, secured } from '../schemas.js';

/** The case-file signing key, loaded (or generated) once per key folder and setting. */
const keys = new Map<string, Promise<SigningKey>>();
function caseFileKey(config: Config, logger: Logger): Promise<SigningKey> {
  const cacheKey = `${config.AUDIT_KEY_DIR}\0${config.CASE_FILE_SIGNING_KEY ?? ''}`;
  let key = keys.get(cacheKey);
  if (!key) {
    key = loadSigningKey(
      { pem: config.CASE_FILE_SIGNING_KEY, dir: config.AUDIT_KEY_DIR, purpose: 'case-file' },
      logger.child({ component: 'case-files' }),
    );
    key.catch(() => keys.delete(cacheKey));
    keys.set(cacheKey, key);
  }
  return key;
}

/** GET /case-files/public-key: public, so whoever receives a case file can verify it. */
export const caseFilePublicKeyRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { config, logger }) => {
  app.get(
    CASE_FILE_PUBLIC_KEY_PATH,
    {
      schema: {
        tags: ['case files'],
        summary:
          'The Ed25519 public key (SPKI PEM) that verifies case files; its key id (first 16 hex of the sha256 of its DER) in x-key-id',
      },
    },
    async (_request, reply) => {
      const key = await caseFileKey(config, logger);
      return reply
        .type('application/x-pem-file')
        .header('x-key-id', key.keyId)
        .header('content-disposition', `inline; filename="motoguard-case-file-${key.keyId}.pem"`)
        .send(key.publicKey.export({ type: 'spki', format: 'pem' }));
    },
  );
};

/** One case file is built at a time per process: each runs the face and plate detectors over a whole clip. */
const building = pLimit(1);

const caseFileRoutes: FastifyPluginAsyncZod<ApiDeps> = async (app, { prisma, config, logger }) => {
  let detector: Promise<PrivacyDetector> | null = null;
  const font: NoticeFont = { file: config.CASE_FILE_FONT, face: config.CASE_FILE_FONT_FACE };

  app.get(
    '/violations/:id/case-file',
    {
      config: { roles: ['officer'] },
      schema: {
        tags: ['case files'],
        summary:
          "A confirmed violation's case file (application/zip): the evidence with faces and other plates blurred, its manifest, a detached Ed25519 signature and a one-page notice in Korean; audited as a download",
        params: idParams,
        security: secured,
      },
    },
    async (request, reply) => {
      const violation = await getViolationDetail(prisma, request.params.id);
      if (!violation) throw notFound('violation', request.params.id);
      if (violation.status !== 'confirmed') {
        throw conflict(
          'violation-not-confirmed',
          `violation ${violation.id} is ${violation.status}: a case file is made only for a confirmed case`,
          { status: violation.status },
        );
      }
      try {
        await checkNoticeFont(font);
      } catch (err) {
        if (!(err instanceof NoticeFontError)) throw err;
        request.log.error({ font: font.file }, err.message);
        throw new HttpProblem(503, '/problems/case-file-font-missing', err.message, { font: font.file });
      }
      // Only evidence that still matches its recorded hashes goes into a signed case file.
      const integrity = await checkEvidence(prisma, config.EVIDENCE_ROOT, violation.id, hashFile);
      if (!integrity.ok) throw integrityProblem(integrity);
      const evidence: CaseFileSource['evidence'][number][] = [];
      for (const file of violation.evidence) {
        const found = await resolveInsideRoot(config.EVIDENCE_ROOT, file.path);
        // checked a moment ago: only a file removed since lands here
        if (!found.ok) throw new Error(`evidence file ${file.id} vanished while its case file was being made`);
        evidence.push({
          role: file.role,
          file: found.file,
          sha256: file.sha256,
          sizeBytes: Number(file.sizeBytes),
          mime: file.mime,
        });
      }

      const principal = principalOf(request);
      const key = await caseFileKey(config, logger);
      detector ??= createPrivacyDetector();
      const tools = { detector: await detector, key, font, actor: actorOf(principal) };
      let built;
      try {
        built = await building(() =>
          buildCaseFile(
            {
              violation,
              camera: violation.camera,
              place: placeOf(violation),
              timeSource: violation.run?.segment.startTimeSource ?? LIVE_TIME_SOURCE,
              reviews: violation.reviews,
              evidence,
            },
            tools,
          ),
        );
      } catch (err) {
        if (err instanceof NoticeFontError) {
          throw new HttpProblem(503, '/problems/case-file-font-missing', err.message, { font: font.file });
        }
        throw err;
      }
      await recordCaseFileDownload(prisma, {
        actor: actorOf(principal),
        violationId: violation.id,
        caseFileSha256: built.manifestSha256,
        zipSha256: createHash('sha256').update(built.zip).digest('hex'),
        packageSha256: built.manifest.evidencePackage.manifestSha256,
        keyId: key.keyId,
        requestId: request.id,
      });
      return reply
        .type('application/zip')
        .header('content-disposition', `attachment; filename="${built.fileName}"`)
        .header('cache-control', 'private, no-store')
        .header('x-case-file-sha256', built.manifestSha256)
        .send(built.zip);
    },
  );
};

export default caseFileRoutes;
