import { useEffect, useState } from 'preact/hooks';
import { type Point, type Zone, type ZoneInput } from '../api.js';
import { useAsync } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { frameFromVideoFile } from '../reference-frame.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import { KindLabel } from '../components/Badges.js';
import { CameraSettings } from '../components/CameraSettings.js';
import { ErrorNotice, Loading, problemText } from '../components/Notice.js';
import { ZoneEditor } from '../components/ZoneEditor.js';
import { emptyDraft, ZoneFields, type ZoneDraft } from '../components/ZoneForm.js';
import { formFieldErrors } from '../field-errors.js';

const draftOf = (z: Zone): ZoneDraft => ({
  name: z.name,
  kind: z.kind,
  schedule: z.schedule ?? [],
  minDwellSeconds: String(z.minDwellSeconds),
  minDisplacement: String(z.minDisplacement),
  allowedDirectionDeg: z.allowedDirectionDeg === null ? '' : String(z.allowedDirectionDeg),
});

/**
 * Checks the browser can make before asking the API, which validates everything again. A blank rule is
 * left out of a new zone, so the server gives it its default; on an edit the field held the stored value,
 * and clearing it would neither keep that (PATCH leaves out what is absent) nor visibly reset it, so a value
 * is asked for. A blank direction is null (any direction) either way.
 */
function toInput(
  draft: ZoneDraft,
  polygon: Point[],
  creating: boolean,
  t: ReturnType<typeof useI18n>['t'],
): { input: ZoneInput } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  if (polygon.length < 3) errors.polygon = t('polygonTooFew');
  const num = (key: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isFinite(n)) errors[key] = t('invalidNumber');
    return n;
  };
  const rule = (key: 'minDwellSeconds' | 'minDisplacement') => {
    if (draft[key].trim() !== '') return { [key]: num(key, draft[key]) };
    if (!creating) errors[key] = t('valueRequired');
    return {};
  };
  const input: ZoneInput = {
    name: draft.name.trim(),
    kind: draft.kind,
    polygon,
    schedule: draft.schedule.length ? draft.schedule : null,
    ...rule('minDwellSeconds'),
    ...rule('minDisplacement'),
    allowedDirectionDeg:
      draft.allowedDirectionDeg.trim() === '' ? null : num('allowedDirectionDeg', draft.allowedDirectionDeg),
  };
  return Object.keys(errors).length ? { errors } : { input };
}

