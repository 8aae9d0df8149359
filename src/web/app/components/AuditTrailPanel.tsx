import type { AuditTrail } from '../api.js';
import { useAsync } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import type { StringKey } from '../strings.js';
import { ErrorNotice, Loading } from './Notice.js';

const KNOWN_ACTIONS = new Set([
  'violation.view',
  'evidence.download',
  'evidence.recorded',
  'evidence.tampered',
  'violation.review.confirm',
  'violation.review.reject',
  'violation.review.correct_plate',
]);

/** Who viewed, downloaded and decided, and when, with whether each entry still fits the audit chain. */
export function AuditTrailPanel({ violationId, version }: { violationId: string; version: number }) {
  const { t, formatTime } = useI18n();
  const { api } = useSession();
  // reloaded with each new version of the case: a review adds its entry
  const trail = useAsync<AuditTrail>(() => api.violationAudit(violationId), [violationId, version]);

  const label = (action: string) =>
    KNOWN_ACTIONS.has(action) ? t(`action_${action.replace(/\./g, '_')}` as StringKey) : action;

  return (
    <section class="card audit-trail" aria-labelledby="audit-title">
      <h2 id="audit-title">{t('auditTitle')}</h2>
      {trail.error ? <ErrorNotice error={trail.error} onRetry={trail.reload} /> : null}
      {!trail.data && !trail.error ? <Loading /> : null}
      {trail.data && (
        <>
          <p
            class={`notice ${trail.data.chain.ok ? 'ok' : 'error'}`}
            role={trail.data.chain.ok ? undefined : 'alert'}
            data-testid="chain-status"
          >
            {trail.data.chain.ok
              ? t('auditChainOk', { n: trail.data.chain.checked })
              : t('auditChainBroken', { id: trail.data.chain.firstBadId ?? '?' })}
            {' · '}
            {trail.data.lastCheckpoint
              ? t('auditCheckpoint', {
                  seq: trail.data.lastCheckpoint.seq,
                  at: formatTime(trail.data.lastCheckpoint.at),
                })
              : t('auditNoCheckpoint')}
          </p>
          {trail.data.items.length === 0 ? (
            <p class="muted">{t('auditEmpty')}</p>
          ) : (
            <ol class="history audit-list">
              {trail.data.items.map((e) => (
                <li key={e.id} data-action={e.action} class={e.linked ? undefined : 'unlinked'}>
                  <time dateTime={e.createdAt}>{formatTime(e.createdAt)}</time> ·{' '}
                  <strong title={e.actor}>{e.actorLabel ?? e.actor}</strong> · {label(e.action)}
                  {e.anchored && <span class="muted"> · {t('auditAnchored')}</span>}
                  {!e.linked && <strong class="bad"> · {t('auditUnlinked')}</strong>}
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
