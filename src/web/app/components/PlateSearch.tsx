import { useEffect, useState } from 'preact/hooks';
import { useI18n } from '../i18n.js';

/** The search box of the queue: a whole or partial plate; the API matches it against the plate of record. */
export function PlateSearch({ value, onSearch }: { value: string; onSearch: (plate: string) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return (
    <form
      class="plate-search row wrap"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onSearch(draft.trim());
      }}
    >
      <label for="plate-search">{t('plateSearch')}</label>
      <input
        id="plate-search"
        class="mono"
        type="search"
        value={draft}
        minLength={3}
        maxLength={16}
        placeholder="12가"
        autoComplete="off"
        aria-describedby="plate-search-hint"
        onInput={(e) => setDraft(e.currentTarget.value)}
      />
      <button type="submit">{t('plateSearchSubmit')}</button>
      {value && (
        <button type="button" class="secondary" onClick={() => onSearch('')}>
          {t('plateSearchClear')}
        </button>
      )}
      <span id="plate-search-hint" class="hint">
        {value ? t('plateSearchActive', { plate: value }) : t('plateSearchHint')}
      </span>
    </form>
  );
}
