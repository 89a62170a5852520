import { allOk, badRequest, OperationOutcomeError, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { Bundle, Composition, OperationOutcomeIssue, Parameters, Resource } from '@medplum/fhirtypes';
import { validator } from '../../fhir/validate.ts';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { assembleDocument } from './assemble.ts';
import { buildComposition, careContext, isRecordType, RECORD_TYPES, type RecordType, recordContexts } from './records.ts';
import { parseLocalReference } from './references.ts';

/**
 * FHIR documents (docs/documents.md):
 *
 * - `Composition/[id]/$document` (GET, POST; also `Composition/$document?id=`): the R4 operation.
 *   Returns the document Bundle for a stored Composition. `persist=true` (POST) also stores the
 *   Bundle and returns the stored one.
 * - `[type]/[id]/$abdm-document?type=<record type>` (GET, POST; or Parameters with `type` and
 *   `persist`): builds one of the eight ABDM records from the care context's stored data and
 *   returns its document Bundle. `persist=true` (POST) stores the Composition first, in the same
 *   transaction, so `Composition/[id]/$document` gives the same document again later.
 *
 * Everything runs in one transaction on the caller's repository.
 */

interface Input {
  type?: string;
  persist?: string;
  id?: string;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.at(-1) : v;
}

/** Parameters from the query string, and from a Parameters body on POST. */
function readInput(req: FhirRequest): Input {
  const input: Input = { type: first(req.query.type), persist: first(req.query.persist), id: first(req.query.id) };
  const body = req.body as Resource | undefined;
  if (req.method === 'POST' && body && typeof body === 'object' && body.resourceType === 'Parameters') {
    for (const p of (body as Parameters).parameter ?? []) {
      if (p.name === 'type') input.type = p.valueCode ?? p.valueString ?? input.type;
      else if (p.name === 'persist')
        input.persist = p.valueBoolean !== undefined ? String(p.valueBoolean) : (p.valueString ?? input.persist);
      else if (p.name === 'id') input.id = p.valueUri ?? p.valueString ?? p.valueId ?? input.id;
    }
  }
  return input;
}

function persistOf(req: FhirRequest, input: Input): boolean {
  if (input.persist === undefined || input.persist === 'false') return false;
  if (input.persist !== 'true') throw new OperationOutcomeError(badRequest('persist must be true or false', 'persist'));
  if (req.method !== 'POST') throw new OperationOutcomeError(badRequest('persist=true stores a resource: use POST', 'persist'));
  return true;
}

const TX = { resourceTypes: ['Composition', 'Bundle'] as const };

async function documentOperation(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const { resourceType } = req.params;
  if (resourceType !== 'Composition') {
    throw new OperationOutcomeError(badRequest(`$document is an operation on Composition, not ${resourceType}`));
  }
  const input = readInput(req);
  let id: string | undefined = req.params.id;
  if (!id) {
    const ref = input.id?.includes('/') ? parseLocalReference(input.id, `${repo.baseUrl}/fhir/R4`) : undefined;
    id = ref?.type === 'Composition' && !ref.version ? ref.id : input.id?.includes('/') ? undefined : input.id;
    if (!id) {
      throw new OperationOutcomeError(
        badRequest('Name the Composition: Composition/[id]/$document, or id=<id> (Compositions on other servers are not fetched)', 'id'),
      );
    }
  }
  const persist = persistOf(req, input);
  const compositionId: string = id;
  const bundle = await repo.withTransaction(async (tx) => {
    const composition = await tx.readResource<Composition>('Composition', compositionId);
    const document = await assembleDocument(tx, composition);
    return persist ? tx.createResource<Bundle>(document) : document;
  }, TX);
  return [allOk, bundle];
}

async function abdmDocumentOperation(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const { resourceType, id } = req.params;
  const input = readInput(req);
  const allowed = RECORD_TYPES.map((t) => `${t} (${recordContexts(t).join(' or ')})`).join(', ');
  if (!input.type) {
    throw new OperationOutcomeError(badRequest(`Parameter type is required: one of ${allowed}`, 'type'));
  }
  if (!isRecordType(input.type)) {
    throw new OperationOutcomeError(badRequest(`Unknown ABDM record type "${input.type}": use one of ${allowed}`, 'type'));
  }
  const type: RecordType = input.type;
  const contexts = recordContexts(type);
  if (!contexts.includes(resourceType)) {
    throw new OperationOutcomeError(
      badRequest(
        `A ${type} is built for ${contexts.join(' or ')}, not ${resourceType}: use ${contexts[0]}/[id]/$abdm-document?type=${type}`,
      ),
    );
  }
  const persist = persistOf(req, input);
  const bundle = await repo.withTransaction(async (tx) => {
    const resource = await tx.readResource(resourceType, id);
    const ctx = await careContext(tx, resource);
    let composition = (await buildComposition(type, ctx)) as WithId<Composition>;
    if (persist) composition = await tx.createResource<Composition>(composition);
    const document = await assembleDocument(tx, composition, { strict: true });
    // The generated document must meet the IG; this catches what the builders got wrong.
    const errors = validator()
      .validate(document)
      .filter((i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'fatal');
    if (errors.length) throw new OperationOutcomeError({ resourceType: 'OperationOutcome', id: 'business-rule', issue: errors });
    return document;
  }, TX);
  return [allOk, bundle];
}

export function addDocumentOperations(router: FhirRouter): void {
  const document = (req: FhirRequest, repo: unknown) => documentOperation(req, repo as PostgresRepository);
  const abdm = (req: FhirRequest, repo: unknown) => abdmDocumentOperation(req, repo as PostgresRepository);
  for (const method of ['GET', 'POST'] as const) {
    router.add(method, ':resourceType/$document', document);
    router.add(method, ':resourceType/:id/$document', document);
    router.add(method, ':resourceType/:id/$abdm-document', abdm);
  }
}
