import type { DiagnosticReport, Resource } from '@medplum/fhirtypes';
import { forbiddenOutcome } from '../../http/outcomes.ts';
import type { WriteHook, WriteHookContext } from '../../repo/write-hooks.ts';
import { ENTERED_BY_URL, fail, secondPersonOutcome, VERIFIED_BY_URL } from './fhir.ts';

/**
 * The second-person rule, whichever route a DiagnosticReport is written by (the lab operations,
 * a PUT, a transaction entry): the entered-by and verified-by marks can only name the one writing
 * them, and a lab report becomes final only with a verified-by that is not its entered-by.
 * Without it a lab technician, who may write DiagnosticReports, could write the marks by hand.
 */

const mark = (r: Resource | undefined, url: string) =>
  (r as DiagnosticReport | undefined)?.extension?.find((e) => e.url === url)?.valueString;
const FINAL = new Set(['final', 'amended', 'corrected', 'appended']);

export function actorKeyOf(actor: WriteHookContext['actor']): string {
  if (!actor) return 'server';
  return actor.userId ? `user:${actor.userId}` : `client:${actor.clientId}`;
}

export const reportGuard: WriteHook = {
  async afterWrite(ctx, current, next) {
    if (!ctx.actor || !next) return; // the server's own writes; deletes
    const me = actorKeyOf(ctx.actor);
    const entered = mark(next, ENTERED_BY_URL);
    const verified = mark(next, VERIFIED_BY_URL);
    const refuse = (text: string) => fail(forbiddenOutcome(text));
    if (entered !== mark(current, ENTERED_BY_URL) && entered !== undefined && entered !== me)
      refuse('The entered-by mark can only name who writes it');
    if (verified !== mark(current, VERIFIED_BY_URL) && verified !== undefined && verified !== me)
      refuse('The verified-by mark can only name who writes it');
    const report = next as DiagnosticReport;
    const wasFinal = FINAL.has((current as DiagnosticReport | undefined)?.status ?? '');
    if (entered !== undefined && FINAL.has(report.status) && !wasFinal && (!verified || verified === entered)) {
      fail(secondPersonOutcome());
    }
  },
};
