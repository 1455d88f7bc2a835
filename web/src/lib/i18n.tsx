// Languages of the front doors: English and German, with money, numbers and dates formatted
// per locale. Texts are looked up by key; the German table must have every English key
// (the compiler checks it), and {name} placeholders are filled from parameters.
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
} from 'react';
import { de } from './messages/de.ts';
import { en, type MessageKey } from './messages/en.ts';
import { formatMinor } from './money.ts';

export type { MessageKey };
export type Locale = 'en' | 'de';

export const LOCALES: Record<Locale, { tag: string; name: string }> = {
  en: { tag: 'en-GB', name: 'English' },
  de: { tag: 'de-DE', name: 'Deutsch' },
};

const TABLES: Record<Locale, Record<MessageKey, string>> = { en, de };

export type Params = Record<string, string | number>;

export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const text = TABLES[locale][key] ?? en[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}

const STORAGE_KEY = 'ibet.locale';

function initialLocale(allowed: readonly Locale[]): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && (allowed as readonly string[]).includes(saved)) return saved as Locale;
  } catch {
    // no storage
  }
  const preferred = (navigator.languages ?? [navigator.language]).map((l) => l.slice(0, 2));
  return (preferred.find((l) => (allowed as readonly string[]).includes(l)) as Locale) ?? 'en';
}

export interface I18n {
  locale: Locale;
  /** The BCP 47 tag used for formatting: en-GB, de-DE. */
  tag: string;
  locales: readonly Locale[];
  setLocale(locale: Locale): void;
  t(key: MessageKey, params?: Params): string;
  money(minor: string | bigint, currency: string): string;
  dateTime(iso: string): string;
  date(iso: string): string;
  number(value: number): string;
}

function makeI18n(
  locale: Locale,
  locales: readonly Locale[],
  setLocale: (l: Locale) => void,
): I18n {
  const tag = LOCALES[locale].tag;
  const dateTimeFormat = new Intl.DateTimeFormat(tag, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  const dateFormat = new Intl.DateTimeFormat(tag, { dateStyle: 'medium' });
  const numberFormat = new Intl.NumberFormat(tag);
  const safe = (format: Intl.DateTimeFormat, iso: string) => {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : format.format(date);
  };
  return {
    locale,
    tag,
    locales,
    setLocale,
    t: (key, params) => translate(locale, key, params),
    money: (minor, currency) => formatMinor(minor, currency, tag),
    dateTime: (iso) => safe(dateTimeFormat, iso),
    date: (iso) => safe(dateFormat, iso),
    number: (value) => numberFormat.format(value),
  };
}

const I18nContext = createContext<I18n>(makeI18n('en', ['en'], () => {}));

/** Provides texts and formats; `locales` lists the languages this app offers. */
export function I18nProvider({
  locales = ['en'],
  children,
}: {
  locales?: readonly Locale[];
  children: ReactNode;
}) {
  const [locale, setLocaleState] = useState<Locale>(() => initialLocale(locales));
  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // no storage: the choice lasts for this page
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const value = useMemo(() => makeI18n(locale, locales, setLocale), [locale, locales, setLocale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
