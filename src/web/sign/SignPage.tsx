import { useEffect, useRef, useState } from 'preact/hooks';
import type { SignWarning } from '../../core/sign-warning.js';
import { openSignStream, type Connection } from './sign-stream.js';
import { announcement, speak, warmUpVoices } from './speech.js';

/**
 * The sign's token comes from the URL's fragment (`/sign/<cameraId>#token=mgs_…`): a fragment is never sent to
 * the server, so the token stays out of access logs and proxies, unlike a query string. It stays in the address
 * so that a kiosk browser restarting at that address connects again; the page sends it only in the stream's
 * Authorization header.
 */
function tokenFromFragment(): string | null {
  return new URLSearchParams(window.location.hash.slice(1)).get('token');
}

function cameraIdFromPath(): string {
  return decodeURIComponent(window.location.pathname.split('/')[2] ?? '');
}

function clockOf(warning: SignWarning): string {
  try {
    return new Intl.DateTimeFormat('ko-KR', {
      timeZone: warning.timezone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(warning.time));
  } catch {
    return '';
  }
}

const sameWarning = (a: SignWarning | null, b: SignWarning) =>
  a !== null && a.plate === b.plate && a.warning === b.warning;

const STATUS: Record<Exclude<Connection, 'refused' | 'revoked'>, string> = {
  connecting: '연결 중…',
  live: '연결됨',
  reconnecting: '연결이 끊겨 다시 연결하는 중…',
};

export function SignPage() {
  const [token] = useState(tokenFromFragment);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [warning, setWarning] = useState<SignWarning | null>(null);
  const shown = useRef<SignWarning | null>(null);

  useEffect(() => {
    if (!token) return;
    warmUpVoices();
    return openSignStream(cameraIdFromPath(), token, {
      onConnection: setConnection,
      onWarning: (next) => {
        // The same vehicle again while it is still up (its stay judged in two pieces) keeps it up, unspoken.
        if (next.speak && !sameWarning(shown.current, next)) speak(announcement(next.plate, next.warning));
        shown.current = next;
        setWarning(next);
      },
    });
  }, [token]);

  useEffect(() => {
    if (!warning) return;
    const timer = setTimeout(() => {
      shown.current = null;
      setWarning(null);
    }, warning.displaySeconds * 1000);
    return () => clearTimeout(timer);
  }, [warning]);

  if (!token || connection === 'refused' || connection === 'revoked') {
    return (
      <div class="sign refused" data-state="refused" role="alert">
        <p class="sign-title">표지판을 연결할 수 없습니다</p>
        <p class="sign-detail">
          {!token
            ? '주소에 표지판 토큰(#token=…)이 없습니다.'
            : connection === 'revoked'
              ? '이 표지판의 토큰이 폐기되었습니다.'
              : '표지판 토큰이 올바르지 않거나 폐기되었거나 다른 카메라의 것입니다.'}
        </p>
        <p class="sign-detail">관리자에게 이 표지판의 새 주소를 받으세요.</p>
      </div>
    );
  }

  return (
    <main class="sign" data-state={warning ? 'warning' : 'idle'} data-connection={connection}>
      <div class="sign-board" role="status" aria-live="assertive">
        {warning && (
          <>
            {warning.plate && <p class="sign-plate">{warning.plate}</p>}
            <p class="sign-warning">{warning.warning}</p>
            <p class="sign-time">{clockOf(warning)}</p>
          </>
        )}
      </div>
      <p class={`sign-status ${connection}`}>{STATUS[connection]}</p>
    </main>
  );
}
