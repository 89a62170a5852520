import i18next, { type i18n, type Resource } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { isLanguage, LANGUAGES, type Language } from '../format/locale.ts';
import { shellEn, shellHi } from './shell-strings.ts';

/** Where the user's language choice is kept; shared by every app on the origin. */
export const LANGUAGE_STORAGE_KEY = 'hops.lang';
export const SHELL_NAMESPACE = 'shell';

export interface Strings {
  [key: string]: string | Strings;
}
/** One namespace's strings in every language, e.g. `{ en: { title: 'OPD' }, hi: { title: 'ओपीडी' } }`. */
export type NamespaceStrings = Record<Language, Strings>;

// Storage can be missing (tests, SSR) or throw (Safari private mode, a sandboxed frame): then the choice just isn't remembered.
function readStoredLanguage(): string | null {
  try {
    return globalThis.window?.localStorage.getItem(LANGUAGE_STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

function storeLanguage(lang: Language): void {
  try {
    globalThis.window?.localStorage.setItem(LANGUAGE_STORAGE_KEY, lang);
  } catch {
    // not remembered; the app still switches
  }
}

/** The remembered choice, else the browser's first English or Hindi preference, else English. */
function startLanguage(): Language {
  const stored = readStoredLanguage();
  if (isLanguage(stored)) return stored;
  const preferred = globalThis.navigator?.languages ?? [];
  const match = preferred.map((tag) => tag.toLowerCase().split('-')[0]).find(isLanguage);
  return match ?? 'en';
}

/** Screen readers and the browser's hyphenation and fonts follow `<html lang>`. */
function markDocument(lang: string): void {
  if (globalThis.document) globalThis.document.documentElement.lang = lang;
}

/**
 * Starts i18next for an app and makes it react-i18next's instance. `resources` holds the app's own
 * namespaces (`{ opd: { en, hi } }`); the first is the default for `t()`, and any key it lacks is
 * looked up in the shell's namespace (`t('save')`), which is also reachable as `t('shell:save')`.
 * Resources are in memory, so the returned instance translates as soon as this returns.
 */
export function initI18n(resources: Record<string, NamespaceStrings> = {}): i18n {
  const namespaces: Record<string, NamespaceStrings> = { ...resources, [SHELL_NAMESPACE]: { en: shellEn, hi: shellHi } };
  const byLanguage: Resource = {};
  for (const lang of LANGUAGES) {
    byLanguage[lang] = Object.fromEntries(Object.entries(namespaces).map(([ns, strings]) => [ns, strings[lang]]));
  }
  const appNamespaces = Object.keys(resources);
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    resources: byLanguage,
    lng: startLanguage(),
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    ns: [...appNamespaces, SHELL_NAMESPACE],
    defaultNS: appNamespaces[0] ?? SHELL_NAMESPACE,
    fallbackNS: SHELL_NAMESPACE,
    // React escapes what it renders.
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  markDocument(instance.language);
  // Registered after init: only a change the user makes is remembered, not the browser default.
  instance.on('languageChanged', (lang) => {
    markDocument(lang);
    if (isLanguage(lang)) storeLanguage(lang);
  });
  return instance;
}
