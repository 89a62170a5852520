import { allOk, type SearchRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Encounter, Location, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import { localReference, OperationInput } from '../opd/fhir.ts';
import { currentBed } from './encounter.ts';
import { ownClassOf, physicalTypeOf, positionOf, statusOf, tagsOf } from './model.ts';

/**
 * `GET Location/$bed-board` (docs/ipd.md): every ward's beds with status, the current patient (name,
 * days admitted, attending doctor) and occupancy per ward and branch; filters `branch`, `ward`,
 * `class`, `tag`. Two searches whatever the size (all Locations, all open admissions) and a join in
 * memory; names come from the displays $admit wrote on the Encounter, so no per-bed reads.
 */
const PAGE = 1000;
const DAY_MS = 86_400_000;
const IST_MS = 330 * 60_000;

async function all<T extends Location | Encounter>(repo: PostgresRepository, type: T['resourceType'], query: Record<string, string>) {
  const out: WithId<T>[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { request } = parseSearch(type, { ...query, _count: String(PAGE), _offset: String(offset), _sort: '_id' }, false);
    const page = await repo.searchResources(request as SearchRequest<T>);
    out.push(...(page as WithId<T>[]));
    if (page.length < PAGE) return out;
  }
}

/** IST midnights since admission: the bed-days so far, the count hospitals and billing use. */
export function daysAdmitted(start: string | undefined, now: number): number {
  const from = Date.parse(start ?? '');
  if (Number.isNaN(from)) return 0;
  return Math.max(0, Math.floor((now + IST_MS) / DAY_MS) - Math.floor((from + IST_MS) / DAY_MS));
}

const ref = (reference: string, display?: string) => ({ reference, ...(display ? { display } : {}) });

async function bedBoard(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const input = new OperationInput(req.body, req.query);
  const base = repo.baseUrl;
  const wantBranch = localReference(input.string('branch'), base)?.id;
  const wantWard = localReference(input.string('ward'), base)?.id;
  const wantClass = input.string('class');
  const wantTag = input.string('tag');

  const locations = await all<Location>(repo, 'Location', wantBranch ? { organization: `Organization/${wantBranch}` } : {});
  const admissions = await all<Encounter>(repo, 'Encounter', { class: 'IMP', status: 'in-progress' });
  const byId = new Map(locations.map((l) => [l.id, l]));
  const parentOf = (l: Location) => {
    const r = localReference(l.partOf?.reference, base);
    return r?.type === 'Location' ? byId.get(r.id) : undefined;
  };
  const wardOf = (l: Location): Location | undefined => {
    for (let cur = parentOf(l), depth = 0; cur && depth < 4; cur = parentOf(cur), depth++) if (physicalTypeOf(cur) === 'wa') return cur;
    return undefined;
  };
  const inBed = new Map<string, WithId<Encounter>>();
  for (const e of admissions) {
    const bed = currentBed(e, base);
    if (bed) inBed.set(bed.id, e);
  }
  const now = Date.now();
  const wards = new Map<string, { ward: Location; beds: ParametersParameter[]; occupied: number }>();
  // The board's order: by layout position, then by name (a bed without a position goes last).
  const key = (l: Location) => {
    const at = positionOf(l);
    return at ? [at.row, at.column] : [Number.MAX_SAFE_INTEGER, 0];
  };
  const ordered = locations
    .filter((l) => physicalTypeOf(l) === 'bd')
    .sort((a, b) => {
      const [ka, kb] = [key(a), key(b)];
      return ka[0] - kb[0] || ka[1] - kb[1] || (a.name ?? '').localeCompare(b.name ?? '', 'en', { numeric: true });
    });
  for (const bed of ordered) {
    if (physicalTypeOf(bed) !== 'bd' || bed.status === 'inactive') continue;
    const ward = wardOf(bed);
    if (!ward || (wantWard && ward.id !== wantWard)) continue;
    const room = parentOf(bed);
    const bedClass = ownClassOf(bed) ?? (room ? ownClassOf(room) : undefined) ?? ownClassOf(ward);
    const tags = tagsOf(bed);
    if ((wantClass && bedClass !== wantClass) || (wantTag && !tags.includes(wantTag))) continue;
    const status = statusOf(bed) ?? 'U';
    const stay = inBed.get(bed.id as string);
    const attending = stay?.participant?.find((p) => p.type?.some((t) => t.coding?.some((c) => c.code === 'ATND')))?.individual;
    const position = positionOf(bed);
    const part: ParametersParameter[] = [
      { name: 'bed', valueReference: ref(`Location/${bed.id}`, bed.name) },
      { name: 'status', valueCode: status },
      ...(bedClass ? [{ name: 'class', valueCode: bedClass }] : []),
      ...tags.map((t) => ({ name: 'tag', valueCode: t })),
      ...(room && room !== ward ? [{ name: 'room', valueReference: ref(`Location/${room.id}`, room.name) }] : []),
      ...(position
        ? [
            { name: 'row', valueInteger: position.row },
            { name: 'column', valueInteger: position.column },
          ]
        : []),
      ...(stay
        ? [
            { name: 'encounter', valueReference: ref(`Encounter/${stay.id}`) },
            ...(stay.subject ? [{ name: 'patient', valueReference: stay.subject }] : []),
            ...(attending ? [{ name: 'attending', valueReference: attending }] : []),
            { name: 'daysAdmitted', valueInteger: daysAdmitted(stay.period?.start, now) },
          ]
        : []),
    ];
    const entry = wards.get(ward.id as string) ?? { ward, beds: [], occupied: 0 };
    entry.beds.push({ name: 'bed', part });
    if (status === 'O') entry.occupied++;
    wards.set(ward.id as string, entry);
  }

  const branches = new Map<string, { beds: number; occupied: number }>();
  const parameter: ParametersParameter[] = [];
  for (const { ward, beds, occupied } of [...wards.values()].sort((a, b) => (a.ward.name ?? '').localeCompare(b.ward.name ?? ''))) {
    const branch = ward.managingOrganization?.reference ?? 'unknown';
    const totals = branches.get(branch) ?? { beds: 0, occupied: 0 };
    totals.beds += beds.length;
    totals.occupied += occupied;
    branches.set(branch, totals);
    parameter.push({
      name: 'ward',
      part: [
        { name: 'ward', valueReference: ref(`Location/${ward.id}`, ward.name) },
        ...(ward.managingOrganization ? [{ name: 'branch', valueReference: ward.managingOrganization }] : []),
        ...(ownClassOf(ward) ? [{ name: 'class', valueCode: ownClassOf(ward) }] : []),
        { name: 'beds', valueInteger: beds.length },
        { name: 'occupied', valueInteger: occupied },
        ...beds,
      ],
    });
  }
  for (const [branch, totals] of branches) {
    parameter.push({
      name: 'branch',
      part: [
        { name: 'branch', valueReference: { reference: branch } },
        { name: 'beds', valueInteger: totals.beds },
        { name: 'occupied', valueInteger: totals.occupied },
      ],
    });
  }
  const board: Parameters = { resourceType: 'Parameters', ...(parameter.length ? { parameter } : {}) };
  return [allOk, board];
}

export const bedBoardHandler = (req: FhirRequest, repo: unknown) => bedBoard(req, repo as PostgresRepository);
