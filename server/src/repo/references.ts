import { badRequest, OperationOutcomeError, preconditionFailed } from '@medplum/core';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { assertStoredResourceType } from '../fhir/definitions.ts';
import { parseSearch } from '../search/parse.ts';

/** `Patient?identifier=sys|val`: a reference to whichever one resource matches the search. */
const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.*)$/s;

/** Finds up to `limit` ids of `type` matching the search (with the caller's access). */
export type FindIds = (request: ReturnType<typeof parseSearch>['request']) => Promise<string[]>;

const noMatch = (reference: string): OperationOutcome => ({
  resourceType: 'OperationOutcome',
  id: 'not-found',
  issue: [
    {
      severity: 'error',
      code: 'not-found',
      details: { text: `The conditional reference ${reference} matches no resource` },
    },
  ],
});

/** The reference a client wrote absolute to this server's own base, as the local `Type/id`. */
export function localReference(reference: string, ownBase: string): string {
  const prefix = `${ownBase}/fhir/R4/`;
  if (!reference.startsWith(prefix)) return reference;
  const rest = reference.slice(prefix.length);
  return /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.test(rest) ? rest : reference;
}

/**
 * Rewrites the references a resource is written with, before it is stored: one absolute to this
 * server's base becomes local (`Patient/123`), so it is searched like any other; a conditional
 * one (`Patient?identifier=...`) becomes the reference of its one match. No match is 404 and
 * several are 412, which fails a transaction as a whole; a search URL is never stored.
 * A Bundle (a signed document, a message) is stored exactly as sent.
 */
export async function rewriteReferences<T extends Resource>(resource: T, ownBase: string, find: FindIds): Promise<T> {
  if (resource.resourceType === 'Bundle') return resource;
  const resolved = new Map<string, string>();
  const visit = async (node: unknown): Promise<unknown> => {
    if (Array.isArray(node)) {
      const out = [];
      for (const item of node) out.push(await visit(item));
      return out;
    }
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'reference' && typeof value === 'string') out[key] = await rewrite(value);
      else out[key] = await visit(value);
    }
    return out;
  };
  const rewrite = async (reference: string): Promise<string> => {
    const m = CONDITIONAL.exec(reference);
    if (!m) return localReference(reference, ownBase);
    let target = resolved.get(reference);
    if (!target) {
      target = `${m[1]}/${await resolveOne(m[1], m[2], reference, find)}`;
      resolved.set(reference, target);
    }
    return target;
  };
  if (!containsReference(resource)) return resource;
  return (await visit(resource)) as T;
}

async function resolveOne(type: string, query: string, reference: string, find: FindIds): Promise<string> {
  assertStoredResourceType(type);
  const params: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(query)) params[k] = [...(params[k] ?? []), v];
  if (Object.keys(params).length === 0) {
    throw new OperationOutcomeError(badRequest(`The conditional reference ${reference} needs search parameters`));
  }
  const { request } = parseSearch(type, params, false);
  const ids = await find({ ...request, count: 2, offset: 0, total: undefined });
  if (ids.length === 0) throw new OperationOutcomeError(noMatch(reference));
  if (ids.length > 1) {
    throw new OperationOutcomeError({
      ...preconditionFailed,
      issue: [
        {
          severity: 'error',
          code: 'multiple-matches',
          details: { text: `The conditional reference ${reference} matches more than one resource` },
        },
      ],
    });
  }
  return ids[0];
}

/** Cheap pre-check: most resources have no reference worth a rewrite walk. */
function containsReference(resource: Resource): boolean {
  return JSON.stringify(resource).includes('"reference"');
}
