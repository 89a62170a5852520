import { isOk, normalizeErrorString } from '@medplum/core';
import type { Parameters } from '@medplum/fhirtypes';
import type { Database } from '../db/database.ts';
import { createFhirRouter } from '../fhir/router.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';

/**
 * What a new tenant starts with (docs/lab.md): today the lab's starter catalogue, loaded through
 * its FHIR operation (the platform does not import the lab feature) in the tenant's own
 * repository. Idempotent: entries the tenant already has are kept as it edited them. Called
 * when a tenant is created (`tenant create`, the first start's tenant), not on every start, so
 * a catalogue the hospital pruned stays pruned.
 */
export async function loadStarterContent(
  db: Database,
  tenantId: string,
  baseUrl: string,
): Promise<{ labCatalogue: { created: number; kept: number } }> {
  const repo = new PostgresRepository({ db, tenant: { tenantId }, baseUrl, updateCreate: false });
  const [outcome, result] = await createFhirRouter().handleRequest(
    {
      method: 'POST',
      url: 'ActivityDefinition/$load-lab-catalogue',
      pathname: '',
      params: {},
      query: {},
      body: { resourceType: 'Parameters' },
    },
    repo,
  );
  if (!isOk(outcome)) throw new Error(`The starter lab catalogue did not load: ${normalizeErrorString(outcome)}`);
  const count = (name: string) => (result as Parameters).parameter?.find((p) => p.name === name)?.valueInteger ?? 0;
  return { labCatalogue: { created: count('created'), kept: count('kept') } };
}
