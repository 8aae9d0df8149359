import { useState } from 'preact/hooks';
import type { BulkReviewResult, Violation } from '../api.js';
import { useI18n } from '../i18n.js';
import { CONFIRM_REASON, REJECT_REASONS, reasonLabel } from '../reasons.js';
import { useSession } from '../session.js';
import { problemText } from './Notice.js';

/**
 * Reject or confirm the selected cases with one reason. Each is reviewed on its own by the API (the version the
 * officer saw, the evidence check, the review policy), so some may succeed and others fail; each failure is listed.
 */
export function BulkBar({ selected, onDone }: { selected: Violation[]; onDone: () => void }) {
  const { t } = useI18n();
  const { api } = useSession();
  const [reason, setReason] = useState<string>('duplicate');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<BulkReviewResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  const send = async (decision: 'confirm' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      const items = selected.map((v) => ({ id: v.id, expectedVersion: v.version }));
      setResult(await api.bulkReview({ decision, items, reasonCode: decision === 'reject' ? reason : CONFIRM_REASON }));
      onDone();
    } catch (err) {
      setError(problemText(err));
    } finally {
      setBusy(false);
    }
  };

  const failures = result?.results.flatMap((r) => (r.ok ? [] : [r])) ?? [];
  return (
    <div class="bulk-bar" role="region" aria-label={t('bulkSelected', { n: selected.length })}>
      {selected.length > 0 && (
        <div class="row wrap">
          <strong>{t('bulkSelected', { n: selected.length })}</strong>
          <label for="bulk-reason">{t('reasonCode')}</label>
          <select id="bulk-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
            {REJECT_REASONS.map((code) => (
              <option key={code} value={code}>
                {reasonLabel(t, code)}
              </option>
            ))}
          </select>
          <button type="button" class="reject" disabled={busy} onClick={() => void send('reject')}>
            {t('bulkReject')}
          </button>
          <button type="button" class="confirm" disabled={busy} onClick={() => void send('confirm')}>
            {t('bulkConfirm')}
          </button>
        </div>
      )}
      {result && (
        <div class={`notice ${failures.length ? 'warn' : 'ok'}`} role="status">
          <p>{t('bulkDone', { ok: result.succeeded, failed: result.failed })}</p>
          {failures.length > 0 && (
            <ul>
              {failures.map((f) => (
                <li key={f.id}>
                  <span class="mono">{f.id.slice(0, 8)}</span>: {f.problem.detail}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
