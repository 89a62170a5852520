import { allOk, type Filter, notFound, OperationOutcomeError, Operator, type SearchRequest } from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, BundleLink, Resource, ResourceType } from '@medplum/fhirtypes';
import { storedResourceTypes } from '../fhir/definitions.ts';
import { isValidId } from '../fhir/validate.ts';
import { forbiddenOutcome } from '../http/outcomes.ts';
import { MAX_PAGE_SIZE, type PostgresRepository } from '../repo/postgres-repository.ts';
import { compartmentParams } from '../search/compartments.ts';
import { isLenient } from '../search/parse.ts';
import { COMPARTMENT, quoteTable } from '../search/sql.ts';
import { type EverythingInput, readEverythingInput } from './params.ts';

/**
 * `Patient/[id]/$everything` and `Encounter/[id]/$everything` (docs/fhir-api.md):
 *
 * - Matches: the focal resource's compartment (R4 CompartmentDefinitions), found with the same
 *   compartment search as `Patient/[id]/*`, one page at a time in last-updated order with a
 *   keyset `_cursor`, so pages neither repeat nor skip what was there when paging began.
 * - Includes: what the page's matches reference among RELATED types (who treated, where, which
 *   medicine), read on the same page with `search.mode=include`.
 * - Access: every search runs through the caller's repository (tenant RLS, scopes, role and
 *   branch gates, Consent). A type the caller may not search is left out; the focal resource is
 *   read as a read would be (404 in another tenant or outside the caller's conditions).
 */

export type EverythingKind = 'Patient' | 'Encounter';

/** Types outside the compartment that a clinician needs to read what is in it. */
export const RELATED: Record<EverythingKind, readonly string[]> = {
  Patient: ['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication'],
  Encounter: ['Patient', 'Practitioner', 'PractitionerRole', 'RelatedPerson', 'Organization', 'Location', 'Medication'],
};

// Referenced resources are read in lists of this many ids per search.
const INCLUDE_CHUNK = 500;
const LOCAL_REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

/** The stored types in `kind`'s compartment (the audit log is never one). */
export function compartmentMembers(kind: EverythingKind): string[] {
  return storedResourceTypes().filter((t) => t !== 'AuditEvent' && compartmentParams(kind, t) !== undefined);
}

/** Every local reference in a resource, as `Type/id`. */
function referencesIn(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) referencesIn(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') {
        if (LOCAL_REFERENCE.test(v)) out.add(v);
      } else if (typeof v === 'object') referencesIn(v, out);
    }
  }
}

/** 404 unless the resource exists (in this tenant: row-level security), for callers who may not read its type. */
async function assertExists(repo: PostgresRepository, type: string, id: string): Promise<void> {
  const found = await repo.query((sql) => sql.query(`SELECT 1 FROM ${quoteTable(type)} WHERE id = $1 AND NOT deleted`, [id]));
  if (found.rowCount === 0) throw new OperationOutcomeError(notFound);
}

/** The resources of `types` the page references and does not already hold, read through the caller's access. */
async function referencedEntries(
  repo: PostgresRepository,
  page: BundleEntry[],
  types: string[],
  since: string | undefined,
): Promise<BundleEntry[]> {
  if (!types.length || !page.length) return [];
  const held = new Set(page.map((e) => `${e.resource?.resourceType}/${e.resource?.id}`));
  const refs = new Set<string>();
  for (const e of page) referencesIn(e.resource, refs);
  const wanted = [...refs].filter((r) => !held.has(r) && types.includes(r.split('/')[0]));
  if (!wanted.length) return [];
  const wantedSet = new Set(wanted);
  const out: BundleEntry[] = [];
  for (let i = 0; i < wanted.length; i += INCLUDE_CHUNK) {
    const chunk = wanted.slice(i, i + INCLUDE_CHUNK);
    const chunkTypes = [...new Set(chunk.map((r) => r.split('/')[0]))].sort() as ResourceType[];
    const filters: Filter[] = [
      { code: '_id', operator: Operator.EQUALS, value: [...new Set(chunk.map((r) => r.split('/')[1]))].join(',') },
    ];
    if (since) filters.push({ code: '_lastUpdated', operator: Operator.GREATER_THAN_OR_EQUALS, value: since });
    const found = await repo.search({
      resourceType: chunkTypes[0],
      types: chunkTypes,
      filters,
      // Room for an id that exists under two of the chunk's types; only the wanted ones are kept.
      count: MAX_PAGE_SIZE,
      sortRules: [{ code: '_id' }],
    });
    for (const e of found.entry ?? []) {
      const key = `${e.resource?.resourceType}/${e.resource?.id}`;
      // An id asked for one type may also exist under another of the chunk's types.
      if (!wantedSet.has(key) || held.has(key)) continue;
      held.add(key);
      out.push({ ...e, search: { mode: 'include' } });
    }
  }
  return out;
}

