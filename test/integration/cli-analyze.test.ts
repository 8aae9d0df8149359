import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config.js';

const execFileAsync = promisify(execFile);
const DEMO = path.resolve(projectRoot, '..', 'shared', 'footage', 'thanglm_traffic.mp4');
const CAMERA = path.join(projectRoot, 'fixtures', 'demo-camera.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function analyze(args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync('npx', ['tsx', 'src/cli/analyze.ts', ...args], {
      cwd: projectRoot,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run analyze', () => {
  let dir: string;
  let clip: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'motoguard-cli-'));
    // The first 5 s of the demo clip: enough for a motorbike to ride through the zone, half the work.
    clip = path.join(dir, 'thanglm-first5s.mp4');
    await execFileAsync('ffmpeg', ['-v', 'error', '-i', DEMO, '-t', '5', '-c', 'copy', clip]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--json prints one line per violation, then a summary, with evidence paths whose hashes match', async () => {
    const out = path.join(dir, 'evidence');
    const run = await analyze([clip, '--camera', CAMERA, '--json', '--out', out, '--fps', '5']);
    expect(run.stderr).not.toMatch(/analyze:/);
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.at(-1)!;
    expect(Object.keys(summary).sort()).toEqual([
      'framesAnalysed',
      'type',
      'videoSeconds',
      'violations',
      'wallSeconds',
    ]);
    expect(summary.type).toBe('summary');
    expect(Math.abs((summary.framesAnalysed as number) - 25)).toBeLessThanOrEqual(1);
    expect(summary.videoSeconds as number).toBeCloseTo(5, 0);
    expect(summary.wallSeconds as number).toBeGreaterThan(0);

    const violations = lines.slice(0, -1);
    expect(violations.length).toBe(summary.violations);
    expect(violations.length).toBeGreaterThanOrEqual(1);
    for (const v of violations) {
      expect(Object.keys(v).sort()).toEqual([
        'endSec',
        'evidence',
        'plate',
        'startSec',
        'trackId',
        'type',
        'zone',
        'zoneKind',
      ]);
      expect(v).toMatchObject({ type: 'violation', zone: 'motorbike lanes', zoneKind: 'restricted_road' });
      expect(Object.keys(v.plate as object).sort()).toEqual(['candidates', 'confidence', 'text']);
      const evidence = v.evidence as Array<{ role: string; path: string; sha256: string }>;
      expect(evidence.map((e) => e.role)).toEqual(
        expect.arrayContaining(['clip', 'keyframe', 'annotated', 'vehicle_crop', 'manifest']),
      );
      // no --start and no creation_time in the cut: the start is the file's modification time less its duration
      const manifest = JSON.parse(await readFile(evidence.find((e) => e.role === 'manifest')!.path, 'utf8'));
      expect(manifest.source).toMatchObject({ segmentStartSource: 'file_modified', segmentStartEstimated: true });
      for (const e of evidence) {
        expect(Object.keys(e).sort()).toEqual(['path', 'role', 'sha256']);
        expect(path.isAbsolute(e.path) && e.path.startsWith(out)).toBe(true);
        expect(
          createHash('sha256')
            .update(await readFile(e.path))
            .digest('hex'),
        ).toBe(e.sha256);
      }
    }
  }, 600_000);

  it('rejects unknown flags and a missing camera option with usage help', async () => {
    const unknown = await analyze([clip, '--camera', CAMERA, '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("'--frobnicate'");
    expect(unknown.stderr).toContain('usage:');
    expect(unknown.stdout).toBe('');

    const noCamera = await analyze([clip]);
    expect(noCamera.code).toBe(2);
    expect(noCamera.stderr).toContain('missing --camera');
  }, 60_000);

  it('names every problem of an invalid camera file and of one that does not exist', async () => {
    const bad = path.join(dir, 'bad-camera.json');
    await writeFile(
      bad,
      JSON.stringify({
        name: 'x',
        zones: [
          {
            name: 'z',
            kind: 'highway',
            polygon: [
              [0, 0],
              [1.5, 0],
              [1, 1],
            ],
          },
        ],
      }),
    );
    const invalid = await analyze([clip, '--camera', bad]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain(`camera file ${bad} is invalid`);
    expect(invalid.stderr).toMatch(/zones\.0\.kind/);
    expect(invalid.stderr).toMatch(/zones\.0\.polygon/);

    const missing = await analyze([clip, '--camera', path.join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.json cannot be read: ENOENT/);
  }, 60_000);
});
