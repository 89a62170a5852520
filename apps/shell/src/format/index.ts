export { maskAadhaar, normaliseAadhaar, verhoeffOk } from './aadhaar.ts';
export {
  type AbhaDomain,
  abhaCheckDigitOk,
  formatAbhaNumber,
  isValidAbhaAddress,
  isValidAbhaNumber,
  normaliseAbhaNumber,
  parseAbhaAddress,
} from './abha.ts';
export { formatAge, formatDate, formatDateTime, formatTime, parseIndianDate, todayInIndia } from './date.ts';
export { INDIA_TIME_ZONE, intlLocale, isLanguage, LANGUAGES, type Language } from './locale.ts';
export { formatInr } from './money.ts';
export { formatPhone, isValidMobile, normalisePhone } from './phone.ts';
export { isValidPin, normalisePin } from './pin.ts';
