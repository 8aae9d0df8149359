import type { Violation } from '../api.js';
import { useI18n } from '../i18n.js';
import { uncertainPositions } from '../plate-marks.js';
import { Confidence } from './Badges.js';

const SHOWN_CANDIDATES = 5;

/** The plate of record in a list: 판독 불가 when none was read, or when it was read below the honesty floor. */
export function PlateShort({ violation }: { violation: Pick<Violation, 'plateText' | 'plateLowConfidence'> }) {
  const { t } = useI18n();
  if (violation.plateText === null || violation.plateLowConfidence)
    return <span class="muted plate-unread">{t('plateUnread')}</span>;
  return <span class="mono">{violation.plateText}</span>;
}

interface Props {
  violation: Pick<Violation, 'plateText' | 'plateConfidence' | 'plateCandidates' | 'plateLowConfidence'>;
  charConfidences?: number[];
  /** a reviewer typed the current plate: the machine's confidence no longer applies */
  corrected?: boolean;
}

export function PlateReading({ violation, charConfidences, corrected = false }: Props) {
  const { t } = useI18n();
  // A reading below the floor is no plate of record: shown unread, its text left among the candidates.
  const text = violation.plateLowConfidence ? null : violation.plateText;
  const candidates =
    violation.plateLowConfidence &&
    violation.plateText !== null &&
    !violation.plateCandidates.some((c) => c.text === violation.plateText)
      ? [{ text: violation.plateText, confidence: violation.plateConfidence ?? 0 }, ...violation.plateCandidates]
      : violation.plateCandidates;
  const marks = text && !corrected ? uncertainPositions(text, candidates, charConfidences) : new Set<number>();
  return (
    <section class="card plate-reading" aria-labelledby="plate-title">
      <h2 id="plate-title">{t('plateReading')}</h2>
      {text ? (
        <p class="plate-text" data-testid="plate-text">
          {[...text].map((ch, i) =>
            marks.has(i) ? (
              <mark key={i} class="uncertain" title="?">
                {ch}
              </mark>
            ) : (
              <span key={i}>{ch}</span>
            ),
          )}
          {corrected ? (
            <span class="badge corrected">{t('plateCorrected')}</span>
          ) : (
            <Confidence value={violation.plateConfidence} />
          )}
        </p>
      ) : (
        <p class="plate-text muted" data-testid="plate-text">
          {violation.plateLowConfidence ? t('plateLowConfidence') : t('plateUnread')}
        </p>
      )}
      {marks.size > 0 && <p class="hint">{t('uncertainLegend')}</p>}
      {candidates.length > 0 && (
        <>
          <h3>{t('candidates')}</h3>
          <ol class="candidates">
            {candidates.slice(0, SHOWN_CANDIDATES).map((c) => (
              <li key={c.text}>
                <span class="mono">{c.text}</span> <Confidence value={c.confidence} />
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
