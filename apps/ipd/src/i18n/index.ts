import { initI18n } from '@hospital-ops/app-shell/i18n/index.ts';
import { en } from './en.ts';
import { hi } from './hi.ts';

/** The IPD app's strings in namespace `ipd`, on top of the shell's. */
export function initIpdI18n(): void {
  initI18n({ ipd: { en, hi } });
}
