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
  /** Dates in the viewer's locale; the camera's own timezone when given. */
  formatTime: (iso: string | null | undefined, timeZone?: string) => string;
}

export const I18nContext = createContext<I18n>({
  lang: 'ko',
  t: translator('ko'),
  setLang: () => {},
  formatTime: (iso) => iso ?? '',
});

export function useI18n(): I18n {
  return useContext(I18nContext);
}

export function timeFormatter(lang: Lang): I18n['formatTime'] {
  return (iso, timeZone) => {
    if (!iso) return '—';
    const opts: Intl.DateTimeFormatOptions = {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    };
    try {
      return new Intl.DateTimeFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', { ...opts, timeZone }).format(new Date(iso));
    } catch {
      return new Intl.DateTimeFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', opts).format(new Date(iso));
    }
  };
}
