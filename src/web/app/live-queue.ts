import { useEffect, useRef } from 'preact/hooks';
import { useSession } from './session.js';

/** What the console reads of an alert (src/alerts/violation-alert.ts has the whole body). */
interface AlertEvent {
  violation: { id: string; cameraId: string };
}

/** Longest wait between attempts after the server answered with an error (a 503 while it starts). */
const MAX_RETRY_MS = 60_000;

/**
 * Calls `onRecorded` with each violation recorded while the page is open, from the API's alert stream (GET
 * /alerts/stream, the same the signs and webhooks are fed from). A dropped stream is picked up again by the
 * library; an error answer is retried with a growing wait, except a refused key (401, 403) or one revoked while
 * the stream was open.
 */
export function useRecordedViolations(onRecorded: (violationId: string, cameraId: string) => void): void {
  const { api } = useSession();
  const handler = useRef(onRecorded);
  handler.current = onRecorded;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let source = api.alertStream();
    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      source.close();
    };
    const wire = () => {
      source.onopen = () => (failures = 0);
      source.addEventListener('violation', (event) => {
        const alert = JSON.parse(String(event.data)) as AlertEvent;
        handler.current(alert.violation.id, alert.violation.cameraId);
      });
      source.addEventListener('end', stop);
      source.onerror = (error) => {
        if (error.code === 401 || error.code === 403) return stop();
        if (source.readyState !== source.CLOSED || stopped) return;
        failures++;
        timer = setTimeout(
          () => {
            if (stopped) return;
            source = api.alertStream();
            wire();
          },
          Math.min(MAX_RETRY_MS, 1000 * 2 ** failures),
        );
      };
    };
    wire();
    return stop;
  }, [api]);
}
