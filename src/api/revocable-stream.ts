import type { FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';

const HEARTBEAT_MS = 15_000;
/** An open stream re-checks its credential this often (and before each event): a revoked one's stream ends. */
const CREDENTIAL_CHECK_MS = 5_000;

export interface RevocableStream {
  request: FastifyRequest;
  /** the hijacked response, its event-stream head already written */
  res: ServerResponse;
  /** names the credential in the log line of a failed check, e.g. 'alert stream key' */
  credential: string;
  /** whether the credential the stream was opened with still holds */
  isActive: () => Promise<boolean>;
  /** the `end` event's reason once it does not */
  revokedReason: string;
  /** subscribes `send` to the stream's events (serialised SSE text); returns the unsubscribe */
  subscribe: (send: (event: string) => void) => () => void;
  /** the route's open streams, ended when the server closes */
  open: Set<() => void>;
}

/**
 * Carries a server-sent event stream while the credential it was opened with holds, with heartbeats, and ends it
 * (saying why) once the credential is revoked, when the client goes or when the server closes. Events and
 * credential checks run one after another, so events keep their order.
 */
export function runRevocableStream(s: RevocableStream): void {
  let ended = false;
  let chain = Promise.resolve();
  const whileActive = (write: () => void) => {
    chain = chain
      .then(async () => {
        if (ended) return;
        if (await s.isActive()) write();
        else end(s.revokedReason);
      })
      .catch((err: unknown) => s.request.log.warn({ err }, `${s.credential} check failed`));
  };
  const unsubscribe = s.subscribe((event) => whileActive(() => s.res.write(event)));
  const heartbeat = setInterval(() => s.res.write(': heartbeat\n\n'), HEARTBEAT_MS);
  const check = setInterval(() => whileActive(() => undefined), CREDENTIAL_CHECK_MS);
  const end = (reason?: string) => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    clearInterval(check);
    unsubscribe();
    s.open.delete(end);
    if (reason) s.res.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    s.res.end();
  };
  s.open.add(end);
  s.request.raw.once('close', () => end());
}
