import { allOk } from '@medplum/core';
import type { FhirRequest, FhirRouter } from '@medplum/fhir-router';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { admitHandler } from './admit.ts';
import { bedBoardHandler } from './bed-board.ts';
import { bedReadyHandler } from './bed-ready.ts';
import { censusHandler } from './census.ts';
import { dischargeHandler } from './discharge.ts';
import { dischargeSummaryDraftHandler, dischargeSummarySignHandler } from './discharge-summary.ts';
import { dischargeSummaryPdf } from './discharge-summary-pdf.ts';
import { addMarOperations } from './mar/index.ts';
import { transferHandler } from './transfer.ts';

/**
 * In-patient care's server side (docs/ipd.md): admission, transfer, discharge and bed turnover,
 * each one transaction over the Encounter and its beds; the bed board read. Who may run them is the
 * caller's access policy (Encounter and Location writes in their branches, server/src/auth/policies.ts).
 */
export function addIpdOperations(router: FhirRouter): void {
  router.add('POST', 'Encounter/$admit', admitHandler);
  router.add('POST', 'Encounter/:id/$transfer', transferHandler);
  router.add('POST', 'Encounter/:id/$discharge', dischargeHandler);
  router.add('POST', 'Location/:id/$bed-ready', bedReadyHandler);
  router.add('GET', 'Location/$bed-board', bedBoardHandler);
  router.add('POST', 'Location/$bed-board', bedBoardHandler);
  addMarOperations(router);
  // The discharge summary (draft, the doctor's signature, the PDF) and the census reports.
  router.add('POST', 'Encounter/:id/$discharge-summary', dischargeSummarySignHandler);
  const pdf = (req: FhirRequest, repo: unknown) => dischargeSummaryPdf(req, repo as PostgresRepository).then((b) => [allOk, b] as never);
  for (const method of ['GET', 'POST'] as const) {
    router.add(method, 'Encounter/:id/$discharge-summary-draft', dischargeSummaryDraftHandler);
    router.add(method, 'Encounter/:id/$discharge-summary-pdf', pdf);
    router.add(method, 'Location/$census', censusHandler);
  }
}
