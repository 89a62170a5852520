import { intlLocale, type Language } from './locale.ts';

const rupees: Record<Language, Intl.NumberFormat> = {
  en: new Intl.NumberFormat(intlLocale('en'), { style: 'currency', currency: 'INR' }),
  hi: new Intl.NumberFormat(intlLocale('hi'), { style: 'currency', currency: 'INR' }),
};

/** Rupees with Indian (lakh/crore) grouping and paise: ₹1,23,45,678.50. */
export function formatInr(amount: number, lang: Language = 'en'): string {
  return rupees[lang].format(amount);
}
