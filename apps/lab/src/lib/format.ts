// The shell's Indian formats, taking the i18next language string the screens have at hand.
import { formatDateTime as dateTime, formatAge, isLanguage, type Language } from '@hospital-ops/app-shell/format/index.ts';

const lang = (l: string): Language => (isLanguage(l) ? l : 'en');

export const formatDateTime = (value: string | undefined, language: string) => dateTime(value, lang(language));
export const ageOf = (birthDate: string | undefined, language: string) => formatAge(birthDate, lang(language));
