import type { TFunction } from 'i18next';
import { outcomeMessage } from './i18n/index.ts';
import { LaunchError } from './launch/smart.ts';

/** One readable sentence for anything thrown by the FHIR client or the network. */
export function describeError(error: unknown, t: TFunction): string {
  if (error instanceof LaunchError) return t('shell:errors.launch', { reason: error.message });
  return outcomeMessage(error, t);
}
