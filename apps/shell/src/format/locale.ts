/** The languages the apps are written in. Add one here and in every namespace's resources. */
export const LANGUAGES = ['en', 'hi'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Every date and time a user sees is Indian Standard Time, wherever the browser thinks it is. */
export const INDIA_TIME_ZONE = 'Asia/Kolkata';

/** The BCP 47 locale for Intl: Indian English and Hindi (India) use lakh/crore grouping and DD/MM/YYYY. */
export function intlLocale(lang: Language = 'en'): string {
  return `${lang}-IN`;
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}
