import { allOk, badRequest, created, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { Basic, Bundle } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { registerWriteHook } from '../../repo/write-hooks.ts';
import { fromBasic, readStoredView, storedViewHook, toBasic, VIEW_KIND_CODE, VIEW_KIND_SYSTEM } from './storage.ts';
import type { ViewDefinition } from './types.ts';

/**
 * `ViewDefinition` as a resource type on the REST API (create, read, update, delete, search by
 * name), stored as Basic (see storage.ts). `$run` is served outside the router (operation.ts).
 */

function body(req: FhirRequest): ViewDefinition {
  const view = req.body as ViewDefinition | undefined;
  if (!view || typeof view !== 'object' || view.resourceType !== 'ViewDefinition') {
    throw new OperationOutcomeError(badRequest('Send a ViewDefinition resource (resourceType "ViewDefinition")'));
  }
  return view;
}

async function create(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const stored = await repo.createResource<Basic>(toBasic(body(req)));
  return [created, fromBasic(stored) as never];
}

async function read(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  return [allOk, (await readStoredView(repo, req.params.id)) as never];
}

async function update(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const { id } = req.params;
  const view = body(req);
  if (view.id !== undefined && view.id !== id) throw new OperationOutcomeError(badRequest('The id in the body must match the URL', 'id'));
  await readStoredView(repo, id);
  const stored = await repo.updateResource<Basic>(toBasic(view, id));
  return [allOk, fromBasic(stored) as never];
}

async function remove(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  await readStoredView(repo, req.params.id);
  await repo.deleteResource('Basic', req.params.id);
  return [allOk];
}

async function search(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const name = typeof req.query.name === 'string' ? req.query.name : undefined;
  const basics = await repo.searchResources<Basic>({
    resourceType: 'Basic',
    filters: [{ code: 'code', operator: 'eq' as never, value: `${VIEW_KIND_SYSTEM}|${VIEW_KIND_CODE}` }],
    count: 1000,
  });
  const views = basics.map(fromBasic).filter((v) => !name || v.name === name);
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: views.length,
    entry: views.map((v) => ({ resource: v as never, search: { mode: 'match' } })),
  };
  return [allOk, bundle];
}

export function addViewDefinitionRoutes(router: FhirRouter): void {
  const as = (fn: (req: FhirRequest, repo: PostgresRepository) => Promise<FhirResponse>) => (req: FhirRequest, repo: unknown) =>
    fn(req, repo as PostgresRepository);
  registerWriteHook('Basic', 'sql-on-fhir-view', storedViewHook);
  router.add('POST', 'ViewDefinition', as(create), 'create');
  router.add('GET', 'ViewDefinition', as(search), 'search-type');
  router.add('GET', 'ViewDefinition/:id', as(read), 'read');
  router.add('PUT', 'ViewDefinition/:id', as(update), 'update');
  router.add('DELETE', 'ViewDefinition/:id', as(remove), 'delete');
}
