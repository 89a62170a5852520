import { allOk, badRequest, type SearchRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Encounter, Location, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import { fail, localReference, OperationInput } from '../opd/fhir.ts';
import { dateOfDay, dayNumber, kolkataDate, localInstant } from '../opd/kolkata.ts';
import { DISCHARGE_DISPOSITION, physicalTypeOf } from './model.ts';

/**
 * `GET Location/$census?from=&to=&branch=` (docs/ipd.md): per ward per IST day, admissions,
 * discharges, deaths, transfers in and out, the midnight census and the average length of stay of
 * the stays that ended that day, all from the Encounters' location histories (the same history
 * bed-days are billed from). Two searches through the caller's repository, so access policies
 * (branches) and the tenant apply; the counting is in memory.
 */
const PAGE = 1000;
const DAY_MS = 86_400_000;
const MAX_DAYS = 92;

export interface WardDay {
  admissions: number;
  discharges: number;
  deaths: number;
  transfersIn: number;
  transfersOut: number;
  /** Patients in the ward's beds at the midnight that ends the day. */
  occupancy: number;
  /** Days (IST midnights, at least 1) of the stays that ended in the ward that day, summed. */
  losDays: number;
}

export interface Stay {
  /** Ward ids of the bed entries in order, with their [start, end) in ms (end Infinity while there). */
  entries: { ward: string | undefined; start: number; end: number }[];
  admittedAt: number;
  /** Set when the stay is over. */
  endedAt?: number;
  died: boolean;
}

const empty = (): WardDay => ({ admissions: 0, discharges: 0, deaths: 0, transfersIn: 0, transfersOut: 0, occupancy: 0, losDays: 0 });
const dayOf = (ms: number) => Math.floor((ms + 330 * 60_000) / DAY_MS);

/** Counts the stays into ward × day cells for days [fromDay, toDay]. Pure: the census test's arithmetic. */
export function countCensus(stays: Stay[], wards: string[], fromDay: number, toDay: number): Map<string, WardDay[]> {
  const cells = new Map(wards.map((w) => [w, Array.from({ length: toDay - fromDay + 1 }, empty)]));
  const cell = (ward: string | undefined, ms: number) => {
    const d = dayOf(ms);
    return ward && d >= fromDay && d <= toDay ? cells.get(ward)?.[d - fromDay] : undefined;
  };
  for (const stay of stays) {
    const [first] = stay.entries;
    if (!first) continue;
    const admitted = cell(first.ward, stay.admittedAt);
    if (admitted) admitted.admissions++;
    stay.entries.forEach((e, i) => {
      const before = stay.entries[i - 1];
      if (before && before.ward !== e.ward) {
        const out = cell(before.ward, e.start);
        if (out) out.transfersOut++;
        const into = cell(e.ward, e.start);
        if (into) into.transfersIn++;
      }
      // Midnight census: the midnight ending day d is the start of day d + 1.
      for (let d = Math.max(fromDay, dayOf(e.start) - 1); d <= toDay; d++) {
        const midnight = localInstant(d + 1, 0);
        if (midnight >= e.end) break;
        if (midnight >= e.start && e.ward) {
          const c = cells.get(e.ward)?.[d - fromDay];
          if (c) c.occupancy++;
        }
      }
    });
    if (stay.endedAt !== undefined) {
      const last = stay.entries.at(-1);
      const out = cell(last?.ward, stay.endedAt);
      if (out) {
        if (stay.died) out.deaths++;
        else out.discharges++;
        out.losDays += Math.max(1, dayOf(stay.endedAt) - dayOf(stay.admittedAt));
      }
    }
  }
  return cells;
}

async function all<T extends Location | Encounter>(repo: PostgresRepository, type: T['resourceType'], query: Record<string, string>) {
  const out: WithId<T>[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { request } = parseSearch(type, { ...query, _count: String(PAGE), _offset: String(offset), _sort: '_id' }, false);
    const page = await repo.searchResources(request as SearchRequest<T>);
    out.push(...(page as WithId<T>[]));
    if (page.length < PAGE) return out;
  }
}

function dayParam(input: OperationInput, name: string, fallback: number): number {
  const value = input.string(name);
  if (value === undefined) return fallback;
  const day = dayNumber(value);
  if (day === undefined) fail(badRequest(`${name} must be a date (YYYY-MM-DD)`, name));
  return day as number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function figures(c: WardDay, beds: number, days = 1): ParametersParameter[] {
  const separations = c.discharges + c.deaths;
  return [
    { name: 'admissions', valueInteger: c.admissions },
    { name: 'discharges', valueInteger: c.discharges },
    { name: 'deaths', valueInteger: c.deaths },
    { name: 'transfersIn', valueInteger: c.transfersIn },
    { name: 'transfersOut', valueInteger: c.transfersOut },
    ...(days === 1
      ? [{ name: 'occupancy', valueInteger: c.occupancy }]
      : [
          { name: 'bedDays', valueInteger: c.occupancy },
          { name: 'occupancy', valueDecimal: round1(c.occupancy / days) },
        ]),
    ...(beds ? [{ name: 'occupancyPercent', valueDecimal: round1((100 * c.occupancy) / days / beds) }] : []),
    ...(separations ? [{ name: 'averageLengthOfStay', valueDecimal: round1(c.losDays / separations) }] : []),
  ];
}

async function census(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const input = new OperationInput(req.body, req.query);
  const base = repo.baseUrl;
  const today = dayNumber(kolkataDate(Date.now())) as number;
  const toDay = dayParam(input, 'to', today);
  const fromDay = dayParam(input, 'from', toDay);
  if (fromDay > toDay) fail(badRequest('from is after to', 'from'));
  if (toDay - fromDay + 1 > MAX_DAYS) fail(badRequest(`A census covers at most ${MAX_DAYS} days`, 'to'));
  const branchInput = input.reference('branch');
  const branch = branchInput === undefined ? undefined : localReference(branchInput, base);
  if (branchInput !== undefined && branch?.type !== 'Organization') {
    fail(badRequest(`Parameter branch must reference an Organization, not "${branchInput}"`, 'branch'));
  }

  const { locations, encounters } = await repo.withTransaction(
    async (tx) => {
      const locations = await all<Location>(tx, 'Location', branch ? { organization: `Organization/${branch.id}` } : {});
      // Stays that had not ended before the first day (a period search matches open periods too).
      const query: Record<string, string> = {
        class: 'IMP',
        status: 'in-progress,finished',
        date: `ge${dateOfDay(fromDay)}T00:00:00+05:30`,
      };
      if (branch) query['service-provider'] = `Organization/${branch.id}`;
      return { locations, encounters: await all<Encounter>(tx, 'Encounter', query) };
    },
    { resourceTypes: [] },
  );

  const byId = new Map(locations.map((l) => [l.id, l]));
  const wardOf = new Map<string, string>();
  const wardFor = (l: Location | undefined): string | undefined => {
    for (let cur = l, depth = 0; cur && depth < 5; depth++) {
      if (physicalTypeOf(cur) === 'wa') return cur.id;
      const up = localReference(cur.partOf?.reference, base);
      cur = up?.type === 'Location' ? byId.get(up.id) : undefined;
    }
    return undefined;
  };
  const wards = locations.filter((l) => physicalTypeOf(l) === 'wa' && l.status !== 'inactive');
  const beds = new Map<string, number>();
  for (const l of locations) {
    const ward = wardFor(l);
    if (!ward) continue;
    wardOf.set(l.id, ward);
    if (physicalTypeOf(l) === 'bd' && l.status === 'active') beds.set(ward, (beds.get(ward) ?? 0) + 1);
  }
  const stays: Stay[] = [];
  for (const e of encounters) {
    const entries = (e.location ?? [])
      .filter((l) => l.status === 'active' || l.status === 'completed')
      .map((l) => {
        const ref = localReference(l.location?.reference, base);
        const start = Date.parse(l.period?.start ?? '');
        const end = l.period?.end
          ? Date.parse(l.period.end)
          : e.status === 'finished' && e.period?.end
            ? Date.parse(e.period.end)
            : Infinity;
        return { ward: ref ? wardOf.get(ref.id) : undefined, start, end };
      })
      .filter((x) => !Number.isNaN(x.start))
      .sort((a, b) => a.start - b.start);
    const admittedAt = Date.parse(e.period?.start ?? '') || entries[0]?.start;
    if (!entries.length || Number.isNaN(admittedAt)) continue;
    const disposition = e.hospitalization?.dischargeDisposition?.coding?.find((c) => c.system === DISCHARGE_DISPOSITION)?.code;
    const endedAt = e.status === 'finished' ? Date.parse(e.period?.end ?? '') || entries.at(-1)?.end : undefined;
    stays.push({ entries, admittedAt, endedAt: endedAt === Infinity ? undefined : endedAt, died: disposition === 'exp' });
  }
  const cells = countCensus(
    stays,
    wards.map((w) => w.id),
    fromDay,
    toDay,
  );

  const parameter: ParametersParameter[] = [];
  for (const ward of wards.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '', 'en', { numeric: true }))) {
    const days = cells.get(ward.id) ?? [];
    const bedCount = beds.get(ward.id) ?? 0;
    const total = days.reduce((sum, c) => {
      for (const k of Object.keys(sum) as (keyof WardDay)[]) sum[k] += c[k];
      return sum;
    }, empty());
    parameter.push({
      name: 'ward',
      part: [
        { name: 'ward', valueReference: { reference: `Location/${ward.id}`, ...(ward.name ? { display: ward.name } : {}) } },
        ...(ward.managingOrganization ? [{ name: 'branch', valueReference: ward.managingOrganization }] : []),
        { name: 'beds', valueInteger: bedCount },
        ...days.map((c, i) => ({ name: 'day', part: [{ name: 'date', valueDate: dateOfDay(fromDay + i) }, ...figures(c, bedCount)] })),
        { name: 'total', part: figures(total, bedCount, days.length) },
      ],
    });
  }
  const result: Parameters = {
    resourceType: 'Parameters',
    parameter: [{ name: 'from', valueDate: dateOfDay(fromDay) }, { name: 'to', valueDate: dateOfDay(toDay) }, ...parameter],
  };
  return [allOk, result];
}

export const censusHandler = (req: FhirRequest, repo: unknown) => census(req, repo as PostgresRepository);
