import { parseArgs } from 'node:util';
import { backfillEvidenceRecords } from '../audit/evidence-backfill.js';
import { loadConfig } from '../config.js';
import { createPrisma } from '../db/client.js';
import { runCommand, UsageError } from './run-command.js';

const USAGE = `usage: npm run evidence:backfill -- [--evidence-root <dir>] [--json]

One-off, for evidence stored before evidence hashes entered the audit chain: gives each such package its
evidence.recorded audit row (marked backfilled) once every file's bytes match its evidence_files row. A package
whose files do not match is left unrecorded and listed. Safe to run again: a package is recorded once.

  --evidence-root  where the evidence files are (default EVIDENCE_ROOT)
  --json           one JSON object instead of text

Exit 0 = every package recorded, 1 = some refused (listed) or an error, 2 = bad command line.`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'evidence-root': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  const prisma = createPrisma(config.DATABASE_URL);
  try {
    const result = await backfillEvidenceRecords({
      prisma,
      evidenceRoot: values['evidence-root'] ?? config.EVIDENCE_ROOT,
      actor: `cli:${process.env.USER ?? 'unknown'}`,
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      for (const r of result.refused) {
        for (const p of r.problems) process.stdout.write(`REFUSED violation ${r.violationId}  ${p}\n`);
      }
      process.stdout.write(
        `${result.recorded.length} package(s) recorded, ${result.refused.length} refused (files not matching their rows)\n`,
      );
    }
    return result.refused.length === 0 ? 0 : 1;
  } finally {
    await prisma.$disconnect();
  }
}

runCommand('evidence:backfill', USAGE, main);
