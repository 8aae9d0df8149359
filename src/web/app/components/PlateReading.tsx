import type { Violation } from '../api.js';
import { useI18n } from '../i18n.js';
import { uncertainPositions } from '../plate-marks.js';
import { Confidence } from './Badges.js';

const SHOWN_CANDIDATES = 5;

interface Props {
  violation: Pick<Violation, 'plateText' | 'plateConfidence' | 'plateCandidates'>;
  charConfidences?: number[];
  /** a reviewer typed the current plate: the machine's confidence no longer applies */
  corrected?: boolean;
}

export function PlateReading({ violation, charConfidences, corrected = false }: Props) {
  const { t } = useI18n();
  const text = violation.plateText;
  const candidates = violation.plateCandidates;
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
        <p class="plate-text muted">{t('plateUnread')}</p>
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
