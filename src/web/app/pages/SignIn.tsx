import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { localTimeZone, useI18n } from '../i18n.js';
import { problemText } from '../components/Notice.js';

interface Props {
  onPasswordSignIn: (username: string, password: string) => Promise<void>;
  /** kept for scripts and older set-ups: a machine API key, held in this tab only */
  onKeySignIn: (key: string) => Promise<void>;
}

export function SignIn({ onPasswordSignIn, onKeySignIn }: Props) {
  const { t, lang, setLang, formatTime } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [keyError, setKeyError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onPasswordSignIn(username.trim(), password);
    } catch (err) {
      const locked = err instanceof ApiError && err.status === 423;
      const until = locked ? (err.problem as { lockedUntil?: string }).lockedUntil : undefined;
      setError(
        locked
          ? t('accountLocked', { time: formatTime(until, localTimeZone()) })
          : err instanceof ApiError && err.status === 401
            ? t('passwordSignInFailed')
            : problemText(err, t),
      );
      setPassword('');
      setBusy(false);
    }
  };

  const submitKey = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setKeyError(null);
    try {
      await onKeySignIn(key.trim());
    } catch (err) {
      setKeyError(
        err instanceof ApiError && (err.status === 401 || err.status === 403) ? t('signInFailed') : problemText(err, t),
      );
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin">
      <div class="card signin-card">
        <form onSubmit={submit} aria-labelledby="signin-title">
          <h1 id="signin-title">
            <span class="logo" aria-hidden="true">
              ◆
            </span>{' '}
            {t('appName')}
          </h1>
          <p class="muted">{t('appTagline')}</p>
          <label for="username">{t('username')}</label>
          <input
            id="username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby="signin-error"
          />
          <label for="password">{t('password')}</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby="signin-error"
          />
          {error && (
            <p id="signin-error" class="field-error" role="alert">
              {error}
            </p>
          )}
          <div class="row spread">
            <button type="submit" disabled={busy || username.trim() === '' || password === ''}>
              {t('signIn')}
            </button>
            <label class="lang">
              <span class="sr-only">{t('language')}</span>
              <select value={lang} onChange={(e) => setLang(e.currentTarget.value === 'en' ? 'en' : 'ko')}>
                <option value="ko">한국어</option>
                <option value="en">English</option>
              </select>
            </label>
          </div>
        </form>
        <details>
          <summary>{t('signInWithKey')}</summary>
          <form onSubmit={submitKey} aria-describedby="key-hint">
            <label for="api-key">{t('apiKey')}</label>
            <input
              id="api-key"
              name="api-key"
              type="password"
              autoComplete="off"
              spellcheck={false}
              required
              value={key}
              onInput={(e) => setKey(e.currentTarget.value)}
              aria-invalid={keyError ? true : undefined}
              aria-describedby="key-hint key-error"
            />
            <p id="key-hint" class="hint">
              {t('apiKeyHint')}
            </p>
            {keyError && (
              <p id="key-error" class="field-error" role="alert">
                {keyError}
              </p>
            )}
            <button type="submit" disabled={busy || key.trim() === ''}>
              {t('signInKeyButton')}
            </button>
          </form>
        </details>
      </div>
    </main>
  );
}
