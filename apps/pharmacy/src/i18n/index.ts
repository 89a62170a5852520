import { initI18n } from '@hospital-ops/app-shell/i18n/index.ts';
import { en } from './en.ts';
import { hi } from './hi.ts';

/** The Pharmacy app's strings in namespace `pharmacy`, on top of the shell's. */
export function initPharmacyI18n(): void {
  initI18n({ pharmacy: { en, hi } });
}
