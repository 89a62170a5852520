import { allOk, type SearchRequest } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Bundle, DiagnosticReport, Parameters, ParametersParameter, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import { readTenantCatalogue, testFor } from './catalogue.ts';
import { bad, LAB_PROCEDURE, SNOMED, UCUM } from './fhir.ts';
import { durationMinutes, stageTimes, type TatOrder, type TatStep, tatSummary } from './tat.ts';

/**
 * `GET ServiceRequest/$lab-tat?since=&until=` (docs/lab.md): the lab's turnaround times for the
 * orders authored in the window (default the last 7 days): per test, the median minutes of each
 * step (ordered → collected → received → resulted → verified) and of collection → verification,
 * against the test's target (ActivityDefinition.timingDuration); and every sample over its target,
 * verified or still open, worst first. Every order of the window is read, in keyset pages of
 * 1,000, up to MAX_ORDERS; past that the answer says it is `truncated` (narrow the window).
 */

const PAGE = 1000;
const MAX_ORDERS = 100_000;

const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/;
const query = (req: FhirRequest, key: string) => {
  const v = req.query[key];
  return (Array.isArray(v) ? v.at(-1) : v) || undefined;
};
const mins = (value: number | undefined): ParametersParameter[] =>
  value === undefined ? [] : [{ name: 'minutes', valueQuantity: { value: Math.round(value), unit: 'min', system: UCUM, code: 'min' } }];
const stepParam = (name: string, s: TatStep): ParametersParameter => ({
  name,
  part: [{ name: 'from', valueCode: s.from }, { name: 'to', valueCode: s.to }, { name: 'count', valueInteger: s.count }, ...mins(s.median)],
});

async function tat(req: FhirRequest, repo: PostgresRepository, now = new Date()): Promise<FhirResponse> {
  const since = query(req, 'since') ?? new Date(now.getTime() - 7 * 86_400_000).toISOString().slice(0, 10);
  const until = query(req, 'until');
  if (!DATE.test(since)) bad('since must be a date (yyyy-mm-dd) or a dateTime', 'since');
  if (until && !DATE.test(until)) bad('until must be a date (yyyy-mm-dd) or a dateTime', 'until');
  // The page size of the reading (the answer is one summary whatever it is); smaller only to test paging.
  const pageSize = Number(query(req, '_count') ?? PAGE);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > PAGE) bad(`_count must be 1 to ${PAGE}`, '_count');
  let truncated = false;
  const out = await repo.withTransaction(
    async (tx) => {
      const catalogue = await readTenantCatalogue(tx);
      const orders: TatOrder[] = [];
      let cursor: string | undefined;
      let read = 0;
      do {
        const { request } = parseSearch(
          'ServiceRequest',
          {
            category: `${SNOMED}|${LAB_PROCEDURE}`,
            status: 'active,completed',
            authored: until ? [`ge${since}`, `le${until}`] : `ge${since}`,
            _include: 'ServiceRequest:specimen',
            _revinclude: 'DiagnosticReport:based-on',
            // Keyset order, so that page 50 costs what page 1 does; the summary does not depend on it.
            _sort: '_lastUpdated',
            _count: String(pageSize),
            ...(cursor ? { _cursor: cursor } : {}),
          } as Record<string, string | string[]>,
          false,
        );
        const found = (await tx.search(request as SearchRequest<ServiceRequest>)) as Bundle;
        const next = found.link?.find((l) => l.relation === 'next')?.url;
        cursor = next ? (new URL(next).searchParams.get('_cursor') ?? undefined) : undefined;
        const all = (found.entry ?? []).map((e) => e.resource);
        const specimens = new Map(all.filter((r): r is Specimen => r?.resourceType === 'Specimen').map((sp) => [sp.id, sp]));
        const reports = all.filter((r): r is DiagnosticReport => r?.resourceType === 'DiagnosticReport');
        for (const e of found.entry ?? []) {
          if (e.search?.mode === 'include' || e.resource?.resourceType !== 'ServiceRequest') continue;
          read++;
          const order = e.resource as ServiceRequest;
          const test = testFor(catalogue, order.code);
          if (!test) continue; // not a catalogue test: no target, no stage this lab keeps
          const mine = (order.specimen ?? [])
            .map((r) => specimens.get((r.reference ?? '').replace(/^Specimen\//, '')))
            .filter((sp): sp is Specimen => !!sp);
          const myReports = reports.filter((r) => r.basedOn?.some((b) => b.reference === `ServiceRequest/${order.id}`));
          orders.push({
            orderId: order.id as string,
            testKey: test.id,
            testName: test.title ?? test.name ?? '',
            targetMinutes: durationMinutes(test.timingDuration),
            priority: order.priority,
            accession: mine.find((sp) => sp.status === 'available')?.accessionIdentifier?.value,
            times: stageTimes(order, mine, myReports),
          });
        }
      } while (cursor && read < MAX_ORDERS);
      truncated = Boolean(cursor);
      return tatSummary(orders, now);
    },
    { resourceTypes: [] },
  );
  const parameter: ParametersParameter[] = [
    { name: 'since', valueString: since },
    ...(until ? [{ name: 'until', valueString: until }] : []),
    ...(truncated ? [{ name: 'truncated', valueBoolean: true }] : []),
    ...out.tests.map((t) => ({
      name: 'test',
      part: [
        { name: 'name', valueString: t.name },
        { name: 'activityDefinition', valueReference: { reference: `ActivityDefinition/${t.key}` } },
        { name: 'orders', valueInteger: t.orders },
        ...(t.targetMinutes !== undefined
          ? [{ name: 'target', valueQuantity: { value: t.targetMinutes, unit: 'min', system: UCUM, code: 'min' } }]
          : []),
        ...t.steps.map((s) => stepParam('step', s)),
        stepParam('total', t.total),
      ],
    })),
    ...out.breaches.map((b) => ({
      name: 'breach',
      part: [
        { name: 'order', valueReference: { reference: `ServiceRequest/${b.orderId}` } },
        { name: 'test', valueString: b.test },
        ...(b.accession ? [{ name: 'accession', valueString: b.accession }] : []),
        ...(b.priority ? [{ name: 'priority', valueCode: b.priority }] : []),
        { name: 'elapsed', valueQuantity: { value: b.elapsed, unit: 'min', system: UCUM, code: 'min' } },
        { name: 'target', valueQuantity: { value: b.targetMinutes, unit: 'min', system: UCUM, code: 'min' } },
        { name: 'verified', valueBoolean: b.verified },
      ],
    })),
  ];
  return [allOk, { resourceType: 'Parameters', parameter } as Parameters];
}

export const tatHandler = (req: FhirRequest, repo: unknown) => tat(req, repo as PostgresRepository);
