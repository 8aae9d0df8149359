import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { unzipSync, zipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseFileManifest, type CaseFileManifest } from '../../src/casefile/format.js';
import { verifyCaseFile } from '../../src/casefile/verify.js';
import { keyIdOf } from '../../src/core/audit-checkpoint.js';
import { redactionPlan } from '../../src/core/redaction.js';
import { projectRoot } from '../../src/config.js';
import type { EvidenceManifest } from '../../src/evidence/package-writer.js';
import { loadImage } from '../../src/vision/image.js';
import { createPrivacyDetector } from '../../src/vision/privacy-detector.js';
import { bearer, expectProblem, startTestApi, type TestApi } from './api-helpers.js';
import { analysedDemoViolations, confirmViolation, laplacianVariance } from './case-file-helpers.js';

const run = promisify(execFile);

let t: TestApi;
let dir: string;
const PLACE = { address: '서울 중구 세종대로 110', latitude: 37.5663, longitude: 126.9779 };
let violationIds: string[];
/** the confirmed violation, one whose package has a plate crop when the clip gives one */
let confirmedId: string;
let zip: Buffer;
let publicKeyFile: string;

/** `npm run case-file:verify` as a user runs it, offline: exit code and output. */
async function verifyCommand(file: string, ...extra: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/case-file-verify.ts', file, '--public-key', publicKeyFile, ...extra],
      { cwd: projectRoot },
    );
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

const entriesOf = (bytes: Uint8Array) => unzipSync(bytes);
const manifestOf = (entries: Record<string, Uint8Array>): CaseFileManifest =>
  caseFileManifest.parse(JSON.parse(Buffer.from(entries['case-file.json']!).toString('utf8')));

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'motoguard-case-file-'));
  t = await startTestApi({ AUDIT_KEY_DIR: path.join(dir, 'keys') });
  ({ violationIds } = await analysedDemoViolations(t, {
    name: `case file cam ${process.pid}`,
    seconds: 4,
    startTimeSource: 'received',
    place: PLACE,
  }));
  expect(violationIds.length).toBeGreaterThan(1);
  const withPlate = await t.prisma.evidenceFile.findFirst({
    where: { violationId: { in: violationIds }, role: 'plate_crop' },
  });
  confirmedId = withPlate?.violationId ?? violationIds[0]!;
  await confirmViolation(t, confirmedId);
}, 600_000);

afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('GET /violations/:id/case-file', () => {
  it('is refused for a case that is not confirmed, and to ops', async () => {
    const pending = violationIds.find((id) => id !== confirmedId)!;
    const refused = expectProblem(
      await t.app.inject({ method: 'GET', url: `/violations/${pending}/case-file`, headers: bearer(t.keys.officer) }),
      409,
    );
    expect(refused.type).toBe('/problems/violation-not-confirmed');
    expectProblem(
      await t.app.inject({ method: 'GET', url: `/violations/${confirmedId}/case-file`, headers: bearer(t.keys.ops) }),
      403,
    );
  });

  it('serves a signed ZIP for a confirmed case, audited as a download', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/violations/${confirmedId}/case-file`,
      headers: bearer(t.keys.officer),
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="case-file-${confirmedId}.zip"`);
    zip = res.rawPayload;
    await writeFile(path.join(dir, 'case-file.zip'), zip);

    const entries = entriesOf(zip);
    const manifest = manifestOf(entries);
    expect(Object.keys(entries).sort()).toEqual(
      ['case-file.json', 'case-file.sig', ...manifest.files.map((f) => f.path)].sort(),
    );
    for (const name of ['notice.pdf', 'evidence/manifest.json', 'evidence/clip.mp4', 'evidence/keyframe-peak.jpg'])
      expect(entries).toHaveProperty([name]);
    expect(manifest).toMatchObject({
      violationId: confirmedId,
      createdBy: `api-key:${t.keyIds.officer}`,
      case: { status: 'confirmed', timeSource: 'received', timeEstimated: true, place: PLACE },
    });
    expect(manifest.case.reviewers.length).toBeGreaterThan(0);
    expect(manifest.redaction.models).toHaveProperty('yunet_n');

    const audit = await t.prisma.auditLog.findFirstOrThrow({
      where: { action: 'case_file.download', entityId: confirmedId },
    });
    expect(audit).toMatchObject({ actor: `api-key:${t.keyIds.officer}`, entityType: 'violation' });
    expect(audit.details).toMatchObject({
      caseFileSha256: res.headers['x-case-file-sha256'],
      packageSha256: manifest.evidencePackage.manifestSha256,
      keyId: manifest.signature.keyId,
    });

    // The notice is one page that renders.
    await writeFile(path.join(dir, 'notice.pdf'), entries['notice.pdf']!);
    const info = await run('pdfinfo', [path.join(dir, 'notice.pdf')]);
    expect(info.stdout).toMatch(/Pages:\s+1\n/);
    await run('pdftoppm', ['-png', '-r', '40', '-singlefile', path.join(dir, 'notice.pdf'), path.join(dir, 'notice')]);
    expect((await sharp(path.join(dir, 'notice.png')).metadata()).width).toBeGreaterThan(300);
  }, 300_000);

  it('publishes the public key that verifies it, to anyone', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/case-files/public-key' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-pem-file/);
    const key = createPublicKey(res.body);
    expect(key.asymmetricKeyType).toBe('ed25519');
    expect(res.headers['x-key-id']).toBe(keyIdOf(key));
    expect(manifestOf(entriesOf(zip)).signature.keyId).toBe(keyIdOf(key));
    // a key of its own, not the audit checkpoints' one
    expect(await readFile(path.join(dir, 'keys', 'case-file-ed25519.pub'), 'utf8')).toBe(res.body);
    publicKeyFile = path.join(dir, 'published.pem');
    await writeFile(publicKeyFile, res.body);
  });

  it('verifies offline with the command, and fails once one byte is changed', async () => {
    const ok = await verifyCommand(path.join(dir, 'case-file.zip'));
    expect(ok.out).toMatch(/^OK .*10 files verified|^OK .* files verified/m);
    expect(ok.code).toBe(0);

    // one byte of a blurred picture, the ZIP rebuilt around it
    const entries = entriesOf(zip);
    const picture = entries['evidence/keyframe-peak.jpg']!;
    const middle = Math.floor(picture.length / 2);
    picture[middle] = picture[middle]! ^ 0x01;
    await writeFile(path.join(dir, 'altered.zip'), zipSync(entries));
    const altered = await verifyCommand(path.join(dir, 'altered.zip'));
    expect(altered.code).toBe(1);
    expect(altered.out).toMatch(/FAIL file_altered {2}evidence\/keyframe-peak\.jpg/);

    // one byte of the ZIP as downloaded, in the middle of the clip's stored bytes
    const raw = Buffer.from(zip);
    const at = Math.floor(raw.length / 2);
    raw[at] = raw[at]! ^ 0x01;
    await writeFile(path.join(dir, 'flipped.zip'), raw);
    const flipped = await verifyCommand(path.join(dir, 'flipped.zip'));
    expect(flipped.code).toBe(1);
    expect(flipped.out).toMatch(/FAIL (file_altered|zip_unreadable)/);

    // case-file.json itself: the signature no longer holds
    const signedPart = entriesOf(zip);
    const json = Buffer.from(signedPart['case-file.json']!).toString('utf8').replace('"confirmed"', '"confirmeD"');
    signedPart['case-file.json'] = Buffer.from(json);
    const forged = verifyCaseFile(zipSync(signedPart), [createPublicKey(await readFile(publicKeyFile, 'utf8'))]);
    expect(forged.findings.map((f) => f.code)).toContain('signature_bad');

    const usage = await verifyCommand(path.join(dir, 'case-file.zip'), 'extra.zip');
    expect(usage.code).toBe(2);
  }, 120_000);
});