export function CameraPage({ id }: { id: string }) {
  const { t, formatTime } = useI18n();
  const { api } = useSession();
  const camera = useAsync(() => api.getCamera(id), [id]);
  const zones = useAsync(() => api.listZones(id), [id]);
  const defaults = useAsync(() => api.defaults(), []);

  const [frame, setFrame] = useState<{ url: string; w: number; h: number } | null | 'none'>(null);
  useEffect(() => {
    let url: string | null = null;
    api.cameraSnapshot(id).then(
      async (blob) => {
        url = URL.createObjectURL(blob);
        const bmp = await createImageBitmap(blob);
        setFrame({ url, w: bmp.width, h: bmp.height });
      },
      () => setFrame('none'),
    );
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [id]);

  const loadLocalFrame = async (file: File | undefined) => {
    if (!file) return;
    const blob = await frameFromVideoFile(file);
    const bmp = await createImageBitmap(blob);
    setFrame({ url: URL.createObjectURL(blob), w: bmp.width, h: bmp.height });
  };

  const [editing, setEditing] = useState<Zone | null>(null);
  const [draft, setDraft] = useState<ZoneDraft>(emptyDraft);
  const [points, setPoints] = useState<Point[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const startNew = () => {
    setEditing(null);
    setDraft(emptyDraft());
    setPoints([]);
    setErrors({});
  };
  const startEdit = (z: Zone) => {
    setEditing(z);
    setDraft(draftOf(z));
    setPoints(z.polygon);
    setErrors({});
    setStatus(null);
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setStatus(null);
    const checked = toInput(draft, points, editing === null, t);
    if ('errors' in checked) {
      setErrors(checked.errors);
      setStatus({ ok: false, text: t('fixErrors') });
      return;
    }
    const { input } = checked;
    setBusy(true);
    try {
      const saved = editing ? await api.updateZone(editing.id, input) : await api.createZone(id, input);
      setErrors({});
      setStatus({ ok: true, text: t('zoneSaved') });
      setEditing(saved);
      zones.reload();
    } catch (err) {
      const fields = formFieldErrors(err, t);
      setErrors(fields);
      setStatus({ ok: false, text: Object.keys(fields).length ? t('fixErrors') : problemText(err, t) });
    } finally {
      setBusy(false);
    }
  };

  const remove = async (z: Zone) => {
    if (!window.confirm(t('confirmDeleteZone'))) return;
    try {
      await api.deleteZone(z.id);
      if (editing?.id === z.id) startNew();
      setStatus({ ok: true, text: t('zoneDeleted') });
      zones.reload();
    } catch (err) {
      setStatus({ ok: false, text: problemText(err, t) });
    }
  };

  if (camera.error) return <ErrorNotice error={camera.error} onRetry={camera.reload} />;
  const cam = camera.data;
  if (!cam) return <Loading />;
  const aspect =
    frame && frame !== 'none'
      ? frame.w / frame.h
      : cam.frameWidth && cam.frameHeight
        ? cam.frameWidth / cam.frameHeight
        : 16 / 9;
  const others = (zones.data ?? []).filter((z) => z.id !== editing?.id);

  return (
    <section aria-labelledby="camera-title" class="camera-page">
      <div class="page-head">
        <h1 id="camera-title">{t('cameraTitle', { name: cam.name })}</h1>
        <a href={href('/cameras')}>{t('back')}</a>
      </div>
      <p class="muted">
        {cam.timezone} · {t('lastSegment')}: {formatTime(cam.health.lastSegmentAt, cam.timezone)} · {t('segmentsToday')}
        : {cam.health.segmentsToday}
      </p>
      <CameraSettings camera={cam} onSaved={camera.reload} />
      <div class="camera-grid">
        <div class="card">
          <h2 id="editor-title">{t('snapshot')}</h2>
          {frame === 'none' && (
            <div class="notice">
              <p>{t('noSnapshot')}</p>
              <label class="file-pick">
                {t('videoFile')}
                <input type="file" accept="video/*" onChange={(e) => void loadLocalFrame(e.currentTarget.files?.[0])} />
              </label>
            </div>
          )}
          {frame === null ? (
            <Loading />
          ) : (
            <ZoneEditor
              imageUrl={frame === 'none' ? null : frame.url}
              aspect={aspect}
              points={points}
              onChange={setPoints}
              others={others}
              describedBy="polygon-help polygon-error"
              invalid={Boolean(errors.polygon)}
            />
          )}
          <p id="polygon-help" class="hint">
            {t('polygonHelp')}
          </p>
          {errors.polygon && (
            <p id="polygon-error" class="field-error" role="alert">
              {errors.polygon}
            </p>
          )}
        </div>
        <div class="side">
          <section class="card" aria-labelledby="zones-title">
            <div class="row spread">
              <h2 id="zones-title">{t('zones')}</h2>
              <button type="button" class="secondary small" onClick={startNew}>
                {t('newZone')}
              </button>
            </div>
            {zones.error ? <ErrorNotice error={zones.error} onRetry={zones.reload} /> : null}
            {zones.data?.length === 0 && (
              <p class="notice warn" role="status">
                {t('noZonesWarning')} {t('noZones')}
              </p>
            )}
            <ul class="zone-list">
              {(zones.data ?? []).map((z) => (
                <li key={z.id} class={editing?.id === z.id ? 'current' : undefined}>
                  <span>
                    <strong>{z.name}</strong>{' '}
                    <span class="muted">
                      (<KindLabel kind={z.kind} />)
                    </span>
                  </span>
                  <span class="row">
                    <button type="button" class="link" onClick={() => startEdit(z)}>
                      {t('editZone')}
                    </button>
                    <button type="button" class="link danger" onClick={() => void remove(z)}>
                      {t('delete')}
                    </button>
                  </span>
                </li>
              ))}
            </ul>
            {(zones.data?.length ?? 0) > 0 && <ReanalyseCamera cameraId={id} />}
          </section>
          <form class="card zone-form" onSubmit={save} aria-labelledby="zone-form-title" noValidate>
            <h2 id="zone-form-title">{editing ? `${t('editZone')}: ${editing.name}` : t('newZone')}</h2>
            <ZoneFields
              draft={draft}
              onChange={setDraft}
              errors={errors}
              idPrefix="zone"
              ruleDefaults={editing ? undefined : defaults.data?.zoneRules}
            />
            {status && (
              <p class={`notice ${status.ok ? 'ok' : 'error'}`} role="status">
                {status.text}
              </p>
            )}
            <button type="submit" disabled={busy}>
              {t('save')}
            </button>
          </form>
        </div>
      </div>
    </section>
  );
}

/** After a zone change: analyse the camera's footage again (the API queues it and says what it queued). */
function ReanalyseCamera({ cameraId }: { cameraId: string }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async () => {
    setBusy(true);
    try {
      const r = await api.reanalyseCamera(cameraId);
      const skipped = r.skipped.length ? ` ${t('reanalyseSkipped', { n: r.skipped.length })}` : '';
      setStatus({ ok: true, text: t('reanalyseQueued', { n: r.queued.length }) + skipped });
    } catch (err) {
      setStatus({ ok: false, text: problemText(err, t) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="reanalyse">
      <p class="hint">{t('reanalyseHint')}</p>
      <button type="button" class="secondary small" disabled={busy} onClick={() => void run()}>
        {t('reanalyseCamera')}
      </button>
      {status && (
        <p class={`notice ${status.ok ? 'ok' : 'error'}`} role="status">
          {status.text}
        </p>
      )}
    </div>
  );
}
