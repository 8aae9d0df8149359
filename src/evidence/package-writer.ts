import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { hashBytes, hashFile, mimeOf, type FileDigest } from './file-hash.js';

/**
 * One violation's evidence lives in `<evidenceRoot>/<camera>/<date>/<violationKey>/`. The package is
 * built in a hidden staging folder beside that path, every file fsynced, then renamed into place in
 * one step, so a reader never sees half a package and a crash leaves at most a `.staging-*` folder.
 */

export type EvidenceRole = 'clip' | 'keyframe' | 'annotated' | 'vehicle_crop' | 'plate_crop' | 'manifest';

export interface EvidenceFileRecord {
  role: EvidenceRole;
  /** absolute path of the committed file */
  path: string;
  /** path relative to the evidence root, `/`-separated (what the database stores) */
  relPath: string;
  sha256: string;
  sizeBytes: number;
  mime: string;
}

export interface PackageLocation {
  evidenceRoot: string;
  camera: string;
  /** YYYY-MM-DD, normally the camera-local date of the violation */
  date: string;
  violationKey: string;
}

/** A moment of the violation: analysed frame, source frame, offset in the segment and wall-clock time. */
export interface FrameReference {
  analysisFrame: number;
  sourceFrame: number;
  sec: number;
  capturedAt: string;
}

/** What the manifest says besides the file list; the writer adds `schema`, `violationKey`, `packagedAt`, `files`. */
export interface EvidenceManifestBody {
  camera: { name: string; timezone: string };
  source: {
    path: string;
    sha256: string | null;
    segmentStart: string;
    /** how segmentStart is known (core/capture-time.ts) */
    segmentStartSource: string;
    /** segmentStart, and every capture time derived from it, is an estimate (추정) */
    segmentStartEstimated: boolean;
    durationSec: number;
    width: number;
    height: number;
    fps: number;
  };
  zone: {
    name: string;
    kind: string;
    polygon: ReadonlyArray<readonly [number, number]>;
    schedule: unknown;
    rules: unknown;
  };
  track: {
    id: number;
    label: string;
    boxes: ReadonlyArray<{ analysisFrame: number; sec: number; box: number[]; score: number }>;
  };
  frames: { entry: FrameReference; peak: FrameReference; exit: FrameReference };
  analysis: {
    fps: number;
    detector: string;
    analysedWidth: number;
    analysedHeight: number;
    configHash: string;
    [detail: string]: unknown;
  };
  models: Record<string, string>;
  pipelineVersion: string;
  plate: unknown;
}

export interface ManifestFileEntry {
  role: EvidenceRole;
  /** relative to the package folder */
  path: string;
  sha256: string;
  sizeBytes: number;
  mime: string;
}

export interface EvidenceManifest extends EvidenceManifestBody {
  schema: typeof MANIFEST_SCHEMA;
  violationKey: string;
  packagedAt: string;
  files: ManifestFileEntry[];
}

export const MANIFEST_SCHEMA = 'motoguard.evidence/v1';
const MANIFEST_NAME = 'manifest.json';

/** Keeps path segments to letters (any script), digits, `.`, `_` and `-`, so names cannot climb out of the root. */
export function safePathSegment(value: string): string {
  const cleaned = value
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+/, '');
  return cleaned.slice(0, 120) || 'unnamed';
}

