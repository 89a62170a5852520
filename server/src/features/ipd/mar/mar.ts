import { allOk, badRequest, type SearchRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type {
  Encounter,
  Flag,
  MedicationAdministration,
  MedicationRequest,
  Parameters,
  ParametersParameter,
  Resource,
} from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { parseSearch } from '../../../search/parse.ts';
import { fail, localReference, OperationInput, unprocessable } from '../../opd/fhir.ts';
import { dayNumber, kolkataInstant } from '../../opd/kolkata.ts';
import { readNamed } from '../beds.ts';
import { type DoseStatus, MAR_FLAG_SYSTEM, medicationText, recordedStatus, slotOf, slotTime, unrecordedStatus } from './model.ts';
import { dayRange, isPrn, scheduledDoses, todayInKolkata } from './schedule.ts';

/**
 * `GET Encounter/{id}/$mar?date=YYYY-MM-DD` (docs/ipd.md, "MAR"): the day's doses of every order of
 * the stay, each scheduled slot joined with the MedicationAdministration that records it and the
 * job's Flag, PRN orders with the doses given that day. Three searches (orders, administrations,
 * flags) and the rest in memory.
 */
const PAGE = 1000;
const DAY_MS = 86_400_000;
/** Orders that still produce due doses; doses already recorded show whatever the order's status. */
const SCHEDULING = new Set(['active', 'on-hold']);

async function all<T extends Resource>(repo: PostgresRepository, type: T['resourceType'], query: Record<string, string>) {
  const out: WithId<T>[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { request } = parseSearch(type, { ...query, _count: String(PAGE), _offset: String(offset), _sort: '_id' }, false);
    const page = (await repo.searchResources(request as SearchRequest<T>)) as WithId<T>[];
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

export interface MarDose {
  slot: string;
  time: number;
  kind: 'scheduled' | 'stat' | 'prn';
  status: DoseStatus;
  administration?: WithId<MedicationAdministration>;
  flag?: string;
}

export interface MarOrder {
  request: WithId<MedicationRequest>;
  prn: boolean;
  doses: MarDose[];
}

/** What the MAR of one stay shows for [from, to) at `now`; shared by the read and the job's check. */
export async function marOf(
  repo: PostgresRepository,
  encounter: WithId<Encounter>,
  from: number,
  to: number,
  now: number,
): Promise<MarOrder[]> {
  const context = `Encounter/${encounter.id}`;
  const [orders, records, flags] = await Promise.all([
    all<MedicationRequest>(repo, 'MedicationRequest', { encounter: context }),
    all<MedicationAdministration>(repo, 'MedicationAdministration', { context }),
    all<Flag>(repo, 'Flag', { encounter: context, identifier: `${MAR_FLAG_SYSTEM}|` }),
  ]);
  const flagOf = new Map<string, string>();
  for (const f of flags) {
    const key = f.identifier?.find((i) => i.system === MAR_FLAG_SYSTEM)?.value;
    const code = f.code?.coding?.[0]?.code;
    if (key && code && f.status === 'active') flagOf.set(key, code);
  }
  const stayStart = Date.parse(encounter.period?.start ?? '') || Number.NEGATIVE_INFINITY;
  const stayEnd = encounter.status === 'in-progress' ? Number.POSITIVE_INFINITY : Date.parse(encounter.period?.end ?? '') || now;
  const recordsOf = new Map<string, WithId<MedicationAdministration>[]>();
  for (const ma of records) {
    if (!recordedStatus(ma)) continue;
    const request = localReference(ma.request?.reference, repo.baseUrl);
    if (request?.type !== 'MedicationRequest') continue;
    recordsOf.set(request.id, [...(recordsOf.get(request.id) ?? []), ma]);
  }
  const out: MarOrder[] = [];
  for (const request of orders.sort((a, b) => medicationText(a).localeCompare(medicationText(b)))) {
    const recorded = recordsOf.get(request.id) ?? [];
    const bySlot = new Map(recorded.flatMap((ma) => (slotOf(ma) ? [[slotOf(ma) as string, ma] as const] : [])));
    const prn = isPrn(request);
    const doses: MarDose[] = [];
    if (SCHEDULING.has(request.status)) {
      // One day more, so the day's last dose knows the next one (it is missed once that falls due).
      const slots = scheduledDoses(request, from, to + DAY_MS).filter((s) => s.at >= stayStart && s.at < stayEnd);
      slots.forEach((slot, i) => {
        if (slot.at >= to) return;
        const administration = bySlot.get(slot.key);
        doses.push({
          slot: slot.key,
          time: slot.at,
          kind: slot.kind,
          status: administration ? (recordedStatus(administration) as DoseStatus) : unrecordedStatus(slot, now, slots[i + 1]?.at),
          ...(administration ? { administration } : {}),
          ...(flagOf.has(slot.key) ? { flag: flagOf.get(slot.key) } : {}),
        });
      });
    }
    const shown = new Set(doses.map((d) => d.slot));
    for (const ma of recorded) {
      const key = slotOf(ma);
      if (key && shown.has(key)) continue;
      // PRN doses, and slots the order no longer schedules (changed or stopped since): shown at their time.
      const time =
        key && !Number.isNaN(slotTime(key)) ? slotTime(key) : Date.parse(ma.effectiveDateTime ?? ma.effectivePeriod?.start ?? '');
      if (!(time >= from && time < to)) continue;
      doses.push({
        slot: key ?? ma.id,
        time,
        kind: key && !key.includes('/prn/') ? 'scheduled' : 'prn',
        status: recordedStatus(ma) as DoseStatus,
        administration: ma,
        ...(key && flagOf.has(key) ? { flag: flagOf.get(key) } : {}),
      });
    }
    if (doses.length === 0 && !(prn && SCHEDULING.has(request.status))) continue;
    out.push({ request, prn, doses: doses.sort((a, b) => a.time - b.time) });
  }
  return out;
}

const part = (name: string, value: Omit<ParametersParameter, 'name'>): ParametersParameter => ({ name, ...value });

function doseParameter(d: MarDose): ParametersParameter {
  const ma = d.administration;
  const reason = ma?.statusReason?.[0];
  return {
    name: 'dose',
    part: [
      part('slot', { valueString: d.slot }),
      part('time', { valueDateTime: kolkataInstant(d.time) }),
      part('kind', { valueCode: d.kind }),
      part('status', { valueCode: d.status }),
      ...(ma ? [part('administration', { valueReference: { reference: `MedicationAdministration/${ma.id}` } })] : []),
      ...(ma?.effectiveDateTime ? [part('recordedAt', { valueDateTime: ma.effectiveDateTime })] : []),
      ...(ma?.performer?.[0]?.actor ? [part('performer', { valueReference: ma.performer[0].actor })] : []),
      ...(reason ? [part('reason', { valueCodeableConcept: reason })] : []),
      ...(ma?.note?.[0]?.text ? [part('note', { valueString: ma.note[0].text })] : []),
      ...(d.flag ? [part('flag', { valueCode: d.flag })] : []),
    ],
  };
}

async function mar(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const input = new OperationInput(req.body, req.query);
  const date = input.string('date') ?? todayInKolkata();
  if (dayNumber(date) === undefined) fail(badRequest(`date must be a calendar date YYYY-MM-DD, not "${date}"`, 'date'));
  const encounter = await readNamed<Encounter>(repo, 'Encounter', req.params.id, 'encounter');
  if (encounter.class?.code !== 'IMP') fail(unprocessable(`Encounter/${encounter.id} is not an in-patient admission (class IMP)`));
  const now = Date.now();
  const { from, to } = dayRange(date);
  const orders = await marOf(repo, encounter, from, to, now);
  const result: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      part('date', { valueDate: date }),
      part('now', { valueDateTime: kolkataInstant(now) }),
      part('encounterStatus', { valueCode: encounter.status }),
      ...orders.map((o) => ({
        name: 'order',
        part: [
          part('request', { valueReference: { reference: `MedicationRequest/${o.request.id}`, display: medicationText(o.request) } }),
          part('medication', { valueString: medicationText(o.request) }),
          ...(o.request.dosageInstruction ?? []).flatMap((d) => (d.text ? [part('instruction', { valueString: d.text })] : [])),
          part('prn', { valueBoolean: o.prn }),
          part('orderStatus', { valueCode: o.request.status }),
          ...o.doses.map(doseParameter),
        ],
      })),
    ],
  };
  return [allOk, result];
}

export const marHandler = (req: FhirRequest, repo: unknown) => mar(req, repo as PostgresRepository);
