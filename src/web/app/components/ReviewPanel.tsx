import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type ReviewInput, type ViolationDetail } from '../api.js';
import { isTyping, useKeydown } from '../hooks.js';
import { useI18n } from '../i18n.js';
import { CONFIRM_REASON, CORRECT_REASON, FOREIGN_PLATE_REASON, REJECT_REASONS, reasonLabel } from '../reasons.js';
import { withSyllable } from '../plate-marks.js';
import { useSession } from '../session.js';
import { problemText } from './Notice.js';

type Mode = 'idle' | 'reject' | 'correct';
type Message = { kind: 'ok' | 'error' | 'stale'; text: string } | null;

interface Props {
  violation: ViolationDetail;
  /** reload the violation from the API (after a review or a stale-version refusal) */
  reload: () => void;
  next: () => void;
  previous: () => void;
  /** the recogniser's likeliest readings of the plate's use syllable, offered as one-click corrections */
  syllableOptions?: Array<{ char: string; confidence: number }>;
}

/** Options below this support are noise, not a look-alike worth offering. */
const SYLLABLE_OPTION_MIN = 0.01;

const isFinal = (v: ViolationDetail) => v.status === 'confirmed' || v.status === 'rejected';

/** On unless the officer turned it off (kept in this browser). */
const AUTO_ADVANCE_KEY = 'motoguard.autoAdvance';
/** A decision's outcome, carried to the case auto-advance opens next. */
let carried: Message = null;

/** Shortcuts by key position (`KeyboardEvent.code`): with a Korean layout in 한글 mode C types ㅊ. */
const SHORTCUT_CODES = ['KeyC', 'KeyR', 'KeyP', 'KeyJ', 'KeyN', 'KeyK'] as const;
type ShortcutCode = (typeof SHORTCUT_CODES)[number];
const isShortcut = (code: string): code is ShortcutCode => (SHORTCUT_CODES as readonly string[]).includes(code);

