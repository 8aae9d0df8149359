import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import type { PlateFormat } from '../api-types.js';
import { useAsync } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { href, navigate } from '../router.js';
import { useSession } from '../session.js';
import { ErrorNotice, Loading, problemText } from '../components/Notice.js';
import { fieldErrorText } from '../field-errors.js';

export function CamerasPage() {
  const { t, formatTime } = useI18n();
  const { api } = useSession();
  const cameras = useAsync(() => api.listCameras(), []);
  // Left blank (untouched), a setting is the server's default, shown from GET /config/defaults.
  const defaults = useAsync(() => api.defaults(), []);
  const [name, setName] = useState('');
  const [timezone, setTimezone] = useState('');
  const [sourceUrl, setSourceUrl] = useState('');
  const [plateFormat, setPlateFormat] = useState<PlateFormat>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);

  const create = async (e: Event) => {
    e.preventDefault();
    setErrors({});
    setFormError(null);
    try {
      const cam = await api.createCamera({
        name: name.trim(),
        ...(timezone.trim() ? { timezone: timezone.trim() } : {}),
        sourceUrl: sourceUrl.trim() || null,
        ...(plateFormat ? { plateFormat } : {}),
      });
      navigate(`/cameras/${cam.id}`);
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors((e) => fieldErrorText(e, t)) : {};
      setErrors(fields);
      setFormError(Object.keys(fields).length ? t('fixErrors') : problemText(err, t));
    }
  };

  const field = (id: string, key: string) =>
    errors[key] ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {};

  return (
    <section aria-labelledby="cameras-title">
      <div class="page-head">
        <h1 id="cameras-title">{t('camerasTitle')}</h1>
      </div>
      {cameras.error ? <ErrorNotice error={cameras.error} onRetry={cameras.reload} /> : null}
      {cameras.loading && !cameras.data ? <Loading /> : null}
      {cameras.data && cameras.data.length === 0 && <p class="empty">{t('noCameras')}</p>}
      {cameras.data && cameras.data.length > 0 && (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('cameraName')}</th>
                <th scope="col">{t('enabled')}</th>
                <th scope="col">{t('timezone')}</th>
                <th scope="col">{t('lastSegment')}</th>
                <th scope="col">{t('segmentsToday')}</th>
                <th scope="col">{t('lastError')}</th>
              </tr>
            </thead>
            <tbody>
              {cameras.data.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={href(`/cameras/${c.id}`)}>{c.name}</a>
                  </td>
                  <td>{c.enabled ? '●' : '○'}</td>
                  <td>{c.timezone}</td>
                  <td>{formatTime(c.health.lastSegmentAt, c.timezone)}</td>
                  <td>{c.health.segmentsToday}</td>
                  <td class={c.health.lastError ? 'error-text' : 'muted'}>{c.health.lastError ?? t('none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <form class="card new-camera" onSubmit={create} aria-labelledby="new-camera-title" noValidate>
        <h2 id="new-camera-title">{t('newCamera')}</h2>
        <div class="grid-3">
          <div class="field">
            <label for="cam-name">{t('cameraName')}</label>
            <input
              id="cam-name"
              value={name}
              required
              maxLength={100}
              onInput={(e) => setName(e.currentTarget.value)}
              {...field('cam-name', 'name')}
            />
            {errors.name && (
              <p id="cam-name-error" class="field-error">
                {errors.name}
              </p>
            )}
          </div>
          <div class="field">
            <label for="cam-tz">{t('timezone')}</label>
            <input
              id="cam-tz"
              value={timezone}
              placeholder={defaults.data?.camera.timezone}
              onInput={(e) => setTimezone(e.currentTarget.value)}
              {...field('cam-tz', 'timezone')}
            />
            {errors.timezone && (
              <p id="cam-tz-error" class="field-error">
                {errors.timezone}
              </p>
            )}
          </div>
          <div class="field">
            <label for="cam-src">{t('sourceUrl')}</label>
            <input
              id="cam-src"
              value={sourceUrl}
              onInput={(e) => setSourceUrl(e.currentTarget.value)}
              {...field('cam-src', 'sourceUrl')}
            />
            {errors.sourceUrl && (
              <p id="cam-src-error" class="field-error">
                {errors.sourceUrl}
              </p>
            )}
          </div>
          <div class="field">
            <label for="cam-plates">{t('plateFormat')}</label>
            <select
              id="cam-plates"
              value={plateFormat ?? defaults.data?.camera.plateFormat}
              onChange={(e) => setPlateFormat(e.currentTarget.value as PlateFormat)}
            >
              <option value="kr">{t('plateFormat_kr')}</option>
              <option value="none">{t('plateFormat_none')}</option>
            </select>
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
