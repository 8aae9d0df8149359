import { createHash, sign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import type { SigningKey } from '../audit/signing-key.js';
import { isEstimated, type CaptureTimeSource } from '../core/capture-time.js';
import type { RedactionPlan } from '../core/redaction.js';
import type { Box, ZoneKind } from '../core/types.js';
import type { EvidenceManifest, EvidenceRole } from '../evidence/package-writer.js';
import { loadImage } from '../vision/image.js';
import type { PrivacyDetector } from '../vision/privacy-detector.js';
import {
  CASE_FILE_JSON,
  CASE_FILE_SCHEMA,
  CASE_FILE_SIG,
  EVIDENCE_DIR,
  NOTICE_PDF,
  type CaseFileEntry,
  type CaseFileManifest,
  type CasePlace,
} from './format.js';
import { renderNotice, type NoticeFont } from './notice-pdf.js';
import { blurStill, countRegions, offenderInClip, planForStill, redactClip } from './redact.js';

/** What the case file is built from: the violation as reviewed, and its stored evidence (already verified). */
export interface CaseFileSource {
  violation: {
    id: string;
    status: string;
    plateText: string | null;
    plateConfidence: number | null;
    zoneName: string;
    zoneKind: ZoneKind;
    startTime: Date;
    endTime: Date;
  };
  camera: { name: string; timezone: string };
  /** the camera's location when the violation was found (see db/violations.ts placeOf); null: none recorded */
  place: CasePlace | null;
  timeSource: CaptureTimeSource;
  reviews: ReadonlyArray<{ reviewer: string; decision: string; plateCorrection: string | null; createdAt: Date }>;
  /** the package's files: absolute path, and the hash and size their rows and the audit chain hold */
  evidence: ReadonlyArray<{ role: EvidenceRole; file: string; sha256: string; sizeBytes: number; mime: string }>;
}

export interface CaseFileTools {
  detector: PrivacyDetector;
  key: SigningKey;
  font: NoticeFont;
  /** who asks for it, as the audit log names them */
  actor: string;
  now?: Date;
}

export interface BuiltCaseFile {
  zip: Buffer;
  manifest: CaseFileManifest;
  /** sha256 of case-file.json, the bytes the signature covers */
  manifestSha256: string;
  fileName: string;
}

export const CASE_FILE_PUBLIC_KEY_PATH = '/case-files/public-key';

const REDACTION_METHOD =
  'faces (YuNet, whole frame), licence plates (VIN_LPD, whole frame and 640 px tiles) and vehicles (PicoDet, whole' +
  " frame) found on each picture and on 5 frames a second of the clip; every face blurred, the offender's rider" +
  " too; every plate but the offender's, and the plate area of every other vehicle; regions grown by 20-25% and" +
  " averaged into at most 6 cells along the longer side; the offender's plate put back as it was afterwards";

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const boxOf = (b: readonly number[]): Box => ({ x1: b[0]!, y1: b[1]!, x2: b[2]!, y2: b[3]! });

/** The crop violation-evidence.ts cut for vehicle.jpg: the peak box with 10% margins, clamped to the frame. */
function vehicleCropOrigin(box: Box, size: { width: number; height: number }): { left: number; top: number } {
  const mx = (box.x2 - box.x1) * 0.1;
  const my = (box.y2 - box.y1) * 0.1;
  return {
    left: Math.max(0, Math.floor(box.x1 - mx)),
    top: Math.min(size.height - 1, Math.max(0, Math.floor(box.y1 - my))),
  };
}

const shift = (b: Box, dx: number, dy: number): Box => ({ x1: b.x1 - dx, y1: b.y1 - dy, x2: b.x2 - dx, y2: b.y2 - dy });

function measured(manifest: EvidenceManifest): string {
  const a = manifest.analysis as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof a.dwellSeconds === 'number') parts.push(`구역 내 ${a.dwellSeconds.toFixed(1)}초`);
  if (typeof a.displacement === 'number') parts.push(`이동 거리 화면 대각선의 ${(a.displacement * 100).toFixed(1)}%`);
  if (typeof a.riderShare === 'number') parts.push(`탑승자 확인 ${(a.riderShare * 100).toFixed(0)}%`);
  return parts.join(' · ') || '측정값 없음';
}

/**
 * Builds a confirmed violation's case file: the evidence with faces and other vehicles' plates blurred (the plate
 * crop and the manifest untouched), the notice sheet, case-file.json listing every file's sha256, and its
 * detached signature, zipped. The originals are only read.
 */
