import type { VehicleHistory } from '../api.js';
import { useAsync } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import { KindLabel, StatusBadge } from './Badges.js';
import { ErrorNotice, Loading } from './Notice.js';

/** The vehicle's other cases: the same plate of record on any camera and day. */
export function VehicleHistoryPanel({ violationId, plate }: { violationId: string; plate: string | null }) {
  const { t, formatTime } = useI18n();
  const { api } = useSession();
  // asked again when a correction changes the plate of record
  const history = useAsync<VehicleHistory>(() => api.vehicleHistory(violationId), [violationId, plate]);

  return (
    <section class="card vehicle-history" aria-labelledby="vehicle-history-title">
      <h2 id="vehicle-history-title">{t('historyTitle')}</h2>
      {history.error ? <ErrorNotice error={history.error} onRetry={history.reload} /> : null}
      {!history.data && !history.error ? <Loading /> : null}
      {history.data &&
        (history.data.plate === null ? (
          <p class="muted">{t('historyNoPlate')}</p>
        ) : (
          <>
            <p class="hint">{t('historyPlate', { plate: history.data.plate })}</p>
            {history.data.items.length === 0 ? (
              <p class="muted">{t('historyEmpty')}</p>
            ) : (
              <ul class="history">
                {history.data.items.map((v) => (
                  <li key={v.id} data-violation-id={v.id}>
                    <a href={href(`/violations/${v.id}`)}>{formatTime(v.startTime, v.camera.timezone)}</a> ·{' '}
                    {v.camera.name} · {v.zoneName} (<KindLabel kind={v.zoneKind} />) <StatusBadge status={v.status} />
                  </li>
                ))}
              </ul>
            )}
          </>
        ))}
    </section>
  );
}
