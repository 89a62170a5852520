import { allOk, type SearchRequest } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, DiagnosticReport, Extension, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import { readTenantCatalogue, testFor } from './catalogue.ts';
import { bad, DEPARTMENT_SYSTEM, LAB_PROCEDURE, SNOMED } from './fhir.ts';
import { ACCESSION_URL, DEPARTMENT_URL, STAGE_URL, STAGES, stageOf } from './stage.ts';

/**
 * `GET ServiceRequest/$lab-worklist` (docs/lab.md): open lab orders with the stage each is at,
 * derived from what exists, not stored: ordered (no sample, or only rejected ones), collected,
 * received, resulted (preliminary report), verified (final or amended). Filters: status, priority
 * (routine, urgent, asap, stat), department (the catalogue test's department code), _count.
 * Each entry carries the stage, department and accession numbers as entry extensions; the samples
 * and reports come along as included entries. Newest order first, in pages: a `next` link (with
 * `_page`, the position in the open orders where the next page starts) when there may be more.
 */

export { ACCESSION_URL, DEPARTMENT_URL, STAGE_URL, STAGES, type Stage, stageOf } from './stage.ts';

const PRIORITIES = new Set(['routine', 'urgent', 'asap', 'stat']);
/** Orders read per request at most: with a rare stage asked for, a page may end short, with a `next` link. */
const SCAN_LIMIT = 5_000;

const query = (req: FhirRequest, key: string) => {
  const v = req.query[key];
  return (Array.isArray(v) ? v.at(-1) : v) || undefined;
};

async function worklist(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const stages = query(req, 'status')?.split(',');
  for (const s of stages ?? []) if (!(STAGES as readonly string[]).includes(s)) bad(`status must be among ${STAGES.join(', ')}`, 'status');
  const priority = query(req, 'priority');
  for (const p of priority?.split(',') ?? []) if (!PRIORITIES.has(p)) bad('priority must be routine, urgent, asap or stat', 'priority');
  const department = query(req, 'department');
  const count = Number(query(req, '_count') ?? 100);
  if (!Number.isInteger(count) || count < 1 || count > 500) bad('_count must be 1 to 500', '_count');

  const start = Number(query(req, '_page') ?? 0);
  if (!Number.isInteger(start) || start < 0) bad('_page must be a position given by a next link', '_page');

  const bundle = await repo.withTransaction(
    async (tx) => {
      const catalogue = await readTenantCatalogue(tx);
      const entries: BundleEntry[] = [];
      const extra: BundleEntry[] = [];
      // Orders are read in slices no larger than what the page still needs, so each one read is
      // either on the page or filtered out, and the next page starts right after the last one read.
      let position = start;
      let more = true;
      while (entries.length < count && more && position - start < SCAN_LIMIT) {
        const slice = Math.min(count - entries.length, SCAN_LIMIT - (position - start));
        const { request } = parseSearch(
          'ServiceRequest',
          {
            category: `${SNOMED}|${LAB_PROCEDURE}`,
            status: 'active',
            ...(priority ? { priority } : {}),
            _include: 'ServiceRequest:specimen',
            _revinclude: 'DiagnosticReport:based-on',
            _sort: '-authored,_id',
            _count: String(slice),
            _offset: String(position),
          },
          false,
        );
        const found = (await tx.search(request as SearchRequest<ServiceRequest>)) as Bundle;
        const orders = (found.entry ?? []).filter((e) => e.search?.mode !== 'include' && e.resource?.resourceType === 'ServiceRequest');
        position += orders.length;
        more = orders.length === slice;
        const included = (found.entry ?? []).filter((e) => e.search?.mode === 'include');
        const specimens = new Map(
          included.filter((e) => e.resource?.resourceType === 'Specimen').map((e) => [e.resource?.id, e.resource as Specimen]),
        );
        const reports = included.filter((e) => e.resource?.resourceType === 'DiagnosticReport').map((e) => e.resource as DiagnosticReport);
        for (const e of orders) {
          const order = e.resource as ServiceRequest;
          const mine = (order.specimen ?? [])
            .map((r) => specimens.get((r.reference ?? '').replace(/^Specimen\//, '')))
            .filter((s): s is Specimen => !!s);
          const myReports = reports.filter((r) => r.basedOn?.some((b) => b.reference === `ServiceRequest/${order.id}`));
          const stage = stageOf(mine, myReports);
          if (stages && !stages.includes(stage)) continue;
          const dept = testFor(catalogue, order.code)?.topic?.find((t) => t.coding?.some((c) => c.system === DEPARTMENT_SYSTEM));
          const deptCode = dept?.coding?.find((c) => c.system === DEPARTMENT_SYSTEM)?.code;
          if (department && deptCode !== department) continue;
          const extension: Extension[] = [
            { url: STAGE_URL, valueCode: stage },
            ...(deptCode ? [{ url: DEPARTMENT_URL, valueCoding: { system: DEPARTMENT_SYSTEM, code: deptCode, display: dept?.text } }] : []),
            ...mine.filter((s) => s.status === 'available').map((s) => ({ url: ACCESSION_URL, valueString: s.accessionIdentifier?.value })),
          ];
          entries.push({ ...e, extension } as BundleEntry);
          for (const s of mine) extra.push({ fullUrl: `${tx.baseUrl}/fhir/R4/Specimen/${s.id}`, resource: s, search: { mode: 'include' } });
          for (const r of myReports)
            extra.push({ fullUrl: `${tx.baseUrl}/fhir/R4/DiagnosticReport/${r.id}`, resource: r, search: { mode: 'include' } });
        }
      }
      const link = more ? [{ relation: 'next', url: nextUrl(tx.baseUrl, req, position) }] : undefined;
      return { resourceType: 'Bundle', type: 'searchset', ...(link ? { link } : {}), entry: [...entries, ...extra] } as Bundle;
    },
    { resourceTypes: [] },
  );
  return [allOk, bundle];
}

/** This request again, from `position` on. */
function nextUrl(base: string, req: FhirRequest, position: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query)) {
    if (k === '_page') continue;
    for (const one of Array.isArray(v) ? v : [v]) if (typeof one === 'string') params.append(k, one);
  }
  params.set('_page', String(position));
  return `${base}/fhir/R4/ServiceRequest/$lab-worklist?${params}`;
}

export const worklistHandler = (req: FhirRequest, repo: unknown) => worklist(req, repo as PostgresRepository);