export async function buildCaseFile(source: CaseFileSource, tools: CaseFileTools): Promise<BuiltCaseFile> {
  const now = tools.now ?? new Date();
  const camera = { name: source.camera.name, timezone: source.camera.timezone };
  const byName = new Map(source.evidence.map((e) => [path.basename(e.file), e]));
  const manifestFile = source.evidence.find((e) => e.role === 'manifest');
  if (!manifestFile) throw new Error(`violation ${source.violation.id} has no evidence manifest`);
  const manifestBytes = await readFile(manifestFile.file);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as EvidenceManifest;
  const trackBox = (analysisFrame: number) => {
    const found = manifest.track.boxes.find((b) => b.analysisFrame === analysisFrame);
    return found ? boxOf(found.box) : null;
  };

  const entries: CaseFileEntry[] = [];
  const zipped: Zippable = {};
  const add = (
    name: string,
    data: Uint8Array,
    entry: Omit<CaseFileEntry, 'path' | 'sha256' | 'sizeBytes'>,
    compress: boolean,
  ) => {
    entries.push({ path: name, sha256: sha256(data), sizeBytes: data.length, ...entry });
    zipped[name] = [data, { level: compress ? 6 : 0, mtime: now }];
  };
  const original = (e: { sha256: string; sizeBytes: number }) => ({ sha256: e.sha256, sizeBytes: e.sizeBytes });

  const redactedStills = new Map<string, Buffer>();
  const busiest = { faces: 0, plates: 0, vehicles: 0 };
  let peakPlan: RedactionPlan = { blur: [], keep: [] };
  for (const moment of ['entry', 'peak', 'exit'] as const) {
    const keyframe = byName.get(`keyframe-${moment}.jpg`);
    if (!keyframe) continue;
    const bytes = await readFile(keyframe.file);
    const image = await loadImage(bytes);
    const offender = trackBox(manifest.frames[moment].analysisFrame);
    const plan = await planForStill(image, tools.detector, offender);
    if (moment === 'peak') peakPlan = plan;
    const counted = countRegions(plan.blur);
    busiest.faces = Math.max(busiest.faces, counted.face);
    busiest.plates = Math.max(busiest.plates, counted.plate);
    busiest.vehicles = Math.max(busiest.vehicles, counted.vehicle);
    for (const [role, name] of [
      ['keyframe', `keyframe-${moment}.jpg`],
      ['annotated', `annotated-${moment}.jpg`],
    ] as const) {
      const stored = byName.get(name);
      if (!stored) continue;
      const blurred = await blurStill(role === 'keyframe' ? bytes : await readFile(stored.file), plan);
      redactedStills.set(name, blurred);
      add(
        `${EVIDENCE_DIR}${name}`,
        blurred,
        { role, mime: stored.mime, original: original(stored), redacted: true, blurred: counted },
        false,
      );
    }
  }

  const vehicle = byName.get('vehicle.jpg');
  if (vehicle) {
    const bytes = await readFile(vehicle.file);
    const image = await loadImage(bytes);
    const peakBox = trackBox(manifest.frames.peak.analysisFrame);
    const origin = peakBox ? vehicleCropOrigin(peakBox, manifest.source) : { left: 0, top: 0 };
    const offender = peakBox ? shift(peakBox, origin.left, origin.top) : null;
    // The crop shows the offender: what the peak frame's plan says of its pixels, and what is found on it.
    const own = await planForStill(image, tools.detector, offender);
    const onCrop = (b: Box) => b.x2 > 0 && b.y2 > 0 && b.x1 < image.width && b.y1 < image.height;
    const toCrop = (b: Box) => shift(b, origin.left, origin.top);
    const plan: RedactionPlan = {
      blur: [...peakPlan.blur.map((r) => ({ ...r, box: toCrop(r.box) })), ...own.blur].filter((r) => onCrop(r.box)),
      keep: [...peakPlan.keep.map(toCrop), ...own.keep].filter(onCrop),
    };
    const blurred = await blurStill(bytes, plan);
    redactedStills.set('vehicle.jpg', blurred);
    add(
      `${EVIDENCE_DIR}vehicle.jpg`,
      blurred,
      {
        role: 'vehicle_crop',
        mime: vehicle.mime,
        original: original(vehicle),
        redacted: true,
        blurred: countRegions(plan.blur),
      },
      false,
    );
  }

  const plate = byName.get('plate.png');
  const plateBytes = plate ? await readFile(plate.file) : null;
  if (plate && plateBytes) {
    add(
      `${EVIDENCE_DIR}plate.png`,
      plateBytes,
      {
        role: 'plate_crop',
        mime: plate.mime,
        original: original(plate),
        redacted: false,
        blurred: { face: 0, plate: 0, vehicle: 0 },
      },
      false,
    );
  }

  let clipReport: CaseFileManifest['redaction']['clip'] = null;
  const clip = byName.get('clip.mp4');
  if (clip) {
    const work = await mkdtemp(path.join(os.tmpdir(), 'motoguard-case-file-'));
    try {
      const dest = path.join(work, 'clip.mp4');
      const clipStart = (manifest.analysis as { clipWindowSec?: [number, number] }).clipWindowSec?.[0] ?? 0;
      const report = await redactClip(clip.file, dest, {
        detector: tools.detector,
        offenderAt: offenderInClip(manifest.track.boxes, clipStart),
      });
      clipReport = { frames: report.frames, sampledFrames: report.sampledFrames, sampleEvery: report.sampleEvery };
      add(
        `${EVIDENCE_DIR}clip.mp4`,
        await readFile(dest),
        { role: 'clip', mime: clip.mime, original: original(clip), redacted: true, blurred: report.regions },
        false,
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  add(
    `${EVIDENCE_DIR}manifest.json`,
    manifestBytes,
    {
      role: 'manifest',
      mime: 'application/json',
      original: original(manifestFile),
      redacted: false,
      blurred: { face: 0, plate: 0, vehicle: 0 },
    },
    true,
  );

  const corrected = source.reviews.some(
    (r) => r.plateCorrection !== null && r.plateCorrection === source.violation.plateText,
  );
  const timeEstimated = isEstimated(source.timeSource);
  const annotated = (m: string) => redactedStills.get(`annotated-${m}.jpg`) ?? redactedStills.get(`keyframe-${m}.jpg`);
  const pdf = await renderNotice(
    {
      violationId: source.violation.id,
      plate: { text: source.violation.plateText, confidence: source.violation.plateConfidence, corrected },
      camera,
      place: source.place,
      zone: { name: source.violation.zoneName, kind: source.violation.zoneKind },
      measured: measured(manifest),
      time: {
        start: source.violation.startTime,
        end: source.violation.endTime,
        source: source.timeSource,
        estimated: timeEstimated,
      },
      reviewers: source.reviews.map((r) => ({ name: r.reviewer, decision: r.decision, at: r.createdAt })),
      packageSha256: manifestFile.sha256,
      keyId: tools.key.keyId,
      createdAt: now,
      images: {
        entry: annotated('entry') ?? Buffer.alloc(0),
        peak: annotated('peak') ?? Buffer.alloc(0),
        exit: annotated('exit') ?? Buffer.alloc(0),
        plate: plateBytes,
        vehicle: redactedStills.get('vehicle.jpg') ?? null,
      },
      blurred: busiest,
    },
    tools.font,
  );
  add(
    NOTICE_PDF,
    pdf,
    {
      role: 'notice',
      mime: 'application/pdf',
      original: null,
      redacted: false,
      blurred: { face: 0, plate: 0, vehicle: 0 },
    },
    false,
  );

  const caseFile: CaseFileManifest = {
    schema: CASE_FILE_SCHEMA,
    violationId: source.violation.id,
    createdAt: now.toISOString(),
    createdBy: tools.actor,
    signature: {
      algorithm: 'Ed25519',
      keyId: tools.key.keyId,
      file: CASE_FILE_SIG,
      publicKey: CASE_FILE_PUBLIC_KEY_PATH,
    },
    case: {
      status: source.violation.status,
      plate: { text: source.violation.plateText, confidence: source.violation.plateConfidence, corrected },
      camera,
      place: source.place,
      zone: { name: source.violation.zoneName, kind: source.violation.zoneKind },
      startTime: source.violation.startTime.toISOString(),
      endTime: source.violation.endTime.toISOString(),
      timeSource: source.timeSource,
      timeEstimated,
      reviewers: source.reviews.map((r) => ({
        reviewer: r.reviewer,
        decision: r.decision,
        plateCorrection: r.plateCorrection,
        at: r.createdAt.toISOString(),
      })),
    },
    evidencePackage: { violationKey: manifest.violationKey, manifestSha256: manifestFile.sha256 },
    redaction: { method: REDACTION_METHOD, models: tools.detector.fingerprints, clip: clipReport },
    files: entries,
  };
  const json = Buffer.from(`${JSON.stringify(caseFile, null, 2)}\n`, 'utf8');
  const signature = sign(null, json, tools.key.privateKey);
  const zip = zipSync({
    [CASE_FILE_JSON]: [json, { level: 6, mtime: now }],
    [CASE_FILE_SIG]: [signature, { level: 0, mtime: now }],
    ...zipped,
  });
  return {
    zip: Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength),
    manifest: caseFile,
    manifestSha256: sha256(json),
    fileName: `case-file-${source.violation.id}.zip`,
  };
}
