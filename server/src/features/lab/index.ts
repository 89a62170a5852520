import { allOk } from '@medplum/core';
import type { FhirRequest, FhirRouter } from '@medplum/fhir-router';
import type { Binary, Parameters } from '@medplum/fhirtypes';
import { binaryFilenames } from '../../http/fhir-handler.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { registerWriteHook } from '../../repo/write-hooks.ts';
import { analyserResultHandler } from './analyser.ts';
import { loadLabCatalogue } from './catalogue.ts';
import { collectHandler, receiveHandler, rejectHandler } from './collect.ts';
import { reportGuard } from './report-guard.ts';
import { labReportPdf } from './report-pdf.ts';
import { amendHandler, enterResultsHandler, verifyHandler } from './results.ts';
import { tatHandler } from './tat-report.ts';
import { worklistHandler } from './worklist.ts';

/** `POST ActivityDefinition/$load-lab-catalogue`: loads the starter catalogue into the caller's tenant (needs create access). */
async function loadCatalogue(_req: FhirRequest, repo: PostgresRepository) {
  // Checked up front: a second load writes nothing, and should still be refused to those who may not write.
  for (const type of ['SpecimenDefinition', 'ObservationDefinition', 'ActivityDefinition']) repo.accessControl?.gates(type, 'c');
  const { created, kept } = await loadLabCatalogue(repo);
  const out: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'created', valueInteger: created },
      { name: 'kept', valueInteger: kept },
    ],
  };
  return [allOk, out] as const;
}

/** `GET/POST DiagnosticReport/{id}/$lab-report-pdf`: the printable report as a Binary (application/pdf). */
async function reportPdf(req: FhirRequest, repo: PostgresRepository) {
  const pdf = await labReportPdf(repo, req.params.id);
  // Access to the PDF is access to the report it prints.
  const binary: Binary = {
    resourceType: 'Binary',
    contentType: 'application/pdf',
    securityContext: { reference: `DiagnosticReport/${req.params.id}` },
    data: pdf.toString('base64'),
  };
  binaryFilenames.set(binary, `lab-report-${req.params.id}.pdf`);
  return [allOk, binary] as const;
}

/** The laboratory's server side (docs/lab.md): catalogue, sample collection, results, verification, worklist. */
export function addLabOperations(router: FhirRouter): void {
  registerWriteHook('DiagnosticReport', 'lab-second-person', reportGuard);
  const r = (h: (req: FhirRequest, repo: PostgresRepository) => unknown) => (req: FhirRequest, repo: unknown) =>
    h(req, repo as PostgresRepository) as never;
  router.add('POST', 'ActivityDefinition/$load-lab-catalogue', r(loadCatalogue));
  router.add('POST', 'ServiceRequest/$collect', collectHandler);
  router.add('POST', 'ServiceRequest/:id/$collect', collectHandler);
  router.add('POST', 'ServiceRequest/:id/$enter-results', enterResultsHandler);
  for (const method of ['GET', 'POST'] as const) router.add(method, 'ServiceRequest/$lab-worklist', worklistHandler);
  router.add('GET', 'ServiceRequest/$lab-tat', tatHandler);
  router.add('POST', 'Specimen/:id/$reject', rejectHandler);
  router.add('POST', 'Specimen/:id/$receive', receiveHandler);
  router.add('POST', 'DiagnosticReport/:id/$verify', verifyHandler);
  router.add('POST', 'DiagnosticReport/:id/$amend', amendHandler);
  for (const method of ['GET', 'POST'] as const) router.add(method, 'DiagnosticReport/:id/$lab-report-pdf', r(reportPdf));
  router.add('POST', 'Specimen/$analyser-result', analyserResultHandler);
}
