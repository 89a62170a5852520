import { initI18n } from '@hospital-ops/app-shell/i18n/index.ts';
import { en } from './en.ts';
import { hi } from './hi.ts';

/** The Lab app's strings in namespace `lab`, on top of the shell's. */
export function initLabI18n(): void {
  initI18n({ lab: { en, hi } });
}
