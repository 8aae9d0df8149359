import type { EvidenceState, SegmentStatus, ViolationStatus, ZoneKind } from '../api.js';
import { useI18n } from '../i18n.js';

export function StatusBadge({ status }: { status: ViolationStatus }) {
  const { t } = useI18n();
  return <span class={`badge status-${status}`}>{t(`status_${status}`)}</span>;
}

/** A violation found live whose evidence package is still being written, or could not be: nothing once ready. */
export function EvidenceStateBadge({ state }: { state: EvidenceState }) {
  const { t } = useI18n();
  if (state === 'ready') return null;
  return (
    <span class={`badge evidence-${state}`} title={t(`evidenceStateTitle_${state}`)}>
      {t(`evidenceState_${state}`)}
    </span>
  );
}

export function SegmentBadge({ status }: { status: SegmentStatus }) {
  const { t } = useI18n();
  return <span class={`badge segment-${status}`}>{t(`segmentStatus_${status}`)}</span>;
}

/** 추정: the time shown was estimated (container, file date or arrival), not given or recorded live. */
export function EstimatedMark({ estimated }: { estimated: boolean }) {
  const { t } = useI18n();
  if (!estimated) return null;
  return (
    <abbr class="badge estimated" title={t('estimatedTitle')}>
      {t('estimated')}
    </abbr>
  );
}

export function KindLabel({ kind }: { kind: ZoneKind }) {
  const { t } = useI18n();
  return <>{t(`kind_${kind}`)}</>;
}

export function Confidence({ value }: { value: number | null }) {
  if (value === null) return <span class="muted">—</span>;
  const pct = Math.round(value * 100);
  return <span class={pct < 80 ? 'conf low' : 'conf'}>{pct}%</span>;
}
