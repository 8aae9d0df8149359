import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** Project root, so defaults work from any working directory. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Analysis rate, frames per second: ANALYSIS_FPS's default, and analyzeSegment's and the CLIs' when none is given. */
export const DEFAULT_ANALYSIS_FPS = 5;

/** BullMQ's own key prefix: an installation that sets no QUEUE_PREFIX keeps the queues it had. */
export const DEFAULT_QUEUE_PREFIX = 'bull';

const schema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/motoguard'),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Redis key prefix of every queue: installations sharing one Redis each set their own and never see another's jobs. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'QUEUE_PREFIX is 1-64 letters, digits, dots, dashes or underscores')
    .default(DEFAULT_QUEUE_PREFIX),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Where evidence packages are written; the API serves files only from below it. */
  EVIDENCE_ROOT: z.string().default(path.join(projectRoot, 'var', 'evidence')),
  /** Segments registered by path must lie below it; uploads land in its `uploads/` folder. */
  FOOTAGE_ROOT: z.string().default(path.join(projectRoot, 'var', 'footage')),
  /** Extra folder searched first for model files (see src/vision/model-resolver.ts). */
  MOTOGUARD_MODELS_DIR: z.string().optional(),
  MODEL_CACHE_DIR: z.string().default(path.join(projectRoot, '.cache', 'models')),
  PIPELINE_VERSION: z.string().default('0.1.0'),
  ANALYSIS_FPS: z.coerce.number().positive().max(60).default(DEFAULT_ANALYSIS_FPS),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  /** How long a job's lock outlives a worker that died with it, ms: the job is handed on within twice this. */
  WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How often the worker's reconciler re-queues what Redis lost or the infrastructure failed, ms. */
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** queue workers `npm run api` runs beside the routes: batch-completer, webhooks (comma-separated; default none) */
  API_WORKERS: z.string().default(''),
  /** webhook receivers allowed on private, loopback or link-local addresses: comma-separated host names or IPs */
  WEBHOOK_ALLOWED_HOSTS: z.string().default(''),
  /** A plate read below this confidence needs a second, different reviewer. */
  SECOND_REVIEW_THRESHOLD: z.coerce.number().min(0).max(1).default(0.8),
  /** Signed checkpoints of the audit chain's head, one JSON line each (README: "Audit checkpoints"). */
  AUDIT_CHECKPOINT_FILE: z
    .string()
    .min(1)
    .default(path.join(projectRoot, 'var', 'audit', 'checkpoints.jsonl')),
  /** Where the checkpoint signing key is kept, generated on first use, when AUDIT_SIGNING_KEY is not set. */
  AUDIT_KEY_DIR: z
    .string()
    .min(1)
    .default(path.join(projectRoot, 'var', 'audit', 'keys')),
  /** The Ed25519 private key that signs checkpoints, PKCS#8 PEM; wins over the key in AUDIT_KEY_DIR. */
  AUDIT_SIGNING_KEY: z.string().min(1).optional(),
  /** The Ed25519 private key that signs case files, PKCS#8 PEM; else `<AUDIT_KEY_DIR>/case-file-ed25519.key`. */
  CASE_FILE_SIGNING_KEY: z.string().min(1).optional(),
  /** A font with Hangul for the case file's notice sheet (a .ttc collection or a single .ttf/.otf). */
  CASE_FILE_FONT: z.string().min(1).default('/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'),
  /** The face to use inside a .ttc collection (its PostScript name). */
  CASE_FILE_FONT_FACE: z.string().min(1).default('NotoSansCJKkr-Regular'),
  /** A checkpoint once this many audit rows are past the last one... */
  AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(100),
  /** ...or this many seconds after it while any row is: rows past the last checkpoint could be cut unseen. */
  AUDIT_CHECKPOINT_SECONDS: z.coerce.number().int().min(1).max(86_400).default(10),
  /** Largest accepted upload, bytes. */
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 3),
  /** How long a request's body may take to arrive, ms: a client that trickles it is cut off with 408. */
  BODY_TIMEOUT_MS: z.coerce.number().int().positive().default(30_000),
  /** The same for an authorised upload, ms: the default takes MAX_UPLOAD_BYTES' default at 5 Mbit/s. */
  UPLOAD_TIMEOUT_MS: z.coerce.number().int().positive().default(3_600_000),
  /** A console session ends after this many minutes without a request... */
  SESSION_IDLE_MINUTES: z.coerce.number().positive().max(1440).default(30),
  /** ...and this many hours after sign-in in any case. */
  SESSION_MAX_HOURS: z.coerce.number().positive().max(720).default(12),
  /** The session cookie's Secure flag: `auto` sets it on https requests; `always` behind a TLS-terminating proxy. */
  SESSION_COOKIE_SECURE: z.enum(['auto', 'always', 'never']).default('auto'),
  /** This many wrong passwords in a row lock an account... */
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  /** ...for this many minutes (an admin may unlock it sooner). */
  LOGIN_LOCK_MINUTES: z.coerce.number().positive().max(1440).default(15),
});

export type Config = z.infer<typeof schema>;

/** Parse the environment once; a bad value stops the process with a message naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}