export function ReviewPanel({ violation, reload, next, previous, syllableOptions = [] }: Props) {
  const { t } = useI18n();
  const { api, me } = useSession();
  const [mode, setMode] = useState<Mode>('idle');
  const [reason, setReason] = useState<string>(REJECT_REASONS[0]);
  const [plate, setPlate] = useState(violation.plateText ?? '');
  const [foreignPlate, setForeignPlate] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const [autoAdvance, setAutoAdvance] = useState(() => localStorage.getItem(AUTO_ADVANCE_KEY) !== 'off');
  const reasonRef = useRef<HTMLSelectElement>(null);
  const plateRef = useRef<HTMLInputElement>(null);

  // Layout effects: a plain effect runs after paint, so a key pressed as soon as the next violation
  // shows (R) would be undone by the reset that follows.
  useLayoutEffect(() => {
    setMode('idle');
    setPlate(violation.plateText ?? '');
  }, [violation.id, violation.version]);
  useLayoutEffect(() => {
    setMessage(carried);
    carried = null;
  }, [violation.id]);
  useEffect(() => {
    if (mode === 'reject') reasonRef.current?.focus();
    if (mode === 'correct') plateRef.current?.select();
  }, [mode]);

  const offered = /[가-힣]/u.test(plate) ? syllableOptions.filter((o) => o.confidence >= SYLLABLE_OPTION_MIN) : [];

  const firstReviewer =
    violation.status === 'needs_second_review' && violation.secondReview.firstReviewerKeyIds.includes(me.id);
  const locked = isFinal(violation) || firstReviewer || !violation.canReview || busy;

  const submit = async (input: Omit<ReviewInput, 'expectedVersion'>) => {
    setBusy(true);
    setMessage(null);
    try {
      const updated = await api.review(violation.id, { ...input, expectedVersion: violation.version });
      const status = t(`status_${updated.status}`);
      setMode('idle');
      if (autoAdvance) {
        carried = { kind: 'ok', text: t('movedOn', { status }) };
        next();
        return;
      }
      setMessage({ kind: 'ok', text: t('reviewDone', { status }) });
      reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        setMessage({ kind: 'stale', text: t('staleVersion') });
        reload();
      } else if (err instanceof ApiError && err.problem.type === '/problems/second-reviewer-required') {
        setMessage({ kind: 'error', text: t('secondReviewBlocked') });
      } else setMessage({ kind: 'error', text: problemText(err, t) });
    } finally {
      setBusy(false);
    }
  };

  const confirm = () => submit({ decision: 'confirm', reasonCode: CONFIRM_REASON });
  const submitReject = (code: string) => submit({ decision: 'reject', reasonCode: code });
  const reject = () => submitReject(reason);
  const correct = () =>
    submit({
      decision: 'correct-plate',
      reasonCode: foreignPlate ? FOREIGN_PLATE_REASON : CORRECT_REASON,
      plate: plate.trim(),
    });

  useKeydown((e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape' && mode !== 'idle') {
      e.preventDefault();
      setMode('idle');
      return;
    }
    if (isTyping(e) || !isShortcut(e.code)) return;
    const act: Record<ShortcutCode, () => void> = {
      KeyC: () => !locked && void confirm(),
      KeyR: () => !locked && setMode('reject'),
      KeyP: () => !locked && setMode('correct'),
      KeyJ: next,
      KeyN: next,
      KeyK: previous,
    };
    e.preventDefault();
    act[e.code]();
  });

  return (
    <section class="card actions" aria-labelledby="actions-title">
      <h2 id="actions-title">{t('actions')}</h2>
      {isFinal(violation) && <p class="notice">{t('finalState')}</p>}
      {firstReviewer && <p class="notice warn">{t('secondReviewBlocked')}</p>}
      {violation.status === 'pending' && violation.secondReview.requiredOnConfirm && (
        <p class="hint">{t('secondReviewNeeded')}</p>
      )}
      <div class="row wrap">
        <button type="button" class="confirm" disabled={locked} onClick={confirm} aria-keyshortcuts="C">
          {t('actionConfirm')}
        </button>
        <button type="button" class="reject" disabled={locked} onClick={() => setMode('reject')} aria-keyshortcuts="R">
          {t('actionReject')}
        </button>
        <button
          type="button"
          class="secondary"
          disabled={locked}
          onClick={() => setMode('correct')}
          aria-keyshortcuts="P"
        >
          {t('actionCorrect')}
        </button>
      </div>
      {mode === 'reject' && (
        <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void reject())}>
          <label for="reason">{t('reasonCode')}</label>
          <select
            id="reason"
            ref={reasonRef}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            onKeyDown={(e) => {
              // A select does not submit its form on Enter by itself.
              if (e.key === 'Enter') {
                e.preventDefault();
                void submitReject(e.currentTarget.value);
              }
            }}
            aria-describedby="reason-hint"
          >
            {REJECT_REASONS.map((code) => (
              <option key={code} value={code}>
                {reasonLabel(t, code)}
              </option>
            ))}
          </select>
          <button type="submit" class="reject" disabled={busy}>
            {t('submit')}
          </button>
          <p id="reason-hint" class="hint">
            {t('reasonHint')}
          </p>
        </form>
      )}
      {mode === 'correct' && (
        <form class="inline-form" onSubmit={(e) => (e.preventDefault(), void correct())}>
          <label for="plate">{t('correctedPlate')}</label>
          <input
            id="plate"
            ref={plateRef}
            class="mono"
            value={plate}
            required
            maxLength={20}
            autoComplete="off"
            onInput={(e) => setPlate(e.currentTarget.value)}
          />
          {offered.length > 0 && (
            <p class="syllable-options" role="group" aria-label={t('syllableOptions')}>
              {t('syllableOptions')}{' '}
              {offered.map((o) => (
                <button
                  key={o.char}
                  type="button"
                  class="secondary mono"
                  aria-pressed={withSyllable(plate, o.char) === plate}
                  onClick={() => setPlate(withSyllable(plate, o.char))}
                >
                  {o.char} {Math.round(o.confidence * 100)}%
                </button>
              ))}
            </p>
          )}
          <label class="check">
            <input type="checkbox" checked={foreignPlate} onChange={(e) => setForeignPlate(e.currentTarget.checked)} />
            {t('reason_foreign_plate')}
          </label>
          <button type="submit" disabled={busy || plate.trim() === ''}>
            {t('submit')}
          </button>
        </form>
      )}
      {message && (
        <p class={`notice ${message.kind === 'ok' ? 'ok' : message.kind === 'stale' ? 'warn' : 'error'}`} role="alert">
          {message.text}
        </p>
      )}
      <div class="row wrap nav-buttons">
        <button type="button" class="secondary" onClick={previous} aria-keyshortcuts="K">
          {t('actionPrev')}
        </button>
        <button type="button" class="secondary" onClick={next} aria-keyshortcuts="J N">
          {t('actionNext')}
        </button>
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={autoAdvance}
          onChange={(e) => {
            const on = e.currentTarget.checked;
            setAutoAdvance(on);
            localStorage.setItem(AUTO_ADVANCE_KEY, on ? 'on' : 'off');
          }}
        />
        {t('autoAdvance')}
      </label>
      <p class="hint">{t('reviewKeysHint')}</p>
    </section>
  );
}
