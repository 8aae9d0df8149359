import type { ComponentChildren } from 'preact';
import type { ScheduleWindow, ZoneKind } from '../api.js';
import { useI18n } from '../i18n.js';
import type { StringKey } from '../strings.js';

export const ZONE_KINDS: ZoneKind[] = ['sidewalk', 'crosswalk', 'park', 'restricted_road', 'other'];

/**
 * The form's own state: numbers stay strings until submitted so half-typed values survive. A blank rule
 * on a new zone is the server's default (shown as the placeholder).
 */
export interface ZoneDraft {
  name: string;
  kind: ZoneKind;
  schedule: ScheduleWindow[];
  minDwellSeconds: string;
  minDisplacement: string;
  allowedDirectionDeg: string;
}

export const emptyDraft = (): ZoneDraft => ({
  name: '',
  kind: 'sidewalk',
  schedule: [],
  minDwellSeconds: '',
  minDisplacement: '',
  allowedDirectionDeg: '',
});

interface Props {
  draft: ZoneDraft;
  onChange: (draft: ZoneDraft) => void;
  errors: Record<string, string>;
  idPrefix: string;
  /** the server's defaults, shown in blank rule fields of a new zone */
  ruleDefaults?: { minDwellSeconds: number; minDisplacement: number } | undefined;
}

function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {error && (
        <p id={`${id}-error`} class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

const errProps = (id: string, error?: string) =>
  error ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {};

export function ZoneFields({ draft, onChange, errors, idPrefix, ruleDefaults }: Props) {
  const { t } = useI18n();
  const set = (patch: Partial<ZoneDraft>) => onChange({ ...draft, ...patch });
  const setWindow = (i: number, patch: Partial<ScheduleWindow>) =>
    set({ schedule: draft.schedule.map((w, j) => (j === i ? { ...w, ...patch } : w)) });
  const id = (name: string) => `${idPrefix}-${name}`;

  return (
    <>
      <Field id={id('name')} label={t('zoneName')} error={errors.name}>
        <input
          id={id('name')}
          value={draft.name}
          required
          maxLength={100}
          onInput={(e) => set({ name: e.currentTarget.value })}
          {...errProps(id('name'), errors.name)}
        />
      </Field>
      <Field id={id('kind')} label={t('zoneKind')} error={errors.kind}>
        <select id={id('kind')} value={draft.kind} onChange={(e) => set({ kind: e.currentTarget.value as ZoneKind })}>
          {ZONE_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`kind_${k}`)}
            </option>
          ))}
        </select>
      </Field>

      <fieldset class="schedule">
        <legend>{t('schedule')}</legend>
        {draft.schedule.length === 0 && <p class="muted">{t('alwaysActive')}</p>}
        {draft.schedule.map((w, i) => {
          const base = `schedule.${i}`;
          return (
            <div class="window" key={i}>
              <fieldset class={`days${errors[`${base}.days`] ? ' has-error' : ''}`}>
                <legend>{t('days')}</legend>
                {[1, 2, 3, 4, 5, 6, 7].map((d) => (
                  <label key={d} class="day">
                    <input
                      type="checkbox"
                      checked={w.days.includes(d)}
                      onChange={(e) =>
                        setWindow(i, {
                          days: e.currentTarget.checked ? [...w.days, d].sort() : w.days.filter((x) => x !== d),
                        })
                      }
                    />
                    {t(`day${d}` as StringKey)}
                  </label>
                ))}
                {errors[`${base}.days`] && <p class="field-error">{errors[`${base}.days`]}</p>}
              </fieldset>
              <Field id={id(`w${i}-start`)} label={t('windowStart')} error={errors[`${base}.start`]}>
                <input
                  id={id(`w${i}-start`)}
                  type="time"
                  value={w.start}
                  required
                  onInput={(e) => setWindow(i, { start: e.currentTarget.value })}
                  {...errProps(id(`w${i}-start`), errors[`${base}.start`])}
                />
              </Field>
              <Field id={id(`w${i}-end`)} label={t('windowEnd')} error={errors[`${base}.end`]}>
                <input
                  id={id(`w${i}-end`)}
                  type="time"
                  value={w.end}
                  required
                  onInput={(e) => setWindow(i, { end: e.currentTarget.value })}
                  {...errProps(id(`w${i}-end`), errors[`${base}.end`])}
                />
              </Field>
              <button
                type="button"
                class="link"
                onClick={() => set({ schedule: draft.schedule.filter((_, j) => j !== i) })}
              >
                {t('removeWindow')}
              </button>
            </div>
          );
        })}
        <button
          type="button"
          class="secondary small"
          onClick={() =>
            set({ schedule: [...draft.schedule, { days: [1, 2, 3, 4, 5], start: '07:00', end: '20:00' }] })
          }
        >
          {t('addWindow')}
        </button>
        {errors.schedule && !Object.keys(errors).some((k) => k.startsWith('schedule.')) && (
          <p class="field-error" role="alert">
            {errors.schedule}
          </p>
        )}
      </fieldset>

      <fieldset class="rules">
        <legend>{t('ruleParams')}</legend>
        <Field id={id('dwell')} label={t('minDwell')} error={errors.minDwellSeconds}>
          <input
            id={id('dwell')}
            type="number"
            step="0.1"
            min="0"
            value={draft.minDwellSeconds}
            placeholder={ruleDefaults && String(ruleDefaults.minDwellSeconds)}
            onInput={(e) => set({ minDwellSeconds: e.currentTarget.value })}
            {...errProps(id('dwell'), errors.minDwellSeconds)}
          />
        </Field>
        <Field id={id('disp')} label={t('minDisplacement')} error={errors.minDisplacement}>
          <input
            id={id('disp')}
            type="number"
            step="0.01"
            min="0"
            value={draft.minDisplacement}
            placeholder={ruleDefaults && String(ruleDefaults.minDisplacement)}
            onInput={(e) => set({ minDisplacement: e.currentTarget.value })}
            {...errProps(id('disp'), errors.minDisplacement)}
          />
        </Field>
        <Field id={id('dir')} label={t('allowedDirection')} error={errors.allowedDirectionDeg}>
          <input
            id={id('dir')}
            type="number"
            step="1"
            value={draft.allowedDirectionDeg}
            onInput={(e) => set({ allowedDirectionDeg: e.currentTarget.value })}
            {...errProps(id('dir'), errors.allowedDirectionDeg)}
          />
        </Field>
      </fieldset>
    </>
  );
}
