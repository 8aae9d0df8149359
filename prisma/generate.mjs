// `prisma generate` needs no database, but the CLI insists that a schema-engine binary exists; it cannot be
// downloaded on offline machines, so point it at any existing file unless the user set one.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY || !existsSync(env.PRISMA_SCHEMA_ENGINE_BINARY)) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = fileURLToPath(import.meta.url);
}
const prismaBin = fileURLToPath(new URL('../node_modules/prisma/build/index.js', import.meta.url));
execFileSync(process.execPath, [prismaBin, 'generate'], { stdio: 'inherit', env });
