import { createHash, verify, type KeyObject } from 'node:crypto';
import { unzipSync } from 'fflate';
import { keyIdOf } from '../core/audit-checkpoint.js';
import { CASE_FILE_JSON, CASE_FILE_SIG, EVIDENCE_DIR, caseFileManifest, type CaseFileManifest } from './format.js';

export type CaseFileFindingCode =
  | 'zip_unreadable'
  | 'case_file_missing'
  | 'case_file_unreadable'
  | 'signature_missing'
  | 'signature_unknown_key'
  | 'signature_bad'
  | 'file_missing'
  | 'file_altered'
  | 'file_unlisted'
  | 'original_mismatch'
  | 'package_hash_mismatch';

export interface CaseFileFinding {
  code: CaseFileFindingCode;
  where: string;
  detail: string;
}

export interface CaseFileVerification {
  ok: boolean;
  findings: CaseFileFinding[];
  manifest: CaseFileManifest | null;
  /** the key that verified the signature */
  keyId: string | null;
  files: number;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * Verifies a case file offline with the published public key(s): the Ed25519 signature over case-file.json; every
 * file it lists, by sha256 and size; that nothing unlisted is in the ZIP; that the untouched files (plate crop,
 * evidence manifest) have their originals' hashes; that each blurred copy names an original the evidence manifest
 * lists; and that the evidence manifest is the package the case file names.
 */
export function verifyCaseFile(zip: Uint8Array, publicKeys: readonly KeyObject[]): CaseFileVerification {
  const findings: CaseFileFinding[] = [];
  const done = (manifest: CaseFileManifest | null, keyId: string | null, files = 0): CaseFileVerification => ({
    ok: findings.length === 0,
    findings,
    manifest,
    keyId,
    files,
  });
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip);
  } catch (err) {
    findings.push({ code: 'zip_unreadable', where: 'zip', detail: (err as Error).message });
    return done(null, null);
  }
  const json = entries[CASE_FILE_JSON];
  if (!json) {
    findings.push({ code: 'case_file_missing', where: CASE_FILE_JSON, detail: 'the ZIP holds no case-file.json' });
    return done(null, null);
  }
  let manifest: CaseFileManifest;
  try {
    const parsed = caseFileManifest.safeParse(JSON.parse(Buffer.from(json).toString('utf8')));
    if (!parsed.success)
      throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    manifest = parsed.data;
  } catch (err) {
    findings.push({ code: 'case_file_unreadable', where: CASE_FILE_JSON, detail: (err as Error).message });
    return done(null, null);
  }

  let keyId: string | null = null;
  const signature = entries[CASE_FILE_SIG];
  if (!signature) {
    findings.push({ code: 'signature_missing', where: CASE_FILE_SIG, detail: 'the ZIP holds no signature' });
  } else {
    const key = publicKeys.find((k) => keyIdOf(k) === manifest.signature.keyId);
    if (!key) {
      findings.push({
        code: 'signature_unknown_key',
        where: CASE_FILE_SIG,
        detail: `signed with key ${manifest.signature.keyId}; the keys given are ${publicKeys.map(keyIdOf).join(', ') || 'none'}`,
      });
    } else if (!verify(null, json, key, signature)) {
      findings.push({
        code: 'signature_bad',
        where: CASE_FILE_SIG,
        detail: `the signature does not verify over case-file.json with key ${manifest.signature.keyId}`,
      });
    } else {
      keyId = manifest.signature.keyId;
    }
  }

  const listed = new Set([CASE_FILE_JSON, CASE_FILE_SIG]);
  for (const file of manifest.files) {
    listed.add(file.path);
    const data = entries[file.path];
    if (!data) {
      findings.push({ code: 'file_missing', where: file.path, detail: 'listed in case-file.json but not in the ZIP' });
      continue;
    }
    const actual = sha256(data);
    if (actual !== file.sha256 || data.length !== file.sizeBytes) {
      findings.push({
        code: 'file_altered',
        where: file.path,
        detail: `sha256 ${actual} (${data.length} B), case-file.json says ${file.sha256} (${file.sizeBytes} B)`,
      });
    }
    if (file.original && !file.redacted && file.original.sha256 !== file.sha256) {
      findings.push({
        code: 'original_mismatch',
        where: file.path,
        detail: `an untouched copy must have its original's sha256 ${file.original.sha256}`,
      });
    }
  }
  for (const name of Object.keys(entries)) {
    if (!listed.has(name) && !name.endsWith('/')) {
      findings.push({ code: 'file_unlisted', where: name, detail: 'in the ZIP but not listed in case-file.json' });
    }
  }

  const evidenceManifest = entries[`${EVIDENCE_DIR}manifest.json`];
  if (evidenceManifest) {
    const actual = sha256(evidenceManifest);
    if (actual !== manifest.evidencePackage.manifestSha256) {
      findings.push({
        code: 'package_hash_mismatch',
        where: `${EVIDENCE_DIR}manifest.json`,
        detail: `sha256 ${actual}, the case file names package ${manifest.evidencePackage.manifestSha256}`,
      });
    } else {
      // Each copy's original must be a file of that package (the manifest lists every file but itself).
      let originals: Map<string, string>;
      try {
        const parsed = JSON.parse(Buffer.from(evidenceManifest).toString('utf8')) as {
          files?: Array<{ path: string; sha256: string }>;
        };
        originals = new Map((parsed.files ?? []).map((f) => [`${EVIDENCE_DIR}${f.path}`, f.sha256]));
      } catch {
        originals = new Map();
      }
      for (const file of manifest.files) {
        if (!file.original || file.path === `${EVIDENCE_DIR}manifest.json`) continue;
        if (originals.get(file.path) !== file.original.sha256) {
          findings.push({
            code: 'original_mismatch',
            where: file.path,
            detail: `its original ${file.original.sha256} is not the file the evidence manifest lists (${originals.get(file.path) ?? 'none'})`,
          });
        }
      }
    }
  }
  return done(manifest, keyId, manifest.files.length);
}
