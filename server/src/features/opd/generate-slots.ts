import { allOk, badRequest, type SearchRequest, type WithId } from '@medplum/core';
import type { FhirRequest, FhirResponse } from '@medplum/fhir-router';
import type { Parameters, PractitionerRole, Schedule, Slot } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../repo/postgres-repository.ts';
import { parseSearch } from '../../search/parse.ts';
import { fail, localReference, OperationInput, SCHEDULE_ID_SYSTEM, unprocessable } from './fhir.ts';
import { dayNumber, kolkataInstant } from './kolkata.ts';
import { type Interval, overlaps, planSlots } from './working-hours.ts';

/**
 * `POST PractitionerRole/[id]/$generate-slots` (docs/opd.md): the free Slots a role's working
 * hours give on local days `start`..`end`, on the one Schedule kept for the role. Idempotent: a
 * time already covered by a Slot of that Schedule (any status, made by an earlier run or by hand)
 * gets no second one, and existing Slots are not touched. One transaction, on the caller's
 * repository, so the caller's access to PractitionerRole, Schedule and Slot applies.
 */

const MAX_DAYS = 92;
const DEFAULT_MINUTES = 15;
const PAGE = 1000;
const DAY_MS = 86_400_000;

interface Input {
  fromDay: number;
  toDay: number;
  minutes: number;
}

function readInput(req: FhirRequest): Input {
  const input = new OperationInput(req.body, req.query);
  const day = (name: 'start' | 'end'): number => {
    const value = input.string(name);
    if (value === undefined) return fail(badRequest(`Parameter ${name} (a date, YYYY-MM-DD) is required`, name));
    return dayNumber(value) ?? fail(badRequest(`Parameter ${name} must be a date (YYYY-MM-DD), not "${value}"`, name));
  };
  const fromDay = day('start');
  const toDay = day('end');
  if (toDay < fromDay) fail(badRequest('end must not be before start', 'end'));
  if (toDay - fromDay + 1 > MAX_DAYS) fail(badRequest(`At most ${MAX_DAYS} days at a time`, 'end'));
  const minutes = input.integer('slot-minutes') ?? DEFAULT_MINUTES;
  if (!Number.isInteger(minutes) || minutes < 5 || minutes > 480) {
    fail(badRequest('slot-minutes must be a whole number of minutes from 5 to 480', 'slot-minutes'));
  }
  return { fromDay, toDay, minutes };
}

/** The role's Schedule, found by its identifier, or made now (actor: practitioner, role, locations). */
async function ensureSchedule(
  tx: PostgresRepository,
  role: WithId<PractitionerRole>,
): Promise<{ schedule: WithId<Schedule>; created: boolean }> {
  const { request } = parseSearch('Schedule', { identifier: `${SCHEDULE_ID_SYSTEM}|${role.id}`, _count: '1' }, false);
  const found = await tx.searchResources(request as SearchRequest<Schedule>);
  if (found[0]) return { schedule: found[0], created: false };
  const schedule = await tx.createResource<Schedule>({
    resourceType: 'Schedule',
    identifier: [{ system: SCHEDULE_ID_SYSTEM, value: role.id }],
    active: true,
    ...(role.specialty ? { specialty: role.specialty } : {}),
    actor: [role.practitioner, { reference: `PractitionerRole/${role.id}` }, ...(role.location ?? [])] as Schedule['actor'],
    comment: "OPD slots from the practitioner role's working hours (PractitionerRole/$generate-slots)",
  });
  return { schedule, created: true };
}

/** Times of the Schedule's Slots that may overlap the range (taken as starting at most a day before it). */
async function existingSlotTimes(tx: PostgresRepository, scheduleId: string, range: Interval): Promise<Interval[]> {
  const times: Interval[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const { request } = parseSearch(
      'Slot',
      {
        schedule: `Schedule/${scheduleId}`,
        start: [`ge${new Date(range.start - DAY_MS).toISOString()}`, `lt${new Date(range.end).toISOString()}`],
        _sort: '_id',
        _count: String(PAGE),
        _offset: String(offset),
      },
      false,
    );
    const page = await tx.searchResources(request as SearchRequest<Slot>);
    // A Slot made in error covers no time.
    for (const s of page) if (s.status !== 'entered-in-error') times.push({ start: Date.parse(s.start), end: Date.parse(s.end) });
    if (page.length < PAGE) return times;
  }
}

async function generateSlots(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const roleId = req.params.id;
  const { fromDay, toDay, minutes } = readInput(req);
  const output = await repo.withTransaction(
    async (tx) => {
      // Runs for one role queue up on its row: a second run sees the first one's Slots.
      await tx.query((sql) => sql.query('SELECT 1 FROM "PractitionerRole" WHERE id = $1 FOR UPDATE', [roleId]));
      const role = await tx.readResource<PractitionerRole>('PractitionerRole', roleId);
      if (role.active === false) fail(unprocessable('The PractitionerRole is not active', 'PractitionerRole.active'));
      if (localReference(role.practitioner?.reference, tx.baseUrl)?.type !== 'Practitioner') {
        fail(unprocessable('The PractitionerRole names no Practitioner on this server', 'PractitionerRole.practitioner'));
      }
      const plan = planSlots(role, fromDay, toDay, minutes);
      const { schedule, created: scheduleCreated } = await ensureSchedule(tx, role);
      const range = { start: plan.slots[0]?.start ?? 0, end: plan.slots.at(-1)?.end ?? 0 };
      const existing = plan.slots.length ? await existingSlotTimes(tx, schedule.id, range) : [];
      const fresh = plan.slots.filter((slot) => !existing.some((e) => overlaps(e, slot)));
      const slots: WithId<Slot>[] = [];
      for (const time of fresh) {
        slots.push(
          await tx.createResource<Slot>({
            resourceType: 'Slot',
            schedule: { reference: `Schedule/${schedule.id}` },
            status: 'free',
            start: kolkataInstant(time.start),
            end: kolkataInstant(time.end),
            ...(role.specialty ? { specialty: role.specialty } : {}),
          }),
        );
      }
      return { schedule, scheduleCreated, slots, existing: plan.slots.length - fresh.length, unavailable: plan.unavailable };
    },
    { resourceTypes: ['PractitionerRole', 'Schedule', 'Slot'] },
  );
  const result: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'schedule', valueReference: { reference: `Schedule/${output.schedule.id}` } },
      { name: 'schedule-created', valueBoolean: output.scheduleCreated },
      { name: 'created', valueInteger: output.slots.length },
      { name: 'existing', valueInteger: output.existing },
      { name: 'unavailable', valueInteger: output.unavailable },
      ...output.slots.map((s) => ({ name: 'slot', valueReference: { reference: `Slot/${s.id}`, display: `${s.start} to ${s.end}` } })),
    ],
  };
  return [allOk, result];
}

export const generateSlotsHandler = (req: FhirRequest, repo: unknown) => generateSlots(req, repo as PostgresRepository);
