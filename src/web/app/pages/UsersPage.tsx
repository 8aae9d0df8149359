import { useState } from 'preact/hooks';
import { type Role, type User } from '../api.js';
import { formFieldErrors } from '../field-errors.js';
import { useAsync } from '../hooks.js';
import { localTimeZone, useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import { ErrorNotice, Loading, problemText } from '../components/Notice.js';

const ROLES: readonly Role[] = ['officer', 'ops', 'admin'];

/** Admins manage console accounts: create, change role, disable or enable, unlock after a lock-out. */
export function UsersPage() {
  const { t, formatTime } = useI18n();
  const { api, me } = useSession();
  const users = useAsync(() => api.listUsers(), []);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);

  const act = async (work: () => Promise<unknown>) => {
    setNotice(null);
    try {
      await work();
    } catch (err) {
      setNotice({ ok: false, text: problemText(err, t) });
    }
    users.reload();
  };

  const status = (u: User) => {
    if (u.disabledAt) return t('userDisabled');
    if (u.lockedUntil && Date.parse(u.lockedUntil) > Date.now())
      return t('userLocked', { time: formatTime(u.lockedUntil, localTimeZone()) });
    return t('userActive');
  };

  return (
    <section aria-labelledby="users-title">
      <div class="page-head">
        <h1 id="users-title">{t('usersTitle')}</h1>
      </div>
      {users.error ? <ErrorNotice error={users.error} onRetry={users.reload} /> : null}
      {users.loading && !users.data ? <Loading /> : null}
      {notice && (
        <p class={notice.ok ? 'notice ok' : 'notice error'} role={notice.ok ? 'status' : 'alert'}>
          {notice.text}
        </p>
      )}
      {users.data && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('username')}</th>
                <th scope="col">{t('displayName')}</th>
                <th scope="col">{t('role')}</th>
                <th scope="col">{t('status')}</th>
                <th scope="col">{t('actions')}</th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => {
                const self = u.id === me.id;
                const locked = u.lockedUntil !== null && Date.parse(u.lockedUntil) > Date.now();
                return (
                  <tr key={u.id} data-username={u.username}>
                    <td>
                      {u.username} {self && <span class="muted">{t('ownAccount')}</span>}
                    </td>
                    <td>{u.displayName}</td>
                    <td>
                      <select
                        aria-label={`${t('role')}: ${u.username}`}
                        value={u.role}
                        disabled={self}
                        onChange={(e) => act(() => api.updateUser(u.id, { role: e.currentTarget.value as Role }))}
                      >
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {t(`role_${r}`)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td class={u.disabledAt || locked ? 'error-text' : undefined}>{status(u)}</td>
                    <td>
                      <div class="row">
                        {locked && (
                          <button type="button" class="secondary" onClick={() => act(() => api.unlockUser(u.id))}>
                            {t('unlockUser')}
                          </button>
                        )}
                        {!self && (
                          <button
                            type="button"
                            class="secondary"
                            onClick={() => act(() => api.updateUser(u.id, { disabled: u.disabledAt === null }))}
                          >
                            {u.disabledAt ? t('enableUser') : t('disableUser')}
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <NewUserForm
        onCreated={(u) => {
          setNotice({ ok: true, text: t('userCreated', { name: u.username }) });
          users.reload();
        }}
      />
    </section>
  );
}

function NewUserForm({ onCreated }: { onCreated: (u: User) => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('officer');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    try {
      const user = await api.createUser({ username: username.trim(), displayName: displayName.trim(), password, role });
      setUsername('');
      setDisplayName('');
      setPassword('');
      onCreated(user);
    } catch (err) {
      const fields = formFieldErrors(err, t);
      setErrors(fields);
      setFormError(Object.keys(fields).length ? t('fixErrors') : problemText(err, t));
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
    <form class="card" onSubmit={submit} aria-labelledby="new-user-title" noValidate>
      <h2 id="new-user-title">{t('newUser')}</h2>
      <div class="grid-3">
        <div class="field">
          <label for="nu-username">{t('username')}</label>
          <input
            id="nu-username"
            autoComplete="off"
            autoCapitalize="none"
            value={username}
            onInput={(e) => setUsername(e.currentTarget.value)}
            {...field('nu-username', 'username')}
          />
          {fieldError('nu-username', 'username')}
        </div>
        <div class="field">
          <label for="nu-name">{t('displayName')}</label>
          <input
            id="nu-name"
            value={displayName}
            onInput={(e) => setDisplayName(e.currentTarget.value)}
            {...field('nu-name', 'displayName')}
          />
          {fieldError('nu-name', 'displayName')}
        </div>
        <div class="field">
          <label for="nu-role">{t('role')}</label>
          <select id="nu-role" value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role_${r}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="nu-password">{t('initialPassword')}</label>
          <input
            id="nu-password"
            type="password"
            autoComplete="new-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            {...field('nu-password', 'password')}
          />
          {fieldError('nu-password', 'password')}
          <p class="hint">{t('passwordMinHint')}</p>
        </div>
      </div>
      {formError && (
        <p class="notice error" role="alert">
          {formError}
        </p>
      )}
      <button type="submit">{t('create')}</button>
    </form>
  );
}
