import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { dictionaries, type Lang, type StringKey } from './strings.js';

export type Translate = (key: StringKey, vars?: Record<string, string | number>) => string;

const LANG_KEY = 'motoguard.lang';

export function initialLang(): Lang {
  return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'ko';
}

export function storeLang(lang: Lang): void {
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
}

export function translator(lang: Lang): Translate {
  const dict = dictionaries[lang];
  return (key, vars) => {
    const text = dict[key];
    return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => String(vars[name] ?? m)) : text;
  };
}

export interface I18n {
  lang: Lang;
  t: Translate;
  setLang: (lang: Lang) => void;
  /**
   * Dates in the viewer's locale, always in the camera's own time zone and labelled with its offset (GMT+9), so
   * one moment reads the same on every page whatever the viewer's computer is set to. Times of no camera (an
   * audit row) are in UTC, labelled so.
   */
  formatTime: (iso: string | null | undefined, timeZone?: string) => string;
}

export const I18nContext = createContext<I18n>({
  lang: 'ko',
  t: translator('ko'),
  setLang: () => {},
  formatTime: (iso) => iso ?? '—',
});

export function useI18n(): I18n {
  return useContext(I18nContext);
}

const TIME_OPTIONS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
};

/** The browser's own time zone: times that belong to no camera (a lock-out's end, a key's creation) are shown in it. */
export const localTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

export function timeFormatter(lang: Lang): I18n['formatTime'] {
  const locale = lang === 'ko' ? 'ko-KR' : 'en-GB';
  return (iso, timeZone = 'UTC') => {
    if (!iso) return '—';
    const at = new Date(iso);
    // An unknown zone name would throw; UTC is then shown, and labelled as such.
    const zone = Intl.supportedValuesOf('timeZone').includes(timeZone) || timeZone === 'UTC' ? timeZone : 'UTC';
    // The offset is formatted apart: with a zone name in the same format, ko-KR writes 05시 6분 instead of 05:06.
    const offset = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'shortOffset' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    return `${new Intl.DateTimeFormat(locale, { ...TIME_OPTIONS, timeZone: zone }).format(at)} ${offset ?? zone}`;
  };
}
