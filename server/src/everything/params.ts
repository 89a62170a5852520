import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest } from '@medplum/fhir-router';
import type { Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import { isStoredResourceType } from '../fhir/definitions.ts';
import { MAX_PAGE_SIZE } from '../repo/postgres-repository.ts';

/** What a `$everything` call asked for, checked. */
export interface EverythingInput {
  since?: string;
  /** The `_type` list as given (undefined: every type the operation covers). */
  types?: string[];
  count: number;
  cursor?: string;
}

export const EVERYTHING_DEFAULT_COUNT = 100;

// Result and format parameters the HTTP layer applies to any answer.
const GENERAL = new Set(['_format', '_pretty', '_summary', '_elements']);
const OWN = new Set(['_since', '_type', '_count', '_cursor']);
// Patient $everything's clinical date range: declared by R4, not answered here (docs/fhir-api.md).
const REFUSED = new Set(['start', 'end']);

// An R4 instant: a full date and time with seconds and a time zone.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const refuse = (text: string, expression: string) => new OperationOutcomeError(badRequest(text, expression));

/** A POST body's Parameters as query-style values (repeated names become lists). */
function fromParameters(body: Parameters): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of body.parameter ?? []) {
    if (!p.name) continue;
    const v = scalar(p);
    if (v === undefined) throw refuse(`Parameter ${p.name} needs a value`, p.name);
    out[p.name] = [...(out[p.name] ?? []), v];
  }
  return out;
}

function scalar(p: ParametersParameter): string | undefined {
  const v =
    p.valueInstant ?? p.valueDateTime ?? p.valueDate ?? p.valueString ?? p.valueCode ?? p.valueUri ?? p.valueInteger ?? p.valuePositiveInt;
  return v === undefined ? undefined : String(v);
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Reads `_since`, `_type`, `_count` and the paging `_cursor` from the query string and, on POST,
 * a Parameters body. `covered` is every type the operation can return; a `_type` outside it, or
 * not a resource type at all, is a 400 naming it.
 */
export function readEverythingInput(req: FhirRequest, operation: string, covered: readonly string[], lenient: boolean): EverythingInput {
  const query: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.query ?? {})) query[k] = list(v);
  const body = req.body as Resource | undefined;
  const form = /application\/x-www-form-urlencoded/.test(String(req.headers?.['content-type'] ?? ''));
  if (req.method === 'POST' && body && typeof body === 'object' && Object.keys(body).length > 0) {
    // A form-encoded body carries the parameters as a search's does; anything else must be Parameters.
    const given = form
      ? Object.fromEntries(Object.entries(body as unknown as Record<string, string | string[]>).map(([k, v]) => [k, list(v)]))
      : body.resourceType === 'Parameters'
        ? fromParameters(body as Parameters)
        : undefined;
    if (!given) throw refuse(`POST ${operation} takes a Parameters resource (or a form) as its body`, 'body');
    for (const [k, v] of Object.entries(given)) query[k] = [...(query[k] ?? []), ...v];
  }
  for (const key of Object.keys(query)) {
    if (REFUSED.has(key)) {
      throw refuse(
        `${operation} does not support ${key}: the clinical date range is not applied here; use _since (last updated) instead`,
        key,
      );
    }
    if (!OWN.has(key) && !GENERAL.has(key) && !lenient) throw refuse(`${operation} has no parameter ${key}`, key);
  }
  const one = (key: string): string | undefined => {
    const values = query[key] ?? [];
    if (values.length > 1) throw refuse(`${key} may be given once`, key);
    return values[0];
  };

  const since = one('_since');
  if (since !== undefined && (!INSTANT.test(since) || Number.isNaN(Date.parse(since)))) {
    throw refuse(`_since must be an instant with seconds and a time zone, such as 2025-01-31T09:30:00Z (got "${since}")`, '_since');
  }

  let types: string[] | undefined;
  const typeValues = query._type ?? [];
  if (typeValues.length) {
    types = [...new Set(typeValues.flatMap((v) => v.split(',')).map((t) => t.trim()))].filter(Boolean);
    if (!types.length) throw refuse('_type needs at least one resource type', '_type');
    for (const t of types) {
      if (!isStoredResourceType(t)) throw refuse(`_type: ${t} is not a FHIR R4 resource type`, '_type');
      if (!covered.includes(t)) throw refuse(`_type: ${operation} does not return ${t} resources`, '_type');
    }
  }

  const countText = one('_count');
  let count = EVERYTHING_DEFAULT_COUNT;
  if (countText !== undefined) {
    if (!/^\d{1,7}$/.test(countText) || Number(countText) < 1)
      throw refuse(`_count must be a whole number from 1 to ${MAX_PAGE_SIZE}`, '_count');
    count = Math.min(Number(countText), MAX_PAGE_SIZE);
  }

  const cursor = one('_cursor');
  if (cursor !== undefined && !/^[A-Za-z0-9_-]{1,600}$/.test(cursor)) throw refuse('Invalid _cursor', '_cursor');
  return { since, types, count, cursor };
}
