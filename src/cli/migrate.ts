import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';

const { DATABASE_URL } = loadConfig();
const target = new URL(DATABASE_URL);
try {
  const { applied } = await migrate(DATABASE_URL);
  const where = `${target.host}${target.pathname}`;
  console.log(applied.length ? `Applied to ${where}: ${applied.join(', ')}` : `${where} is up to date`);
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
