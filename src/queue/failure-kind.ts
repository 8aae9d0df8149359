/**
 * Why a job failed decides what happens next: bad media never gets better (the segment fails at once), a bug in
 * our code gets a few tries, and an infrastructure failure (Postgres or Redis unreachable, restarting, out of
 * connections) is waited out for minutes by BullMQ's backoff and afterwards re-queued by the reconciler.
 */

/** Starts the failed reason BullMQ keeps for a job that failed for infrastructure reasons (the reconciler reads it). */
export const INFRASTRUCTURE_PREFIX = 'infrastructure: ';

export class InfrastructureError extends Error {
  constructor(cause: unknown) {
    super(`${INFRASTRUCTURE_PREFIX}${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'InfrastructureError';
  }
}

export const failedForInfrastructure = (failedReason: string | undefined): boolean =>
  failedReason?.startsWith(INFRASTRUCTURE_PREFIX) ?? false;

/** Prisma's codes for an unreachable, closed, timed out or exhausted database connection. */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1011', 'P1017', 'P2024', 'P2028']);
/** What the pg driver adapter says when the server went away */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATE: connection exceptions (08), insufficient resources (53), operator intervention (57P01-57P03). */
const SQLSTATE = /^(08|53|57P0[123])/;
const REDIS_MESSAGES =
  /^(Connection is closed|Stream isn't writeable|Reached the max retries per request limit|LOADING |READONLY |MASTERDOWN |CLUSTERDOWN )/;

function ownFields(value: object): Record<string, unknown> {
  return value as Record<string, unknown>;
}

/** Looks through the error, its `cause` chain and Prisma's driver-adapter details for a sign of infrastructure. */
export function isInfrastructureError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current !== null && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const fields = ownFields(current);
    const code = typeof fields.code === 'string' ? fields.code : '';
    if (current instanceof InfrastructureError) return true;
    if (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || SQLSTATE.test(code)) return true;
    const name = typeof fields.name === 'string' ? fields.name : '';
    if (name === 'PrismaClientInitializationError' || name === 'MaxRetriesPerRequestError') return true;
    if (typeof fields.message === 'string' && REDIS_MESSAGES.test(fields.message)) return true;
    const meta = fields.meta;
    const adapter =
      meta !== null && typeof meta === 'object'
        ? ownFields(meta).driverAdapterError
        : (fields.driverAdapterError ?? null);
    if (adapter !== null && typeof adapter === 'object') {
      const cause = ownFields(adapter).cause;
      if (cause !== null && typeof cause === 'object') {
        const kind = ownFields(cause).kind;
        const originalCode = ownFields(cause).originalCode ?? ownFields(cause).code;
        if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
        if (typeof originalCode === 'string' && SQLSTATE.test(originalCode)) return true;
      }
    }
    current = fields.cause;
  }
  return false;
}
