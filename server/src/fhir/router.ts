import { allOk, badRequest, notFound, OperationOutcomeError } from '@medplum/core';
import {
  type FhirRepository,
  type FhirRequest,
  type FhirResponse,
  type FhirRouteHandler,
  type FhirRouteOptions,
  FhirRouter,
  type HttpMethod,
  RepositoryMode,
} from '@medplum/fhir-router';
import type { Bundle } from '@medplum/fhirtypes';
import { addViewDefinitionRoutes } from '../analytics/views/routes.ts';
import { subscriptionHook } from '../events/subscriptions.ts';
import { addEverythingOperations } from '../everything/operation.ts';
import { addAbhaOperations } from '../features/abdm/abha/operations.ts';
import { addAbdmLinkOperation } from '../features/abdm/hip/linking.ts';
import { addAbdmConsentRequestOperation } from '../features/abdm/hiu/index.ts';
import { addBillingOperations } from '../features/billing/index.ts';
import { addDocumentOperations } from '../features/documents/operations.ts';
import { addIpdOperations } from '../features/ipd/index.ts';
import { addLabOperations } from '../features/lab/index.ts';
import { addOpdOperations } from '../features/opd/index.ts';
import { addPharmacyOperations } from '../features/pharmacy/index.ts';
import { addPrescriptionOperations } from '../features/prescriptions/operation.ts';
import { readHistoryBundle } from '../repo/history.ts';
import type { PostgresRepository } from '../repo/postgres-repository.ts';
import { registerWriteHook } from '../repo/write-hooks.ts';
import { compartmentParams, compartmentTypes } from '../search/compartments.ts';
import { checkSearchComplexity } from '../search/limits.ts';
import { isLenient, parseSearch, parseSystemSearch } from '../search/parse.ts';
import { COMPARTMENT } from '../search/sql.ts';
import { assertStoredResourceType, storedResourceTypes } from './definitions.ts';
import { addTerminologyOperations } from './operations/terminology.ts';
import { addValidateOperation } from './operations/validate.ts';

function param(req: FhirRequest, key: string): string | undefined {
  const v = req.query[key];
  return Array.isArray(v) ? v.at(-1) : v;
}