/** The operation's own URL for a page: GET form, whatever method the first page came by. */
function pageUrl(repo: PostgresRepository, kind: EverythingKind, id: string, input: EverythingInput, cursor?: string): string {
  const params = new URLSearchParams();
  if (input.since) params.set('_since', input.since);
  if (input.types) params.set('_type', input.types.join(','));
  params.set('_count', String(input.count));
  if (cursor) params.set('_cursor', cursor);
  return `${repo.baseUrl}/fhir/R4/${kind}/${id}/$everything?${params.toString()}`;
}

async function everything(kind: EverythingKind, req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const { id } = req.params;
  const members = compartmentMembers(kind);
  const related = RELATED[kind].filter((t) => !members.includes(t));
  const input = readEverythingInput(req, `${kind} $everything`, [...members, ...related], isLenient(req.headers?.prefer));
  if (!isValidId(id)) throw new OperationOutcomeError(notFound);
  const access = repo.accessControl;
  const searchable = (t: string) => !access || access.allows(t, 's');

  // The focal resource first, as a read: 404 in another tenant or outside the caller's conditions.
  if (!access || access.allows(kind, 'r')) await repo.readResource(kind, id);
  else await assertExists(repo, kind, id);

  const asked = input.types ?? [...members, ...related];
  const matchTypes = asked.filter((t) => members.includes(t) && searchable(t));
  const includeTypes = asked.filter((t) => related.includes(t) && searchable(t));
  if (!matchTypes.length && !includeTypes.length) {
    throw new OperationOutcomeError(forbiddenOutcome(`Not permitted: none of the types ${kind} $everything returns may be searched`));
  }

  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] };
  let next: string | undefined;
  if (matchTypes.length) {
    const filters: Filter[] = [{ code: COMPARTMENT, operator: Operator.EQUALS, value: `${kind}/${id}` }];
    if (input.since) filters.push({ code: '_lastUpdated', operator: Operator.GREATER_THAN_OR_EQUALS, value: input.since });
    const request: SearchRequest = {
      resourceType: matchTypes[0] as ResourceType,
      types: matchTypes as ResourceType[],
      filters,
      count: input.count,
      cursor: input.cursor,
      // Oldest change first: a resource changed while a client pages moves to the end, never off it.
      sortRules: [{ code: '_lastUpdated' }],
      // Counted on the first page only: later pages (by cursor) carry no total.
      total: input.cursor ? undefined : 'accurate',
    };
    const page = await repo.search(request);
    const matches = page.entry ?? [];
    if (page.total !== undefined) bundle.total = page.total;
    else delete bundle.total;
    bundle.entry = [...matches, ...(await referencedEntries(repo, matches, includeTypes, input.since))];
    const nextUrl = page.link?.find((l) => l.relation === 'next')?.url;
    next = nextUrl ? (new URL(nextUrl).searchParams.get('_cursor') ?? undefined) : undefined;
  }
  const link: BundleLink[] = [{ relation: 'self', url: pageUrl(repo, kind, id, input, input.cursor) }];
  if (input.cursor) link.push({ relation: 'first', url: pageUrl(repo, kind, id, input) });
  if (next) link.push({ relation: 'next', url: pageUrl(repo, kind, id, input, next) });
  bundle.link = link;
  return [allOk, bundle as Bundle<Resource>];
}

export function addEverythingOperations(router: FhirRouter): void {
  for (const kind of ['Patient', 'Encounter'] as const) {
    const handler = (req: FhirRequest, repo: unknown) => everything(kind, req, repo as PostgresRepository);
    for (const method of ['GET', 'POST'] as const) router.add(method, `${kind}/:id/$everything`, handler);
  }
}
