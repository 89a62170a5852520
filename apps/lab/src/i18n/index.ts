import { initI18n } from '@hospital-ops/app-shell/i18n/index.ts';
import type { i18n } from 'i18next';
import { en } from './en.ts';
import { hi } from './hi.ts';

/** The Lab app's strings in namespace `lab`, on top of the shell's. */
export function initLabI18n(): i18n {
  return initI18n({ lab: { en, hi } });
}
