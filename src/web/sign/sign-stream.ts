import { EventSource } from 'eventsource';
import type { SignWarning } from '../../core/sign-warning.js';

/** Where the sign stands with its stream. */
export type Connection = 'connecting' | 'live' | 'reconnecting' | 'refused' | 'revoked';

export interface SignStreamHandlers {
  onConnection(connection: Connection): void;
  onWarning(warning: SignWarning): void;
}

/** Longest wait between attempts after the server answered with an error (a 503 while it starts, a proxy's 502). */
const MAX_RETRY_MS = 60_000;

/**
 * Reads the camera's sign stream with the sign token in the Authorization header. `eventsource` is the standard
 * EventSource over fetch: the browser's own cannot send a header, and the token would otherwise have to travel in
 * the stream's URL, into server and proxy logs. A dropped stream is reconnected by the library (after the
 * server's `retry`); an error answer makes it give up, so the page starts over itself with a growing wait, except
 * after 401 or 403: a refused token stays refused until ops give the sign a new one. Returns the stop function.
 */
export function openSignStream(cameraId: string, token: string, on: SignStreamHandlers): () => void {
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;

  const stop = () => {
    clearTimeout(timer);
    source?.close();
  };
  const connect = () => {
    const es = new EventSource(`/sign/${encodeURIComponent(cameraId)}/stream`, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } }),
    });
    source = es;
    es.onopen = () => {
      failures = 0;
      on.onConnection('live');
    };
    es.addEventListener('warning', (event) => on.onWarning(JSON.parse(String(event.data)) as SignWarning));
    // the only reason the server ends a sign's stream: its token was revoked
    es.addEventListener('end', () => {
      stop();
      on.onConnection('revoked');
    });
    es.onerror = (error) => {
      if (error.code === 401 || error.code === 403) {
        stop();
        on.onConnection('refused');
        return;
      }
      on.onConnection('reconnecting');
      if (es.readyState === EventSource.CLOSED) {
        failures++;
        timer = setTimeout(connect, Math.min(MAX_RETRY_MS, 1000 * 2 ** failures));
      }
    };
  };
  connect();
  return stop;
}
