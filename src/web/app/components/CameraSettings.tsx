import { useState } from 'preact/hooks';
import { type CameraPatch, type CameraWithHealth, type PlateFormat } from '../api.js';
import { formFieldErrors } from '../field-errors.js';
import { useI18n, type Translate } from '../i18n.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';
import { problemText } from './Notice.js';

/** A field's error in the reader's language where the console words it; the server's words otherwise. */
export function cameraFieldErrors(err: unknown, t: Translate): Record<string, string> {
  const fields = formFieldErrors(err, t);
  if (fields.sourceUrl) fields.sourceUrl = t('sourceUrlInvalid');
  for (const k of ['latitude', 'longitude'] as const) if (fields[k]) fields[k] = t('coordinatesInvalid');
  return fields;
}

/** Latitude or longitude as typed: blank is none, anything else must be a number (the API checks the range). */
export function coordinate(raw: string): number | null | 'invalid' {
  if (raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) ? n : 'invalid';
}

/** The recorder's state as GET /cameras/:id/health reports it: stopped shows as stopped, never as fine. */
export function FeedState({ feed, timeZone }: { feed: CameraWithHealth['feed']; timeZone: string }) {
  const { t, formatTime } = useI18n();
  if (!feed.recorded) return <span class="muted">{t('feedNeverRan')}</span>;
  const bad = feed.status === 'stopped' || feed.status === 'reconnecting';
  return (
    <span>
      <strong class={bad ? 'error-text' : undefined} data-feed-status={feed.status}>
        {t(`feed_${feed.status}`)}
      </strong>{' '}
      <span class="muted">({t('feedAsOf', { time: formatTime(feed.updatedAt, timeZone) })})</span>
      {feed.lastError && (
        <span class="error-text">
          {' '}
          · {feed.lastError} ({formatTime(feed.lastErrorAt, timeZone)})
        </span>
      )}
    </span>
  );
}

/** Edit, disable or delete a camera; what each does to its footage and cases is said in the confirm dialog. */
export function CameraSettings({ camera, onSaved }: { camera: CameraWithHealth; onSaved: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [name, setName] = useState(camera.name);
  const [sourceUrl, setSourceUrl] = useState(camera.sourceUrl ?? '');
  const [timezone, setTimezone] = useState(camera.timezone);
  const [plateFormat, setPlateFormat] = useState<PlateFormat>(camera.plateFormat);
  const [address, setAddress] = useState(camera.address ?? '');
  const [latitude, setLatitude] = useState(camera.latitude === null ? '' : String(camera.latitude));
  const [longitude, setLongitude] = useState(camera.longitude === null ? '' : String(camera.longitude));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const act = async (run: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setStatus(null);
    try {
      await run();
      setErrors({});
      setStatus({ ok: true, text: done });
      onSaved();
    } catch (err) {
      const fields = cameraFieldErrors(err, t);
      setErrors(fields);
      setStatus({ ok: false, text: Object.keys(fields).length ? t('fixErrors') : problemText(err, t) });
    } finally {
      setBusy(false);
    }
  };

  const save = (e: Event) => {
    e.preventDefault();
    const lat = coordinate(latitude);
    const lon = coordinate(longitude);
    if (lat === 'invalid' || lon === 'invalid' || (lat === null) !== (lon === null)) {
      setErrors({ latitude: t('coordinatesInvalid') });
      setStatus({ ok: false, text: t('fixErrors') });
      return;
    }
    const patch: CameraPatch = {
      name: name.trim(),
      timezone: timezone.trim(),
      sourceUrl: sourceUrl.trim() || null,
      plateFormat,
      address: address.trim() || null,
      latitude: lat,
      longitude: lon,
    };
    void act(() => api.updateCamera(camera.id, patch), t('cameraSaved'));
  };

  const toggle = () => {
    if (camera.enabled && !window.confirm(t('confirmDisableCamera'))) return;
    void act(
      () => api.updateCamera(camera.id, { enabled: !camera.enabled }),
      camera.enabled ? t('cameraDisabled') : t('cameraEnabled'),
    );
  };

  const remove = async () => {
    if (!window.confirm(t('confirmDeleteCamera'))) return;
    setBusy(true);
    try {
      await api.deleteCamera(camera.id);
      navigate('/cameras');
    } catch (err) {
      setStatus({ ok: false, text: problemText(err, t) });
    } finally {
      setBusy(false);
    }
  };

  const field = (id: string, key: string, label: string, value: string, set: (v: string) => void, wide = false) => (
    <div class={wide ? 'field wide' : 'field'}>
      <label for={id}>{label}</label>
      <input
        id={id}
        value={value}
        onInput={(e) => set(e.currentTarget.value)}
        {...(errors[key] ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {})}
      />
      {errors[key] && (
        <p id={`${id}-error`} class="field-error">
          {errors[key]}
        </p>
      )}
    </div>
  );

  return (
    <form class="card camera-settings" onSubmit={save} aria-labelledby="camera-settings-title" noValidate>
      <div class="row spread">
        <h2 id="camera-settings-title">{t('cameraSettings')}</h2>
        <strong class={camera.enabled ? undefined : 'error-text'} data-testid="camera-enabled">
          {camera.enabled ? t('cameraEnabled') : t('cameraDisabled')}
        </strong>
      </div>
      <p>
        {t('recorder')}: <FeedState feed={camera.feed} timeZone={camera.timezone} />
      </p>
      {field('set-name', 'name', t('cameraName'), name, setName)}
      {field('set-src', 'sourceUrl', t('sourceUrl'), sourceUrl, setSourceUrl)}
      {field('set-tz', 'timezone', t('timezone'), timezone, setTimezone)}
      <div class="field">
        <label for="set-plates">{t('plateFormat')}</label>
        <select
          id="set-plates"
          value={plateFormat}
          onChange={(e) => setPlateFormat(e.currentTarget.value as PlateFormat)}
        >
          <option value="kr">{t('plateFormat_kr')}</option>
          <option value="none">{t('plateFormat_none')}</option>
        </select>
      </div>
      {field('set-address', 'address', t('address'), address, setAddress)}
      {field('set-lat', 'latitude', t('latitude'), latitude, setLatitude)}
      {field('set-lon', 'longitude', t('longitude'), longitude, setLongitude)}
      {status && (
        <p class={`notice ${status.ok ? 'ok' : 'error'}`} role="status">
          {status.text}
        </p>
      )}
      <div class="row">
        <button type="submit" disabled={busy}>
          {t('save')}
        </button>
        <button type="button" class="secondary" disabled={busy} onClick={toggle}>
          {camera.enabled ? t('disableCamera') : t('enableCamera')}
        </button>
        <button type="button" class="secondary danger" disabled={busy} onClick={() => void remove()}>
          {t('deleteCamera')}
        </button>
      </div>
    </form>
  );
}
