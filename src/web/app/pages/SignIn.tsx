import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { useI18n } from '../i18n.js';
import { problemText } from '../components/Notice.js';

export function SignIn({ onSignIn }: { onSignIn: (key: string) => Promise<void> }) {
  const { t, lang, setLang } = useI18n();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSignIn(key.trim());
    } catch (err) {
      setError(
        err instanceof ApiError && (err.status === 401 || err.status === 403) ? t('signInFailed') : problemText(err, t),
      );
      setBusy(false);
    }
  };

  return (
    <main id="main" class="signin">
      <form class="card signin-card" onSubmit={submit} aria-describedby="key-hint">
        <h1>
          <span class="logo" aria-hidden="true">
            ◆
          </span>{' '}
          {t('appName')}
        </h1>
        <p class="muted">{t('appTagline')}</p>
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
          aria-invalid={error ? true : undefined}
          aria-describedby="key-hint key-error"
        />
        <p id="key-hint" class="hint">
          {t('apiKeyHint')}
        </p>
        {error && (
          <p id="key-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <div class="row spread">
          <button type="submit" disabled={busy || key.trim() === ''}>
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
    </main>
  );
}