function int(req: FhirRequest, key: string): number | undefined {
  const v = param(req, key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new OperationOutcomeError(badRequest(`${key} must be a non-negative integer`, key));
  return Number(v);
}

function historyParams(req: FhirRequest) {
  return { since: param(req, '_since'), at: param(req, '_at'), count: int(req, '_count'), offset: int(req, '_offset') };
}

/**
 * The FHIR router: @medplum/fhir-router's standard interactions plus what it leaves to servers:
 * type- and system-level history (it routes only instance history).
 */
function searchQuery(req: FhirRequest): Record<string, string | string[] | undefined> {
  const query = req.method === 'POST' && req.body && typeof req.body === 'object' ? { ...req.query, ...req.body } : req.query;
  checkSearchComplexity(query);
  return query;
}

async function searchType(req: FhirRequest, repo: FhirRepository, _router?: FhirRouter, options?: FhirRouteOptions): Promise<FhirResponse> {
  onReader(repo, options);
  const { resourceType } = req.params;
  assertStoredResourceType(resourceType);
  const { request } = parseSearch(resourceType, searchQuery(req), isLenient(req.headers?.prefer));
  return [allOk, await repo.search(request)];
}

async function searchCompartment(
  req: FhirRequest,
  repo: FhirRepository,
  _router?: FhirRouter,
  options?: FhirRouteOptions,
): Promise<FhirResponse> {
  onReader(repo, options);
  const { compartmentType, id, resourceType } = req.params;
  assertStoredResourceType(resourceType);
  if (!compartmentTypes().includes(compartmentType)) throw new OperationOutcomeError(notFound);
  const { request } = parseSearch(resourceType, searchQuery(req), isLenient(req.headers?.prefer));
  request.filters = [...(request.filters ?? []), { code: COMPARTMENT, operator: 'eq', value: `${compartmentType}/${id}` }];
  return [allOk, await repo.search(request)];
}

async function searchSystem(
  req: FhirRequest,
  repo: FhirRepository,
  _router?: FhirRouter,
  options?: FhirRouteOptions,
): Promise<FhirResponse> {
  onReader(repo, options);
  const request = parseSystemSearch(searchQuery(req), isLenient(req.headers?.prefer));
  return [allOk, await repo.search(request)];
}

/** Patient/123/*: every stored type of the compartment (or those `_type` lists), in one searchset. */
async function searchCompartmentAll(
  req: FhirRequest,
  repo: FhirRepository,
  _router?: FhirRouter,
  options?: FhirRouteOptions,
): Promise<FhirResponse> {
  onReader(repo, options);
  const { compartmentType, id } = req.params;
  if (!compartmentTypes().includes(compartmentType)) throw new OperationOutcomeError(notFound);
  const query = searchQuery(req);
  const members = storedResourceTypes().filter((t) => t !== 'AuditEvent' && compartmentParams(compartmentType, t) !== undefined);
  const asked = typeof query._type === 'string' ? query._type.split(',').filter(Boolean) : undefined;
  for (const t of asked ?? []) {
    if (!members.includes(t)) throw new OperationOutcomeError(badRequest(`${t} is not in the ${compartmentType} compartment`, '_type'));
  }
  const request = parseSystemSearch({ ...query, _type: (asked ?? members).join(',') }, isLenient(req.headers?.prefer));
  request.filters = [...(request.filters ?? []), { code: COMPARTMENT, operator: 'eq', value: `${compartmentType}/${id}` }];
  return [allOk, await repo.search(request)];
}

/**
 * POST [base]: only batch and transaction Bundles are processed there; any other Bundle (a
 * document, a collection...) is a resource to store with POST [base]/Bundle.
 */
function batchOrTransaction(builtIn: FhirRouteHandler): FhirRouteHandler {
  return (req, repo, router) => {
    const bundle = req.body as Bundle | undefined;
    if (bundle?.resourceType === 'Bundle' && bundle.type !== 'batch' && bundle.type !== 'transaction') {
      throw new OperationOutcomeError(
        badRequest(
          `POST to the base processes batch and transaction Bundles only; to store a ${bundle.type ?? 'untyped'} Bundle, POST it to [base]/Bundle`,
          'Bundle.type',
        ),
      );
    }
    return builtIn(req, repo, router);
  };
}

/** 404 for an operation no route serves, instead of reading `$name` as an id or a resource type. */
function unknownOperation(name: string): FhirRouteHandler {
  return async () => {
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      id: 'not-found',
      issue: [{ severity: 'error', code: 'not-supported', details: { text: `Unknown operation: ${name}` } }],
    });
  };
}

/** The FHIR router, answering an operation that no route defines with "unknown operation". */
class HospitalRouter extends FhirRouter {
  override find(method: HttpMethod, url: string): ReturnType<FhirRouter['find']> {
    const found = super.find(method, url);
    const segments = url.split('?')[0].split('/').filter(Boolean);
    const at = segments.findIndex((s) => s.startsWith('$'));
    if (at < 0) return found;
    const route =
      found && this.router.routes.find((r) => r.method === method && r.handler === found.handler && r.path.length === segments.length);
    if (found && route && !route.path[at]?.param) return found;
    return { handler: unknownOperation(segments[at]), path: segments.join('/'), params: {}, data: { interaction: 'operation' } };
  }
}

/**
 * A search may be answered by the read replica (docs/reliability.md), except inside a batch or
 * transaction, whose entries must see the writes before them.
 */
function onReader(repo: FhirRepository, options?: FhirRouteOptions): void {
  if (!options?.batch) repo.setMode(RepositoryMode.READER);
}

