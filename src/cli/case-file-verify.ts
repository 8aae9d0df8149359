import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readPublicKey } from '../audit/signing-key.js';
import { verifyCaseFile } from '../casefile/verify.js';
import { runCommand, UsageError } from './run-command.js';

const USAGE = `usage: npm run case-file:verify -- <case-file.zip> --public-key <key.pem> [--public-key <older.pem>]... [--json]

Verifies a case file offline: the Ed25519 signature over its case-file.json with the published public key
(GET /case-files/public-key), every file's sha256 and size, that nothing unlisted is in the ZIP, that the plate crop
and the evidence manifest are the stored originals, and that every blurred copy names a file of that package.

  --public-key  a PEM Ed25519 public key; repeat for keys used before a rotation
  --json        one JSON object instead of text

Exit 0 = verified, 1 = findings (listed) or an error, 2 = bad command line.`;

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        'public-key': { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseCommandLine();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one case file');
  const keys = values['public-key'] ?? [];
  if (keys.length === 0) throw new UsageError('--public-key is required');
  const file = positionals[0]!;
  const publicKeys = await Promise.all(keys.map(readPublicKey));
  const result = verifyCaseFile(await readFile(file), publicKeys);
  if (values.json) {
    const { manifest, ...rest } = result;
    process.stdout.write(`${JSON.stringify({ file, violationId: manifest?.violationId ?? null, ...rest })}\n`);
  } else {
    for (const f of result.findings) process.stdout.write(`FAIL ${f.code}  ${f.where}: ${f.detail}\n`);
    process.stdout.write(
      result.ok
        ? `OK ${file}: violation ${result.manifest?.violationId}, signature by key ${result.keyId}, ${result.files} files verified\n`
        : `${file}: ${result.findings.length} finding(s)\n`,
    );
  }
  return result.ok ? 0 : 1;
}

runCommand('case-file:verify', USAGE, main);
