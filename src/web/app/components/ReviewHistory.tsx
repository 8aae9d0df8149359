import type { ReviewAction } from '../api.js';
import { useI18n } from '../i18n.js';
import { reasonLabel } from '../reasons.js';
import { StatusBadge } from './Badges.js';

/** Times in `timeZone`, the camera's, like every other time of the case. */
export function ReviewHistory({ reviews, timeZone }: { reviews: ReviewAction[]; timeZone: string }) {
  const { t, formatTime } = useI18n();
  return (
    <section class="card" aria-labelledby="history-title">
      <h2 id="history-title">{t('reviewHistory')}</h2>
      {reviews.length === 0 ? (
        <p class="muted">{t('noReviews')}</p>
      ) : (
        <ol class="history">
          {reviews.map((r) => (
            <li key={r.id}>
              <time dateTime={r.createdAt}>{formatTime(r.createdAt, timeZone)}</time> · <strong>{r.reviewer}</strong> ·{' '}
              {t(`decision_${r.decision}`)}
              {r.reasonCode && <> · {reasonLabel(t, r.reasonCode)}</>}
              {r.plateCorrection && (
                <>
                  {' '}
                  · <span class="mono">{r.previousPlate ?? '—'}</span> → <span class="mono">{r.plateCorrection}</span>
                </>
              )}{' '}
              · <StatusBadge status={r.previousStatus} /> → <StatusBadge status={r.newStatus} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
