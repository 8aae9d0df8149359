import { useEffect, useState } from 'preact/hooks';
import type { Segment, SegmentDetail, SegmentStatus, Violation } from '../api.js';
import { useAsync, useInterval } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { href } from '../router.js';
import { can, useSession } from '../session.js';
import { Confidence, EstimatedMark, SegmentBadge, StatusBadge } from '../components/Badges.js';
import { ErrorNotice, problemText } from '../components/Notice.js';
import { PlateShort } from '../components/PlateReading.js';

const STEPS: SegmentStatus[] = ['pending', 'queued', 'processing', 'done'];
const POLL_MS = 1500;
const isSettled = (s: Segment) => s.status === 'done' || s.status === 'failed';

/** The segment followed on screen: a list row or the upload's answer until its detail, with the job, arrives. */
type Tracked = Segment | SegmentDetail;

export function FootagePage() {
  const { t, formatTime } = useI18n();
  const { api, me } = useSession();
  const canInspect = can(me.role, 'manageCameras');
  const cameras = useAsync(() => api.listCameras(), []);
  const [cameraId, setCameraId] = useState('');
  useEffect(() => {
    // An update function: the effect runs after the paint, by when the user may already have picked a camera.
    const first = cameras.data?.[0];
    if (first) setCameraId((picked) => picked || first.id);
  }, [cameras.data]);

  const [file, setFile] = useState<File | null>(null);
  const [path, setPath] = useState('');
  const [startTime, setStartTime] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tracked, setTracked] = useState<Tracked | null>(null);
  const camera = cameras.data?.find((c) => c.id === cameraId);
  const timeZone = camera?.timezone ?? 'UTC';
  const zones = useAsync(() => (cameraId ? api.listZones(cameraId) : Promise.resolve(null)), [cameraId]);
  const segments = useAsync(
    () => (cameraId ? api.listSegments({ cameraId, limit: 10 }) : Promise.resolve([])),
    [cameraId, tracked?.id, tracked?.status],
  );

  const reanalyse = (segment: Segment) => {
    void submit(async () => {
      await api.reanalyseSegment(segment.id);
      return api.getSegment(segment.id);
    });
  };
  const startIso = () => (startTime ? new Date(startTime).toISOString() : undefined);
  const submit = async (run: () => Promise<Segment>) => {
    setBusy(true);
    setError(null);
    try {
      setTracked(await run());
    } catch (err) {
      setError(problemText(err, t));
    } finally {
      setBusy(false);
    }
  };
  const upload = (e: Event) => {
    e.preventDefault();
    if (file && cameraId) void submit(() => api.uploadSegment(cameraId, file, startIso()));
  };
  const register = (e: Event) => {
    e.preventDefault();
    if (path.trim() && cameraId)
      void submit(() => api.registerSegment({ cameraId, path: path.trim(), startTime: startIso() }));
  };

  useInterval(
    () => {
      if (tracked) void api.getSegment(tracked.id).then(setTracked, () => {});
    },
    POLL_MS,
    tracked !== null && !isSettled(tracked),
  );

  return (
    <section aria-labelledby="footage-title">
      <div class="page-head">
        <h1 id="footage-title">{t('footageTitle')}</h1>
      </div>
      {cameras.error ? <ErrorNotice error={cameras.error} onRetry={cameras.reload} /> : null}
      <div class="field narrow">
        <label for="footage-camera">{t('camera')}</label>
        <select id="footage-camera" value={cameraId} onChange={(e) => setCameraId(e.currentTarget.value)}>
          {(cameras.data ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      {zones.data?.length === 0 && (
        <p class="notice warn" role="status">
          {t('noZonesWarning')} <a href={href(`/cameras/${cameraId}`)}>{t('drawZones')}</a>
        </p>
      )}
      <div class="field narrow">
        <label for="footage-start">{t('startTime')}</label>
        <input
          id="footage-start"
          type="datetime-local"
          step="1"
          value={startTime}
          onInput={(e) => setStartTime(e.currentTarget.value)}
        />
      </div>
      <div class="footage-forms">
        <form class="card" onSubmit={upload} aria-labelledby="upload-title">
          <h2 id="upload-title">{t('uploadClip')}</h2>
          <label for="footage-file">{t('videoFile')}</label>
          <input
            id="footage-file"
            type="file"
            accept="video/*"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
          <button type="submit" disabled={busy || !file || !cameraId}>
            {busy ? t('uploading') : t('upload')}
          </button>
        </form>
        <form class="card" onSubmit={register} aria-labelledby="register-title">
          <h2 id="register-title">{t('registerPath')}</h2>
          <label for="footage-path">{t('footagePath')}</label>
          <input id="footage-path" value={path} class="mono" onInput={(e) => setPath(e.currentTarget.value)} />
          <button type="submit" disabled={busy || !path.trim() || !cameraId}>
            {t('register')}
          </button>
        </form>
      </div>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      {tracked && (
        <SegmentProgress
          segment={tracked}
          timeZone={timeZone}
          canOpen={can(me.role, 'readViolations')}
          onReanalyse={can(me.role, 'manageFootage') && !busy ? reanalyse : undefined}
        />
      )}

      <section class="card" aria-labelledby="recent-title">
        <h2 id="recent-title">{t('recentSegments')}</h2>
        {segments.data && segments.data.length === 0 && <p class="muted">{t('noSegments')}</p>}
        {segments.data && segments.data.length > 0 && (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('originalName')}</th>
                  <th scope="col">{t('startTime')}</th>
                  <th scope="col">{t('duration')}</th>
                  <th scope="col">{t('colStatus')}</th>
                  <th scope="col">{t('lastError')}</th>
                  <th scope="col">
                    <span class="sr-only">{t('open')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {segments.data.map((s) => (
                  <tr key={s.id} data-segment-id={s.id}>
                    <td class="mono">{s.originalName ?? '—'}</td>
                    <td>
                      {formatTime(s.startTime, timeZone)} <EstimatedMark estimated={s.startTimeEstimated} />
                    </td>
                    <td>{s.durationSec === null ? '—' : t('seconds', { n: s.durationSec.toFixed(1) })}</td>
                    <td>
                      <SegmentBadge status={s.status} />
                    </td>
                    <td class={s.error ? 'error-text' : 'muted'}>{s.error ?? t('none')}</td>
                    <td>
                      <button type="button" class="link" onClick={() => setTracked(s)}>
                        {t('open')}
                      </button>{' '}
                      {canInspect && <a href={href(`/segments/${s.id}/detector`)}>{t('detectorView')}</a>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}

function SegmentProgress({
  segment,
  timeZone,
  canOpen,
  onReanalyse,
}: {
  segment: Tracked;
  timeZone: string;
  canOpen: boolean;
  /** offered once the analysis has settled (after a zone change, say) */
  onReanalyse: ((segment: Segment) => void) | undefined;
}) {
  const { t, formatTime } = useI18n();
  const { api } = useSession();
  const reached = segment.status === 'failed' ? -1 : STEPS.indexOf(segment.status);
  const detail = 'job' in segment ? segment : null;
  const progress = detail?.job?.progress;
  const violations = useAsync<Violation[] | null>(async () => {
    if (segment.status !== 'done') return null;
    // A segment's violations lie inside its time span on its camera.
    const from = new Date(segment.startTime);
    const to = new Date(from.getTime() + ((segment.durationSec ?? 0) + 1) * 1000);
    const page = await api.listViolations({
      cameraId: segment.cameraId,
      from: from.toISOString(),
      to: to.toISOString(),
      limit: 100,
    });
    return page.items;
  }, [segment.id, segment.status]);

  return (
    <section
      class="card progress"
      aria-labelledby="progress-title"
      data-segment-id={segment.id}
      data-segment-status={segment.status}
    >
      <h2 id="progress-title">
        {t('analysisProgress')}:{' '}
        <span class="mono">{segment.originalName ?? detail?.fileName ?? segment.id.slice(0, 8)}</span>
      </h2>
      {onReanalyse && isSettled(segment) && (
        <p class="row wrap">
          <button type="button" class="secondary small" onClick={() => onReanalyse(segment)}>
            {t('reanalyse')}
          </button>
          <span class="hint">{t('reanalyseHint')}</span>
        </p>
      )}
      <ol class="steps" aria-live="polite">
        {STEPS.map((s, i) => (
          <li
            key={s}
            class={reached >= i ? 'reached' : undefined}
            aria-current={segment.status === s ? 'step' : undefined}
          >
            {t(`segmentStatus_${s}`)}
          </li>
        ))}
      </ol>
      {segment.status === 'processing' && progress?.framesTotal ? (
        <label class="frames">
          {t('framesDone', { done: progress.framesDone, total: progress.framesTotal })}
          <progress max={progress.framesTotal} value={progress.framesDone} />
        </label>
      ) : null}
      {segment.status === 'failed' && (
        <p class="notice error" role="alert">
          {t('segmentStatus_failed')}: {segment.error}
        </p>
      )}
      {violations.error ? <ErrorNotice error={violations.error} /> : null}
      {violations.data && (
        <>
          <h3>
            {t('segmentViolations')} ({violations.data.length})
          </h3>
          <ul class="segment-violations">
            {violations.data.map((v) => (
              <li key={v.id}>
                {canOpen ? (
                  <a href={href(`/violations/${v.id}`)}>{formatTime(v.startTime, timeZone)}</a>
                ) : (
                  formatTime(v.startTime, timeZone)
                )}{' '}
                · {v.zoneName} · <PlateShort violation={v} /> <Confidence value={v.plateConfidence} />{' '}
                <StatusBadge status={v.status} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
