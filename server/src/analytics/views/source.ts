import { badRequest, type Filter, OperationOutcomeError, Operator, type SearchRequest } from '@medplum/core';
import type { Group, Resource } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { compartmentParams } from '../../search/compartments.ts';
import { COMPARTMENT } from '../../search/sql.ts';

/**
 * The resources a view runs over, read through the caller's repository: its tenant (row-level
 * security), scopes and access policies apply, and a type the caller may not search is a 403.
 * Pages follow the search's keyset cursor, so memory holds one page whatever the total.
 */

export interface SourceOptions {
  resourceType: string;
  /** Patient ids: only their compartments. */
  patients?: string[];
  /** Only resources changed at or after this instant. */
  since?: string;
  pageSize?: number;
}

const PAGE = 500;

/** Where the next page starts: the keyset cursor, or an offset for orders that have none. */
function nextPage(links: { relation?: string; url?: string }[] | undefined): { cursor?: string; offset?: number } | undefined {
  const next = links?.find((l) => l.relation === 'next')?.url;
  if (!next) return undefined;
  const params = new URL(next).searchParams;
  const cursor = params.get('_cursor') ?? undefined;
  return cursor ? { cursor } : { offset: Number(params.get('_offset') ?? 0) };
}

async function* pagesOf(repo: PostgresRepository, base: SearchRequest): AsyncGenerator<Resource[]> {
  let position: { cursor?: string; offset?: number } | undefined = {};
  while (position) {
    const bundle = await repo.search({ ...base, ...position });
    const page = (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include').map((e) => e.resource as Resource);
    if (page.length > 0) yield page;
    position = nextPage(bundle.link);
  }
}

/** Pages of the caller's resources of one type, oldest change first. */
export async function* readResources(repo: PostgresRepository, options: SourceOptions): AsyncGenerator<Resource[]> {
  const filters: Filter[] = [];
  if (options.since) filters.push({ code: '_lastUpdated', operator: Operator.GREATER_THAN_OR_EQUALS, value: options.since });
  const base: SearchRequest = {
    resourceType: options.resourceType as SearchRequest['resourceType'],
    count: options.pageSize ?? PAGE,
    sortRules: [{ code: '_lastUpdated', descending: false }],
    filters,
  };
  if (!options.patients) {
    yield* pagesOf(repo, base);
    return;
  }
  if (compartmentParams('Patient', options.resourceType) === undefined) {
    throw new OperationOutcomeError(
      badRequest(`${options.resourceType} is not in the Patient compartment: patient and group do not apply`, 'patient'),
    );
  }
  // One compartment at a time; a resource in two listed patients' compartments is read once.
  const seen = new Set<string>();
  for (const patient of options.patients) {
    const request = { ...base, filters: [...filters, { code: COMPARTMENT, operator: Operator.EQUALS, value: `Patient/${patient}` }] };
    for await (const page of pagesOf(repo, request)) {
      const fresh = page.filter((r) => !seen.has(r.id as string));
      for (const r of fresh) seen.add(r.id as string);
      if (fresh.length > 0) yield fresh;
    }
  }
}

/** The Patient ids a Group lists (its members that are Patients). */
export async function groupPatients(repo: PostgresRepository, groupId: string): Promise<string[]> {
  const group = await repo.readResource<Group>('Group', groupId);
  const ids = (group.member ?? [])
    .map((m) => m.entity?.reference)
    .filter((ref): ref is string => typeof ref === 'string' && ref.startsWith('Patient/'))
    .map((ref) => ref.slice('Patient/'.length));
  if (ids.length === 0) throw new OperationOutcomeError(badRequest(`Group/${groupId} lists no Patient members`, 'group'));
  return ids;
}
