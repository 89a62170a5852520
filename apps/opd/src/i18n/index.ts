import { initI18n } from '@hospital-ops/app-shell/i18n/index.ts';
import { en } from './en.ts';
import { hi } from './hi.ts';

/** The OPD app's strings in namespace `opd`, on top of the shell's. */
export function initOpdI18n(): void {
  initI18n({ opd: { en, hi } });
}
