import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loginName, newPassword } from '../auth/account-input.js';
import { loadConfig } from '../config.js';
import { singleLine } from '../core/text.js';
import { createPrisma } from '../db/client.js';
import { createUser, listUsers, setPassword, unlockUser } from '../db/users.js';

const USAGE = `usage (the password is read from stdin, or asked for twice on a terminal):
  npm run users -- create-admin <login name> [--display-name "Admin Park"]
  npm run users -- create <login name> --role officer|ops|admin [--display-name "Officer Kim"]
  npm run users -- list
  npm run users -- set-password <login name>
  npm run users -- unlock <login name>`;

/** Audit rows name the local operator, since no signed-in user made the change. */
const actor = `cli:${process.env.USER ?? 'unknown'}`;

/** One keypress at a time with the echo off, so the password never shows on the terminal. */
function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    let typed = '';
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          stdin.off('data', onData);
          stdin.setRawMode(false);
          stdin.pause();
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        if (ch === '\u0003') {
          stdin.setRawMode(false);
          reject(new Error('cancelled'));
          return;
        }
        typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return (await text(process.stdin)).split(/\r?\n/)[0] ?? '';
  const first = await askHidden('New password: ');
  if ((await askHidden('Repeat it: ')) !== first) throw new Error('the two passwords differ');
  return first;
}

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      'display-name': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, name] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const login = loginName.safeParse(name);
  if (command !== 'list' && !login.success) {
    console.error(`${command} needs a login name: 2–64 letters, digits, ".", "-" or "_"\n${USAGE}`);
    return 2;
  }
  const prisma = createPrisma(loadConfig().DATABASE_URL);
  try {
    const named = async () => {
      const user = await prisma.user.findUnique({ where: { username: login.data! } });
      if (!user) console.error(`no user "${login.data}"`);
      return user;
    };
    switch (command) {
      case 'create-admin':
      case 'create': {
        const input = z.object({ role: z.enum(['officer', 'ops', 'admin']), displayName: singleLine(100) }).safeParse({
          role: command === 'create-admin' ? 'admin' : values.role,
          displayName: values['display-name'] ?? login.data,
        });
        if (!input.success) {
          console.error(`${command} needs --role officer|ops|admin\n${USAGE}`);
          return 2;
        }
        const password = newPassword.safeParse(await readPassword());
        if (!password.success) {
          console.error('the password must be 10–256 characters');
          return 2;
        }
        const user = await createUser(prisma, {
          username: login.data!,
          password: password.data,
          ...input.data,
          actor,
        });
        console.log(`Created ${user.role} ${user.username} (${user.displayName}), id ${user.id}.`);
        return 0;
      }
      case 'list': {
        for (const u of await listUsers(prisma)) {
          const locked =
            u.lockedUntil && u.lockedUntil > new Date() ? `locked until ${u.lockedUntil.toISOString()}` : '';
          const state = u.disabledAt ? 'disabled' : locked || 'active';
          console.log([u.id, u.role.padEnd(7), u.username.padEnd(20), state.padEnd(40), u.displayName].join('  '));
        }
        return 0;
      }
      case 'set-password': {
        const user = await named();
        if (!user) return 1;
        const password = newPassword.safeParse(await readPassword());
        if (!password.success) {
          console.error('the password must be 10–256 characters');
          return 2;
        }
        await setPassword(prisma, { id: user.id, password: password.data, actor });
        console.log(`Set the password of ${user.username}; their sessions ended.`);
        return 0;
      }
      case 'unlock': {
        const user = await named();
        if (!user) return 1;
        await unlockUser(prisma, { id: user.id, actor });
        console.log(`Unlocked ${user.username}.`);
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