async function fsyncPath(target: string, flags = 'r'): Promise<void> {
  const handle = await open(target, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeDurable(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(target: string): Promise<boolean> {
  return stat(target).then(
    () => true,
    () => false,
  );
}

export class EvidencePackageDraft {
  private readonly entries = new Map<string, EvidenceRole>();
  /** digests of the files written from bytes in memory, taken as they were written */
  private readonly digests = new Map<string, FileDigest>();
  private settled = false;

  constructor(
    readonly location: PackageLocation,
    readonly stagingDir: string,
    readonly finalDir: string,
  ) {}

  /** Where a file named `name` is staged; adapters that write files themselves (ffmpeg) write here, then `addFile`. */
  pathFor(name: string): string {
    const safe = safePathSegment(name);
    if (safe !== name || name === MANIFEST_NAME) throw new Error(`evidence file name not allowed: ${name}`);
    return path.join(this.stagingDir, name);
  }

  /** Writes bytes into the package. */
  async addBytes(role: EvidenceRole, name: string, data: Uint8Array): Promise<void> {
    this.assertOpen(name);
    await writeDurable(this.pathFor(name), data);
    this.digests.set(name, hashBytes(data));
    this.entries.set(name, role);
  }

  /** Moves a file made outside the package (on the same file system: see openSharedStaging) in as `name`. */
  async moveIn(role: EvidenceRole, name: string, from: string): Promise<void> {
    this.assertOpen(name);
    await rename(from, this.pathFor(name));
    await this.addFile(role, name);
  }

  /** Registers a file already written at `pathFor(name)`. */
  async addFile(role: EvidenceRole, name: string): Promise<void> {
    this.assertOpen(name);
    await fsyncPath(this.pathFor(name), 'r+');
    this.entries.set(name, role);
  }

  /**
   * Hashes every file, writes the manifest, and moves the package into place. A package already at
   * the final path (the same violation analysed again) is replaced as a whole, never merged.
   */
  async commit(body: EvidenceManifestBody): Promise<EvidenceFileRecord[]> {
    if (this.settled) throw new Error('evidence package already committed or discarded');
    const files: ManifestFileEntry[] = [];
    for (const [name, role] of this.entries) {
      const digest = this.digests.get(name) ?? (await hashFile(path.join(this.stagingDir, name)));
      files.push({ role, path: name, ...digest, mime: mimeOf(name) });
    }
    const manifest: EvidenceManifest = {
      schema: MANIFEST_SCHEMA,
      violationKey: this.location.violationKey,
      packagedAt: new Date().toISOString(),
      ...body,
      files,
    };
    const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
    await writeDurable(path.join(this.stagingDir, MANIFEST_NAME), manifestText);
    const manifestDigest = hashBytes(manifestText);
    await fsyncPath(this.stagingDir);

    await this.moveIntoPlace();
    this.settled = true;

    const all: ManifestFileEntry[] = [
      ...files,
      { role: 'manifest', path: MANIFEST_NAME, ...manifestDigest, mime: 'application/json' },
    ];
    return all.map((f) => {
      const absolute = path.join(this.finalDir, f.path);
      return {
        role: f.role,
        path: absolute,
        relPath: path.relative(this.location.evidenceRoot, absolute).split(path.sep).join('/'),
        sha256: f.sha256,
        sizeBytes: f.sizeBytes,
        mime: f.mime,
      };
    });
  }

  /** Removes the staging folder; nothing of this package remains. */
  async discard(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await rm(this.stagingDir, { recursive: true, force: true });
  }

  private assertOpen(name: string): void {
    if (this.settled) throw new Error('evidence package already committed or discarded');
    if (this.entries.has(name)) throw new Error(`evidence file added twice: ${name}`);
  }

  private async moveIntoPlace(): Promise<void> {
    const parent = path.dirname(this.finalDir);
    let aside: string | null = null;
    if (await exists(this.finalDir)) {
      aside = path.join(parent, `.replaced-${path.basename(this.finalDir)}-${randomBytes(4).toString('hex')}`);
      await rename(this.finalDir, aside);
    }
    try {
      await rename(this.stagingDir, this.finalDir);
    } catch (err) {
      if (aside) await rename(aside, this.finalDir);
      throw err;
    }
    await fsyncPath(parent);
    if (aside) await rm(aside, { recursive: true, force: true });
  }
}

/** A new `.staging-<name>-*` folder among a camera's packages of a day (cleanLeftovers removes what a crash left). */
async function stagingFolder(location: Omit<PackageLocation, 'violationKey'>, name: string): Promise<string> {
  const parent = path.join(
    path.resolve(location.evidenceRoot),
    safePathSegment(location.camera),
    safePathSegment(location.date),
  );
  await mkdir(parent, { recursive: true });
  const dir = await mkdtemp(path.join(parent, `.staging-${name}-`));
  // mkdtemp creates 0700; packages are read by the API and reviewers' tools, like every other folder here.
  await chmod(dir, 0o755);
  return dir;
}

/**
 * A staging folder for files made for several packages at once (a segment's clips), on the packages' own file
 * system so that each moves into its package by rename. The caller removes it.
 */
export function openSharedStaging(location: Omit<PackageLocation, 'violationKey'>): Promise<string> {
  return stagingFolder(location, 'shared');
}

/** Starts a package: creates the staging folder beside its final place. */
export async function openEvidencePackage(location: PackageLocation): Promise<EvidencePackageDraft> {
  const key = safePathSegment(location.violationKey);
  const stagingDir = await stagingFolder(location, key);
  const parent = path.dirname(stagingDir);
  return new EvidencePackageDraft(
    { ...location, violationKey: key, evidenceRoot: path.resolve(location.evidenceRoot) },
    stagingDir,
    path.join(parent, key),
  );
}

export interface PackageProblem {
  path: string;
  problem: 'missing' | 'sha256_mismatch' | 'size_mismatch' | 'unlisted';
}

export interface PackageVerification {
  ok: boolean;
  manifest: EvidenceManifest;
  problems: PackageProblem[];
}

/** Re-hashes every file the manifest lists and reports missing, altered or unlisted files. */
export async function verifyPackage(dir: string): Promise<PackageVerification> {
  const manifest = JSON.parse(await readFile(path.join(dir, MANIFEST_NAME), 'utf8')) as EvidenceManifest;
  if (manifest.schema !== MANIFEST_SCHEMA || !Array.isArray(manifest.files)) {
    throw new Error(`${dir}: not a motoguard evidence manifest`);
  }
  const problems: PackageProblem[] = [];
  const listed = new Set<string>([MANIFEST_NAME]);
  for (const file of manifest.files) {
    listed.add(file.path);
    const full = path.join(dir, safePathSegment(file.path));
    if (!(await exists(full))) {
      problems.push({ path: file.path, problem: 'missing' });
      continue;
    }
    const digest = await hashFile(full);
    if (digest.sizeBytes !== file.sizeBytes) problems.push({ path: file.path, problem: 'size_mismatch' });
    else if (digest.sha256 !== file.sha256) problems.push({ path: file.path, problem: 'sha256_mismatch' });
  }
  for (const name of await readdir(dir)) {
    if (!listed.has(name)) problems.push({ path: name, problem: 'unlisted' });
  }
  return { ok: problems.length === 0, manifest, problems };
}

/** A staging folder untouched this long belongs to a writer that died (kill -9, power loss). */
const STALE_STAGING_MS = 60 * 60 * 1000;

/**
 * What a crash left in the evidence store, put right at startup: a `.staging-*` folder untouched for
 * an hour is an unfinished package (its job is retried and writes it again) and goes; a `.replaced-*`
 * folder is a committed package set aside for its replacement, which goes back into place when the
 * replacement never arrived and is removed otherwise. Returns what was done, for the log.
 */
export async function cleanLeftovers(
  evidenceRoot: string,
  now = Date.now(),
): Promise<{ removedStaging: string[]; restored: string[]; removedReplaced: string[] }> {
  const done = { removedStaging: [] as string[], restored: [] as string[], removedReplaced: [] as string[] };
  const dirsIn = async (dir: string) =>
    (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const camera of await dirsIn(evidenceRoot)) {
    for (const date of await dirsIn(path.join(evidenceRoot, camera))) {
      const parent = path.join(evidenceRoot, camera, date);
      for (const name of await dirsIn(parent)) {
        const full = path.join(parent, name);
        if (name.startsWith('.staging-')) {
          if (now - (await stat(full)).mtimeMs < STALE_STAGING_MS) continue;
          await rm(full, { recursive: true, force: true });
          done.removedStaging.push(full);
        } else if (name.startsWith('.replaced-')) {
          const original = path.join(parent, name.slice('.replaced-'.length).replace(/-[0-9a-f]{8}$/, ''));
          if (await exists(original)) {
            await rm(full, { recursive: true, force: true });
            done.removedReplaced.push(full);
          } else {
            await rename(full, original);
            done.restored.push(original);
          }
        }
      }
    }
  }
  return done;
}