/** Swaps a built-in route for ours, keeping its place so that route precedence stays the same. */
function replaceRoute(router: FhirRouter, method: HttpMethod, path: string, handler: FhirRouteHandler): void {
  const segments = path.split('/').filter(Boolean);
  const route = router.router.routes.find(
    (r) => r.method === method && r.path.map((x) => (x.param ? `:${x.value}` : x.value)).join('/') === segments.join('/'),
  );
  if (!route) throw new Error(`No built-in route ${method} ${path}`);
  route.handler = handler;
}

export function createFhirRouter(): FhirRouter {
  const router = new HospitalRouter();
  const builtInBatch = router.router.routes.find((r) => r.method === 'POST' && r.path.length === 0)?.handler as FhirRouteHandler;
  replaceRoute(router, 'POST', '', batchOrTransaction(builtInBatch));
  replaceRoute(router, 'GET', ':resourceType', searchType);
  replaceRoute(router, 'POST', ':resourceType/_search', searchType);
  replaceRoute(router, 'GET', '', searchSystem);
  router.add('POST', '_search', searchSystem, 'search-system');
  router.add('GET', ':compartmentType/:id/:resourceType', searchCompartment, 'search-type');
  router.add('POST', ':compartmentType/:id/:resourceType/_search', searchCompartment, 'search-type');
  for (const method of ['GET', 'POST'] as const) {
    // `*` as sent, or percent-encoded by a client that escapes it
    router.add(method, ':compartmentType/:id/*', searchCompartmentAll, 'search-system');
    router.add(method, ':compartmentType/:id/%2A', searchCompartmentAll, 'search-system');
  }
  // Replace the built-in instance history (which ignores _since and _at) with ours.
  const builtIn = router.router.routes.findIndex((r) => r.data?.interaction === 'history-instance');
  if (builtIn >= 0) router.router.routes.splice(builtIn, 1);
  router.add(
    'GET',
    ':resourceType/:id/_history',
    async (req, repo) => {
      const { resourceType, id } = req.params;
      await (repo as PostgresRepository).assertHasHistory(resourceType, id);
      return [allOk, await readHistoryBundle(repo as PostgresRepository, { resourceType, id, ...historyParams(req) })];
    },
    'history-instance',
  );
  router.add(
    'GET',
    '_history',
    async (req, repo) => {
      (repo as PostgresRepository).assertUnconditionalRead(storedResourceTypes());
      await (repo as PostgresRepository).auditHistory('history-system');
      return [allOk, await readHistoryBundle(repo as PostgresRepository, { ...historyParams(req) })];
    },
    'history-system',
  );
  router.add(
    'GET',
    ':resourceType/_history',
    async (req, repo) => {
      const { resourceType } = req.params;
      assertStoredResourceType(resourceType);
      if (resourceType === 'AuditEvent')
        throw new OperationOutcomeError(badRequest('The audit log is append-only: it has no version history'));
      (repo as PostgresRepository).assertUnconditionalRead([resourceType]);
      await (repo as PostgresRepository).auditHistory('history-type', resourceType);
      return [
        allOk,
        await readHistoryBundle(repo as PostgresRepository, {
          resourceType,
          ...historyParams(req),
        }),
      ];
    },
    'history-type',
  );
  addValidateOperation(router);
  addDocumentOperations(router);
  addAbdmLinkOperation(router);
  addAbdmConsentRequestOperation(router);
  addAbhaOperations(router);
  registerWriteHook('Subscription', 'events', subscriptionHook);
  addOpdOperations(router);
  addIpdOperations(router);
  addBillingOperations(router);
  addPharmacyOperations(router);
  addLabOperations(router);
  addPrescriptionOperations(router);
  addTerminologyOperations(router);
  addViewDefinitionRoutes(router); // SQL on FHIR: ViewDefinition stored as Basic ($run: see app.ts)
  addEverythingOperations(router);
  return router;
}
