import { useEffect, useState } from 'preact/hooks';
import type { EvidenceIntegrity } from '../api.js';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import type { StringKey } from '../strings.js';
import { problemText } from './Notice.js';

/**
 * The case's evidence check as the API made it with the case: its verdict, the package hash and each mismatch.
 * The API refuses a review while the check fails (and says so in canReview); this says why.
 */
export function IntegrityPanel({ violationId, integrity }: { violationId: string; integrity: EvidenceIntegrity }) {
  const { t, formatTime } = useI18n();
  const { api } = useSession();
  const [shown, setShown] = useState(integrity);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setShown(integrity), [integrity]);

  const recheck = async () => {
    setBusy(true);
    setError(null);
    try {
      setShown(await api.verifyViolation(violationId));
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card integrity" aria-labelledby="integrity-title" data-integrity={shown.ok ? 'ok' : 'failed'}>
      <h2 id="integrity-title">{t('integrityTitle')}</h2>
      {shown.ok ? (
        <p class="notice ok">{t('integrityOk', { n: shown.checked })}</p>
      ) : (
        <div class="notice error" role="alert">
          <p>{t('integrityFailed')}</p>
          <ul class="mismatches">
            {shown.mismatches.map((m) => (
              <li key={`${m.evidenceId}-${m.problem}`}>
                <span class="mono">{m.path}</span>: {t(`mismatch_${m.problem}` as StringKey)}
              </li>
            ))}
          </ul>
        </div>
      )}
      <dl class="facts">
        <dt>{t('integrityPackage')}</dt>
        <dd class="mono hash" data-testid="package-hash">
          {shown.packageSha256 ?? '—'}
        </dd>
        <dt>{t('integrityCheckedAt')}</dt>
        <dd>
          <time dateTime={shown.checkedAt}>{formatTime(shown.checkedAt)}</time>
        </dd>
      </dl>
      <p class="hint">
        {t(
          !shown.recorded
            ? 'integrityUnrecorded'
            : shown.recordedByBackfill
              ? 'integrityRecordedByBackfill'
              : 'integrityRecorded',
        )}
      </p>
      <button type="button" class="secondary" disabled={busy} onClick={() => void recheck()}>
        {t('integrityRecheck')}
      </button>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
