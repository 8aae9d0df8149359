import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../config.js';
import { singleLine } from '../core/text.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../db/api-keys.js';
import { createPrisma } from '../db/client.js';

const USAGE = `usage:
  npm run keys -- create --role officer|ops|admin --label "who holds it"
  npm run keys -- list
  npm run keys -- revoke <key id>`;

/** Audit rows name the local operator, since no API key made the change. */
const actor = `cli:${process.env.USER ?? 'unknown'}`;

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, label: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const prisma = createPrisma(loadConfig().DATABASE_URL);
  try {
    switch (command) {
      case 'create': {
        const input = z
          .object({ role: z.enum(['officer', 'ops', 'admin']), label: singleLine(100) })
          .safeParse({ role: values.role, label: values.label });
        if (!input.success) {
          console.error(`create needs --role officer|ops|admin and --label\n${USAGE}`);
          return 2;
        }
        const key = await createApiKey(prisma, { ...input.data, actor });
        console.log(`Created ${key.role} key ${key.id} (${key.label}).`);
        console.log('The key is shown only now; store it safely:');
        console.log(key.secret);
        return 0;
      }
      case 'list': {
        for (const k of await listApiKeys(prisma)) {
          const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
          console.log([k.id, k.role.padEnd(7), `${k.prefix}…`, state.padEnd(32), k.label].join('  '));
        }
        return 0;
      }
      case 'revoke': {
        const id = z.uuid().safeParse(rest[0]);
        if (!id.success) {
          console.error(`revoke needs a key id (see "list")\n${USAGE}`);
          return 2;
        }
        const key = await revokeApiKey(prisma, { id: id.data, actor });
        if (!key) {
          console.error(`no key ${id.data}`);
          return 1;
        }
        console.log(`Revoked ${key.role} key ${key.id} (${key.label}).`);
        return 0;
      }
      default:
        console.error(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } finally {
    await prisma.$disconnect();
  }
}

process.exitCode = await run(process.argv.slice(2)).catch((err: unknown) => {
  console.error((err as Error).message);
  return 1;
});
