import { z } from 'zod';

/**
 * A case file is one ZIP:
 *
 *   case-file.json          what this file is and the sha256 of every other file in the ZIP (below)
 *   case-file.sig           the Ed25519 signature of case-file.json's exact bytes: 64 raw bytes, detached
 *   notice.pdf              the one-page notice sheet in Korean
 *   evidence/manifest.json  the evidence package's manifest, byte for byte as stored (its sha256 is the package hash
 *                           the audit chain recorded; it lists the hashes of the untouched originals)
 *   evidence/plate.png      the offender's plate crop, byte for byte as stored
 *   evidence/*.jpg, clip.mp4  copies of the package's pictures and clip with faces and other plates blurred
 *
 * The signature covers case-file.json, which pins every other file by sha256, so one signature check and one hash
 * per file verify the whole ZIP offline. `openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in case-file.json
 * -sigfile case-file.sig` checks the signature without our code.
 */

export const CASE_FILE_SCHEMA = 'motoguard.case-file/v1';
export const CASE_FILE_JSON = 'case-file.json';
export const CASE_FILE_SIG = 'case-file.sig';
export const NOTICE_PDF = 'notice.pdf';
export const EVIDENCE_DIR = 'evidence/';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().min(0);

export const caseFileEntry = z.strictObject({
  /** inside the ZIP, `/`-separated */
  path: z.string().regex(/^(?:evidence\/)?[\w.-]+$/),
  role: z.enum(['clip', 'keyframe', 'annotated', 'vehicle_crop', 'plate_crop', 'manifest', 'notice']),
  sha256: hex64,
  sizeBytes: count,
  mime: z.string(),
  /** the stored evidence file this one comes from; null for the notice */
  original: z.strictObject({ sha256: hex64, sizeBytes: count }).nullable(),
  /** false: the same bytes as the original; true: a copy with faces and other plates blurred */
  redacted: z.boolean(),
  /** regions the detectors found and this copy blurs (for a clip: summed over the sampled frames) */
  blurred: z.strictObject({ face: count, plate: count, vehicle: count }),
});

/** Where the offence took place: the camera's address and WGS 84 coordinates when the violation was found. */
export const casePlace = z.strictObject({
  address: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
});
export type CasePlace = z.infer<typeof casePlace>;

export const caseFileManifest = z.strictObject({
  schema: z.literal(CASE_FILE_SCHEMA),
  violationId: z.uuid(),
  createdAt: z.iso.datetime(),
  /** the audit actor who downloaded it (`api-key:<id>`) */
  createdBy: z.string(),
  signature: z.strictObject({
    algorithm: z.literal('Ed25519'),
    keyId: z.string().regex(/^[0-9a-f]{16}$/),
    file: z.literal(CASE_FILE_SIG),
    /** where the API publishes the public key */
    publicKey: z.string(),
  }),
  case: z.strictObject({
    status: z.string(),
    plate: z.strictObject({ text: z.string().nullable(), confidence: z.number().nullable(), corrected: z.boolean() }),
    camera: z.strictObject({ name: z.string(), timezone: z.string() }),
    /** null: the camera had no location; absent in case files made before locations were kept */
    place: casePlace.nullable().optional(),
    zone: z.strictObject({ name: z.string(), kind: z.string() }),
    startTime: z.iso.datetime(),
    endTime: z.iso.datetime(),
    /** how the capture time is known (core/capture-time.ts); estimated: shown as 추정 */
    timeSource: z.string(),
    timeEstimated: z.boolean(),
    reviewers: z.array(
      z.strictObject({
        reviewer: z.string(),
        decision: z.string(),
        plateCorrection: z.string().nullable(),
        at: z.iso.datetime(),
      }),
    ),
  }),
  evidencePackage: z.strictObject({
    violationKey: z.string(),
    /** sha256 of evidence/manifest.json: the package hash the audit chain recorded */
    manifestSha256: hex64,
  }),
  redaction: z.strictObject({
    method: z.string(),
    models: z.record(z.string(), hex64),
    clip: z.strictObject({ frames: count, sampledFrames: count, sampleEvery: z.number().int().min(1) }).nullable(),
  }),
  files: z.array(caseFileEntry),
});

export type CaseFileEntry = z.infer<typeof caseFileEntry>;
export type CaseFileManifest = z.infer<typeof caseFileManifest>;
