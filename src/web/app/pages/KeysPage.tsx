import { useState } from 'preact/hooks';
import { type CreatedApiKey, type Role } from '../api.js';
import { formFieldErrors } from '../field-errors.js';
import { useAsync } from '../hooks.js';
import { localTimeZone, useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import { ErrorNotice, Loading, problemText } from '../components/Notice.js';

const ROLES: readonly Role[] = ['officer', 'ops', 'admin'];

/** Admins manage the API keys of machines and scripts: create (the secret is shown once) and revoke. */
export function KeysPage() {
  const { t, formatTime } = useI18n();
  const { api } = useSession();
  const keys = useAsync(() => api.listKeys(), []);
  const [role, setRole] = useState<Role>('ops');
  const [label, setLabel] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    setCreated(null);
    try {
      setCreated(await api.createKey({ role, label: label.trim() }));
      setLabel('');
      keys.reload();
    } catch (err) {
      const fields = formFieldErrors(err, t);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? t('fixErrors') : problemText(err, t));
    }
  };

  const revoke = async (id: string) => {
    setFormError(null);
    try {
      await api.revokeKey(id);
    } catch (err) {
      setFormError(problemText(err, t));
    }
    keys.reload();
  };

  return (
    <section aria-labelledby="keys-title">
      <div class="page-head">
        <h1 id="keys-title">{t('keysTitle')}</h1>
        <p class="muted">{t('keysHint')}</p>
      </div>
      {keys.error ? <ErrorNotice error={keys.error} onRetry={keys.reload} /> : null}
      {keys.loading && !keys.data ? <Loading /> : null}
      {created && (
        <div class="notice ok" role="status">
          <p>{t('keyCreated')}</p>
          <code data-testid="new-key">{created.key}</code>
        </div>
      )}
      {keys.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('keyPrefix')}</th>
                <th scope="col">{t('role')}</th>
                <th scope="col">{t('keyLabel')}</th>
                <th scope="col">{t('createdAt')}</th>
                <th scope="col">{t('status')}</th>
                <th scope="col">{t('actions')}</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} data-key-id={k.id}>
                  <td>
                    <code>{k.prefix}…</code>
                  </td>
                  <td>{t(`role_${k.role}`)}</td>
                  <td>{k.label}</td>
                  <td>{formatTime(k.createdAt, localTimeZone())}</td>
                  <td class={k.revokedAt ? 'muted' : undefined}>
                    {k.revokedAt ? t('keyRevoked', { time: formatTime(k.revokedAt, localTimeZone()) }) : t('keyActive')}
                  </td>
                  <td>
                    {!k.revokedAt && (
                      <button type="button" class="secondary" onClick={() => revoke(k.id)}>
                        {t('revokeKey')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form class="card" onSubmit={create} aria-labelledby="new-key-title" noValidate>
        <h2 id="new-key-title">{t('newKey')}</h2>
        <div class="grid-3">
          <div class="field">
            <label for="nk-role">{t('role')}</label>
            <select id="nk-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role_${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="nk-label">{t('keyLabel')}</label>
            <input
              id="nk-label"
              value={label}
              maxLength={100}
              onInput={(e) => setLabel(e.currentTarget.value)}
              {...(errors.label ? { 'aria-invalid': true as const, 'aria-describedby': 'nk-label-error' } : {})}
            />
            {errors.label && (
              <p id="nk-label-error" class="field-error">
                {errors.label}
              </p>
            )}
          </div>
        </div>
        {formError && (
          <p class="notice error" role="alert">
            {formError}
          </p>
        )}
        <button type="submit">{t('create')}</button>
      </form>
    </section>
  );
}
