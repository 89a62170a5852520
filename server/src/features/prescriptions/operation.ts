import { allOk, badRequest, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { Binary, Encounter } from '@medplum/fhirtypes';
import { binaryFilenames } from '../../http/fhir-handler.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { gather } from './gather.ts';
import { renderPrescription } from './render.ts';
import { buildView } from './view.ts';

/**
 * `GET/POST /Encounter/[id]/$prescription-pdf` (docs/documents.md): the printable bilingual
 * prescription of an OPD visit as a Binary (application/pdf). The HTTP layer sends the PDF bytes
 * themselves unless the client asks for FHIR JSON. Everything is read in one transaction through
 * the caller's repository, so what they may not read never reaches the paper.
 */
const TX = { resourceTypes: [] };

async function prescriptionPdf(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const { resourceType, id } = req.params;
  if (resourceType !== 'Encounter') {
    throw new OperationOutcomeError(badRequest(`$prescription-pdf is an operation on Encounter, not ${resourceType}`));
  }
  const now = new Date();
  const view = await repo.withTransaction(async (tx) => {
    const encounter = await tx.readResource<Encounter>('Encounter', id);
    return buildView(await gather(tx, encounter), now);
  }, TX);
  const pdf = await renderPrescription(view, { now });
  const binary: Binary = {
    resourceType: 'Binary',
    contentType: 'application/pdf',
    // Access to the PDF is access to the visit it prints.
    securityContext: { reference: `Encounter/${id}` },
    data: pdf.toString('base64'),
  };
  binaryFilenames.set(binary, `prescription-${id}.pdf`);
  return [allOk, binary];
}

export function addPrescriptionOperations(router: FhirRouter): void {
  const handler = (req: FhirRequest, repo: unknown) => prescriptionPdf(req, repo as PostgresRepository);
  for (const method of ['GET', 'POST'] as const) router.add(method, ':resourceType/:id/$prescription-pdf', handler);
}