describe('blurring in the case file', () => {
  it("keeps the offender's plate crop byte for byte and blurs the faces and plates found elsewhere", async () => {
    const entries = entriesOf(zip);
    const stored = await t.prisma.evidenceFile.findMany({ where: { violationId: confirmedId } });
    const original = (name: string) => {
      const row = stored.find((f) => path.basename(f.path) === name)!;
      return readFile(path.join(t.evidenceRoot, row.path));
    };
    const plateRow = stored.find((f) => f.role === 'plate_crop');
    if (plateRow) {
      expect(Buffer.from(entries['evidence/plate.png']!).equals(await original('plate.png'))).toBe(true);
    }
    expect(Buffer.from(entries['evidence/manifest.json']!).equals(await original('manifest.json'))).toBe(true);

    const manifest = JSON.parse((await original('manifest.json')).toString('utf8')) as EvidenceManifest;
    const peak = manifest.track.boxes.find((b) => b.analysisFrame === manifest.frames.peak.analysisFrame)!.box;
    const offender = { x1: peak[0]!, y1: peak[1]!, x2: peak[2]!, y2: peak[3]! };
    const before = await loadImage(await original('keyframe-peak.jpg'));
    const after = await loadImage(Buffer.from(entries['evidence/keyframe-peak.jpg']!));
    const found = await (await createPrivacyDetector()).detect(before);
    const plan = redactionPlan(found, offender, before.width);
    const blurred = plan.blur;
    // the demo's boulevard shows car plates near the camera: there must be some to blur
    expect(blurred.filter((r) => r.kind === 'plate').length).toBeGreaterThan(2);
    // a region reaching over the offender's plate has that part put back as it was: measured elsewhere
    const overKept = (b: { x1: number; y1: number; x2: number; y2: number }) =>
      plan.keep.some((k) => b.x1 < k.x2 && k.x1 < b.x2 && b.y1 < k.y2 && k.y1 < b.y2);
    const ratios = blurred
      .filter((r) => r.box.x2 - r.box.x1 >= 8 && r.box.y2 - r.box.y1 >= 8 && !overKept(r.box))
      .map((r) => laplacianVariance(after, r.box) / Math.max(1e-6, laplacianVariance(before, r.box)));
    expect(ratios.length).toBeGreaterThan(0);
    // every region lost almost all its fine detail (JPEG noise stays)
    for (const ratio of ratios) expect(ratio).toBeLessThan(0.15);

    // the offender's own plate, where the detector found one in its box, keeps its detail
    for (const plate of plan.keep) {
      expect(laplacianVariance(after, plate)).toBeGreaterThan(0.6 * laplacianVariance(before, plate));
    }
  }, 120_000);

  it('blurs the clip too: a sampled frame of the copy has the regions of the same frame of the original blurred', async () => {
    const entries = entriesOf(zip);
    await writeFile(path.join(dir, 'clip-copy.mp4'), entries['evidence/clip.mp4']!);
    const stored = await t.prisma.evidenceFile.findFirstOrThrow({ where: { violationId: confirmedId, role: 'clip' } });
    const frame = async (file: string) => {
      const png = path.join(dir, `${path.basename(file)}.png`);
      await run('ffmpeg', ['-v', 'error', '-y', '-i', file, '-frames:v', '1', png]);
      return loadImage(png);
    };
    const before = await frame(path.join(t.evidenceRoot, stored.path));
    const after = await frame(path.join(dir, 'clip-copy.mp4'));
    expect([after.width, after.height]).toEqual([before.width, before.height]);
    const found = await (await createPrivacyDetector()).detect(before);
    const plates = found.plates.filter((p) => p.x2 - p.x1 >= 12);
    expect(plates.length).toBeGreaterThan(0);
    const ratios = plates.map((p) => laplacianVariance(after, p) / Math.max(1e-6, laplacianVariance(before, p)));
    // the offender's plate (at most one) may keep its detail; every other plate loses it
    expect(ratios.filter((r) => r < 0.2).length).toBeGreaterThanOrEqual(plates.length - 1);
  }, 120_000);
});

describe('the notice font', () => {
  it('answers a clear problem when the Hangul font is missing', async () => {
    const other = await startTestApi({
      AUDIT_KEY_DIR: path.join(dir, 'keys'),
      CASE_FILE_FONT: path.join(dir, 'no-such-font.ttc'),
      EVIDENCE_ROOT: t.evidenceRoot,
    });
    try {
      const res = await other.app.inject({
        method: 'GET',
        url: `/violations/${confirmedId}/case-file`,
        headers: bearer(other.keys.officer),
      });
      const problem = expectProblem(res, 503);
      expect(problem).toMatchObject({ type: '/problems/case-file-font-missing' });
      expect(problem.detail).toContain('no-such-font.ttc');
    } finally {
      await other.close();
    }
  });
});
