import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { isLanguage, type Language } from '../format/locale.ts';

/** The current language and a setter; the choice is remembered (`hops.lang`) and `<html lang>` follows. */
export function useLanguage(): [Language, (lang: Language) => Promise<void>] {
  const { i18n } = useTranslation();
  const current = i18n.resolvedLanguage ?? i18n.language;
  const setLanguage = useCallback(
    async (lang: Language) => {
      await i18n.changeLanguage(lang);
    },
    [i18n],
  );
  return [isLanguage(current) ? current : 'en', setLanguage];
}
