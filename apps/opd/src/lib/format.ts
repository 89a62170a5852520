// The shell's Indian formats, taking the i18next language string the screens have at hand.
import {
  formatDateTime as dateTime,
  formatAbhaNumber,
  formatAge,
  formatDate,
  formatInr,
  formatPhone,
  isLanguage,
  isValidAbhaAddress,
  isValidAbhaNumber,
  isValidPin,
  type Language,
  normaliseAbhaNumber,
  normalisePhone,
  parseIndianDate,
  formatTime as time,
  todayInIndia,
} from '@hospital-ops/app-shell/format/index.ts';

const lang = (l: string | undefined): Language => (isLanguage(l) ? l : 'en');

export const ageOf = (birthDate: string, l?: string) => formatAge(birthDate, lang(l));
export const formatTime = (v: string | undefined, l?: string) => time(v, lang(l));
export const formatDateTime = (v: string | undefined, l?: string) => dateTime(v, lang(l));
export const todayInKolkata = () => todayInIndia();
export {
  formatAbhaNumber,
  formatDate,
  formatInr,
  formatPhone,
  isValidAbhaAddress,
  isValidAbhaNumber,
  isValidPin,
  normaliseAbhaNumber,
  normalisePhone,
  parseIndianDate,
};
