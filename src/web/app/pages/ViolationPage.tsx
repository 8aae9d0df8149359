import { useEffect } from 'preact/hooks';
import type { ViolationDetail } from '../api.js';
import { useAsync } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { parseManifest } from '../manifest.js';
import { neighbour } from '../queue-order.js';
import { href, navigate } from '../router.js';
import { can, useSession } from '../session.js';
import { EstimatedMark, EvidenceStateBadge, KindLabel, StatusBadge } from '../components/Badges.js';
import { CaseFileButton } from '../components/CaseFileButton.js';
import { EvidenceView } from '../components/Evidence.js';
import { ErrorNotice, Loading } from '../components/Notice.js';
import { PlateReading } from '../components/PlateReading.js';
import { ReviewHistory } from '../components/ReviewHistory.js';
import { ReviewPanel } from '../components/ReviewPanel.js';
import { AuditTrailPanel } from '../components/AuditTrailPanel.js';
import { IntegrityPanel } from '../components/IntegrityPanel.js';
import { VehicleHistoryPanel } from '../components/VehicleHistoryPanel.js';

/** How often a violation whose evidence is pending is loaded again. */
const EVIDENCE_POLL_MS = 2000;

export function ViolationPage({ id }: { id: string }) {
  const { t, formatTime } = useI18n();
  const { api, me } = useSession();
  const reviewer = can(me.role, 'review');
  const detail = useAsync(() => api.getViolation(id), [id]);
  // found live: the package follows within a segment or so; show it when it is there
  const pending = detail.data?.evidenceState === 'evidence_pending';
  const { reload } = detail;
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(reload, EVIDENCE_POLL_MS);
    return () => clearInterval(timer);
  }, [pending, reload]);

  const manifestFile = detail.data?.evidence.find((e) => e.role === 'manifest');
  const manifest = useAsync(
    () => (manifestFile ? api.evidence(manifestFile.id).then(parseManifest, () => null) : Promise.resolve(null)),
    [manifestFile?.id],
  );
  const charConfidences = manifest.data?.plate?.chars?.map((c) => c.confidence);

  const step = async (dir: 1 | -1) => {
    const known = neighbour(id, dir);
    if (known) return navigate(`/violations/${known}`);
    if (dir === -1) return;
    // Opened directly or at the end of the list: take the newest other item still waiting.
    const status = detail.data?.status === 'needs_second_review' ? 'needs_second_review' : 'pending';
    const page = await api.listViolations({ status, limit: 2 });
    const other = page.items.find((v) => v.id !== id);
    navigate(other ? `/violations/${other.id}` : status === 'pending' ? '/queue' : '/second-review');
  };

  if (detail.error) return <ErrorNotice error={detail.error} onRetry={detail.reload} />;
  const v = detail.data;
  if (!v) return <Loading />;
  const tz = v.camera.timezone;
  return (
    <article class="violation" aria-labelledby="violation-title" data-violation-id={v.id}>
      <div class="page-head">
        <h1 id="violation-title">
          {t('violationTitle', { id: v.id.slice(0, 8) })} <StatusBadge status={v.status} />
        </h1>
        <a href={href(!reviewer ? '/footage' : v.status === 'needs_second_review' ? '/second-review' : '/queue')}>
          {t('back')}
        </a>
      </div>
      {v.evidenceState !== 'ready' && (
        <p
          class={`notice ${v.evidenceState === 'failed' ? 'error' : 'warn'}`}
          role="status"
          data-evidence-state={v.evidenceState}
        >
          <EvidenceStateBadge state={v.evidenceState} /> {t(`evidenceStateTitle_${v.evidenceState}`)}
        </p>
      )}
      {v.supersededById && (
        <p class="notice warn" role="status">
          {t('supersededNotice')} <a href={href(`/violations/${v.supersededById}`)}>{t('supersededOpen')}</a>
        </p>
      )}
      <div class="violation-grid">
        <div class="col-main">
          <EvidenceView violation={v} evidence={v.evidence} manifest={manifest.data ?? null} />
        </div>
        <div class="col-side">
          <IntegrityPanel violationId={v.id} integrity={v.integrity} />
          {reviewer && (
            <ReviewPanel
              violation={v}
              reload={detail.reload}
              next={() => void step(1)}
              previous={() => void step(-1)}
              syllableOptions={manifest.data?.plate?.syllableOptions}
            />
          )}
          {reviewer && v.status === 'confirmed' && <CaseFileButton violationId={v.id} />}
          <PlateReading
            violation={v}
            charConfidences={charConfidences}
            corrected={v.reviews.some((r) => r.plateCorrection !== null && r.plateCorrection === v.plateText)}
          />
          <section class="card" aria-labelledby="details-title">
            <h2 id="details-title">{t('details')}</h2>
            <dl class="facts">
              <dt>{t('colCamera')}</dt>
              <dd>{v.camera.name}</dd>
              <dt>{t('location')}</dt>
              <dd data-testid="case-place">
                {v.place ? <Place place={v.place} /> : <span class="muted">{t('noLocation')}</span>}
              </dd>
              <dt>{t('colZone')}</dt>
              <dd>
                {v.zoneName} (<KindLabel kind={v.zoneKind} />)
              </dd>
              <dt>{t('timeRange')}</dt>
              <dd>
                <time dateTime={v.startTime}>{formatTime(v.startTime, tz)}</time> –{' '}
                <time dateTime={v.endTime}>{formatTime(v.endTime, tz)}</time>{' '}
                <EstimatedMark estimated={v.timeEstimated} />
              </dd>
              <dt>{t('trackId')}</dt>
              <dd>{v.trackId}</dd>
              <dt>{t('plateType')}</dt>
              <dd>{v.plateType ?? '—'}</dd>
              <dt>{t('version')}</dt>
              <dd data-testid="version">{v.version}</dd>
            </dl>
          </section>
          <ReviewHistory reviews={v.reviews} timeZone={tz} />
          <VehicleHistoryPanel violationId={v.id} plate={v.plateText} />
          <AuditTrailPanel violationId={v.id} version={v.version} />
        </div>
      </div>
    </article>
  );
}

/** The place of the offence as recorded with the case: address and coordinates (WGS 84). */
function Place({ place }: { place: NonNullable<ViolationDetail['place']> }) {
  const { t } = useI18n();
  return (
    <>
      {place.address ?? t('noLocation')}
      {place.latitude !== null && place.longitude !== null && (
        <span class="muted">
          {' '}
          ({t('latitude')} {place.latitude.toFixed(6)}, {t('longitude')} {place.longitude.toFixed(6)})
        </span>
      )}
    </>
  );
}
