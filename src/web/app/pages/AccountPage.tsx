import { useState } from 'preact/hooks';
import { formFieldErrors } from '../field-errors.js';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import { problemText } from '../components/Notice.js';

/** The signed-in user's own account: a password change (their other sessions end). */
export function AccountPage() {
  const { t } = useI18n();
  const { api, me } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setErrors({});
    setMessage(null);
    if (next !== repeat) {
      setErrors({ repeat: t('passwordsDiffer') });
      return;
    }
    try {
      await api.changePassword(current, next);
      setCurrent('');
      setNext('');
      setRepeat('');
      setMessage({ ok: true, text: t('passwordChanged') });
    } catch (err) {
      const fields = formFieldErrors(err, t);
      setErrors(fields);
      setMessage({ ok: false, text: Object.keys(fields).length ? t('fixErrors') : problemText(err, t) });
    }
  };

  const field = (id: string, key: string) =>
    errors[key] ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {};
  const fieldError = (id: string, key: string) =>
    errors[key] && (
      <p id={`${id}-error`} class="field-error">
        {errors[key]}
      </p>
    );

  return (
    <section aria-labelledby="account-title">
      <div class="page-head">
        <h1 id="account-title">{t('accountTitle')}</h1>
        <p class="muted">
          {me.label} · {me.username} · {t(`role_${me.role}`)}
        </p>
      </div>
      <form class="card" onSubmit={submit} aria-labelledby="password-title" noValidate>
        <h2 id="password-title">{t('changePassword')}</h2>
        <p class="hint">{t('passwordHint')}</p>
        <div class="grid-3">
          <div class="field">
            <label for="pw-current">{t('currentPassword')}</label>
            <input
              id="pw-current"
              type="password"
              autoComplete="current-password"
              value={current}
              onInput={(e) => setCurrent(e.currentTarget.value)}
              {...field('pw-current', 'currentPassword')}
            />
            {fieldError('pw-current', 'currentPassword')}
          </div>
          <div class="field">
            <label for="pw-new">{t('newPassword')}</label>
            <input
              id="pw-new"
              type="password"
              autoComplete="new-password"
              minLength={10}
              value={next}
              onInput={(e) => setNext(e.currentTarget.value)}
              {...field('pw-new', 'newPassword')}
            />
            {fieldError('pw-new', 'newPassword')}
          </div>
          <div class="field">
            <label for="pw-repeat">{t('newPasswordRepeat')}</label>
            <input
              id="pw-repeat"
              type="password"
              autoComplete="new-password"
              value={repeat}
              onInput={(e) => setRepeat(e.currentTarget.value)}
              {...field('pw-repeat', 'repeat')}
            />
            {fieldError('pw-repeat', 'repeat')}
          </div>
        </div>
        {message && (
          <p class={message.ok ? 'notice ok' : 'notice error'} role={message.ok ? 'status' : 'alert'}>
            {message.text}
          </p>
        )}
        <button type="submit" disabled={!current || !next || !repeat}>
          {t('changePassword')}
        </button>
      </form>
    </section>
  );
}
