import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { projectRoot } from '../../src/config.js';

const run = promisify(execFile);
const plates = path.resolve(projectRoot, '..', 'shared', 'plates');
const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
const cli = path.join(projectRoot, 'src', 'cli', 'plate.ts');
/** Scenes whose plate the CLI must read exactly (of 9); measured 9 with the committed model and grammar decoding. */
const SCENES_EXACT_MIN = 8;

const line = z.object({
  file: z.string(),
  text: z.string().nullable(),
  confidence: z.number().min(0).max(1),
  candidates: z.array(z.object({ text: z.string(), confidence: z.number().min(0).max(1) })),
  format: z.string().nullable(),
});

async function plate(args: string[]): Promise<z.infer<typeof line>[]> {
  const { stdout } = await run(tsx, [cli, ...args], { cwd: projectRoot, maxBuffer: 1 << 20 });
  return stdout
    .trim()
    .split('\n')
    .map((l) => line.parse(JSON.parse(l)));
}

function labels(csv: string): Map<string, string> {
  const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
  return new Map(rows.map((r) => r.split(',') as [string, string]).map(([file, text]) => [file, text]));
}

describe('npm run plate', () => {
  it('finds and reads the plates in full photos (--json, one line per image)', async () => {
    const truth = labels(path.join(plates, 'scenes', 'labels.csv'));
    const files = [...truth.keys()].map((f) => path.join(plates, 'scenes', f));
    const out = await plate(['--json', ...files]);
    expect(out.map((o) => o.file)).toEqual(files);
    const exact = out.filter((o) => o.text === truth.get(path.basename(o.file)));
    expect(exact.length).toBeGreaterThanOrEqual(SCENES_EXACT_MIN);
    for (const o of exact) {
      expect(o.candidates[0]).toEqual({ text: o.text, confidence: o.confidence });
      expect(o.format).not.toBe('unknown');
    }
  }, 180_000);

  it('reads plate crops directly with --crop', async () => {
    const crop = path.join(plates, 'crops-two-row', 'PFB_LPR', 'data_train_서울46_거1127_1628235007350.jpg');
    const [two] = await plate(['--crop', '--json', crop]);
    expect(two!.text).toBe('서울46거1127');
    expect(two!.format).toBe('regional');
  }, 60_000);

  it('rejects a call without images as a usage error', async () => {
    await expect(run(tsx, [cli, '--json'], { cwd: projectRoot })).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});
