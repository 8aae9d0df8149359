/** A bad command line: the command prints its usage and exits 2. */
export class UsageError extends Error {}

/** Runs a command's main and exits with its code: 2 for a UsageError (with the usage text), 1 for any other error. */
export function runCommand(name: string, usage: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      const isUsage = err instanceof UsageError;
      process.stderr.write(`${name}: ${(err as Error).message}\n${isUsage ? `${usage}\n` : ''}`);
      process.exit(isUsage ? 2 : 1);
    },
  );
}
