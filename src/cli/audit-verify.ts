import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { PUBLIC_KEY_FILE, readPublicKey } from '../audit/signing-key.js';
import { verifyAnchored } from '../audit/verify-anchored.js';
import { loadConfig } from '../config.js';
import { createPrisma } from '../db/client.js';
import { runCommand, UsageError } from './run-command.js';

const USAGE = `usage: npm run audit:verify -- [--checkpoints <file>] [--public-key <file>]... [--evidence-root <dir>] [--database-url <url>] [--json]

Verifies the audit trail offline: the hash chain's links; every checkpoint's Ed25519 signature and sequence; that
the chain still holds each checkpointed head with the same hash and the same number of rows up to it; and every
evidence package the chain recorded against its evidence_files rows and the files' bytes.

  --checkpoints    the checkpoint file (default AUDIT_CHECKPOINT_FILE)
  --public-key     a PEM Ed25519 public key that signed checkpoints; repeat for keys used before a rotation
                   (default <AUDIT_KEY_DIR>/${PUBLIC_KEY_FILE})
  --evidence-root  where the evidence files are (default EVIDENCE_ROOT)
  --database-url   the database (default DATABASE_URL)
  --json           one JSON object instead of text

Rows after the last checkpoint are listed as UNANCHORED (how many, their ids): nothing outside the database vouches
for them yet. They are not a finding.

Exit 0 = nothing found, 1 = findings (listed) or an error, 2 = bad command line.`;

const args = z.strictObject({
  checkpoints: z.string().min(1),
  publicKeys: z.array(z.string().min(1)).min(1),
  evidenceRoot: z.string().min(1),
  databaseUrl: z.url({ protocol: /^postgres(ql)?$/ }),
  json: z.boolean(),
});

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        checkpoints: { type: 'string' },
        'public-key': { type: 'string', multiple: true },
        'evidence-root': { type: 'string' },
        'database-url': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function main(): Promise<number> {
  const { values } = parseCommandLine();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  const parsed = args.safeParse({
    checkpoints: values.checkpoints ?? config.AUDIT_CHECKPOINT_FILE,
    publicKeys: values['public-key'] ?? [path.join(config.AUDIT_KEY_DIR, PUBLIC_KEY_FILE)],
    evidenceRoot: values['evidence-root'] ?? config.EVIDENCE_ROOT,
    databaseUrl: values['database-url'] ?? config.DATABASE_URL,
    json: values.json,
  });
  if (!parsed.success)
    throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const options = parsed.data;

  const publicKeys = await Promise.all(options.publicKeys.map(readPublicKey));
  const prisma = createPrisma(options.databaseUrl);
  try {
    const result = await verifyAnchored({
      prisma,
      checkpointFile: options.checkpoints,
      publicKeys,
      evidenceRoot: options.evidenceRoot,
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      for (const f of result.findings) process.stdout.write(`FAIL ${f.code}  ${f.where}: ${f.detail}\n`);
      const range = result.unanchoredRange;
      if (range) {
        process.stdout.write(
          `UNANCHORED ${result.unanchoredRows} audit row(s), ids ${range.firstId}–${range.lastId}, come after the last ` +
            'checkpoint: cutting or rewriting them would not show until the API checkpoints them ' +
            '(AUDIT_CHECKPOINT_SECONDS, and on shutdown)\n',
        );
      }
      process.stdout.write(
        `${result.auditRows} audit rows, ${result.checkpoints} checkpoints (${result.unanchoredRows} rows after the last), ` +
          `${result.evidenceFiles} evidence files: ${result.ok ? 'OK' : `${result.findings.length} finding(s)`}\n`,
      );
    }
    return result.ok ? 0 : 1;
  } finally {
    await prisma.$disconnect();
  }
}

runCommand('audit:verify', USAGE, main);
