import type {
  CodeableConcept,
  MedicationAdministration,
  Parameters,
  ParametersParameter,
  Patient,
  Practitioner,
  Reference,
} from '@medplum/fhirtypes';

// The MAR screen's logic (docs/ipd.md, "MAR"): reading Encounter/$mar, the dose records it writes.

export const MAR_DOSE_SYSTEM = 'https://hospital-ops.in/fhir/sid/mar-dose';
export const MAR_SCHEDULED_URL = 'https://hospital-ops.in/fhir/StructureDefinition/mar-scheduled-time';
export const NOT_GIVEN_SYSTEM = 'https://hospital-ops.in/fhir/CodeSystem/mar-not-given-reason';

export type DoseStatus = 'due' | 'late' | 'missed' | 'given' | 'not-given' | 'held';
export type DoseAction = 'given' | 'not-given' | 'held';

/** Never colour alone: each status has a colour, an icon and a word (mar.status.*). */
export const DOSE_LOOK: Record<DoseStatus, { color: string; icon: string }> = {
  due: { color: 'blue', icon: '○' },
  late: { color: 'orange', icon: '⏰' },
  missed: { color: 'red', icon: '‼' },
  given: { color: 'green', icon: '✓' },
  'not-given': { color: 'grape', icon: '✗' },
  held: { color: 'yellow', icon: '⏸' },
};

/** Why a dose was not given: the picker's choices (labels in mar.reason.*). */
export const NOT_GIVEN_REASONS = ['refused', 'nil-by-mouth', 'vomiting', 'away', 'unavailable', 'asleep', 'other'] as const;
export type NotGivenReason = (typeof NOT_GIVEN_REASONS)[number];

export interface Dose {
  slot: string;
  time: string;
  kind: 'scheduled' | 'stat' | 'prn';
  status: DoseStatus;
  administration?: string;
  recordedAt?: string;
  reason?: CodeableConcept;
  note?: string;
  flag?: string;
}

export interface MarOrder {
  request: Reference;
  medication: string;
  instructions: string[];
  prn: boolean;
  orderStatus: string;
  doses: Dose[];
}

export interface MarDay {
  date: string;
  now: string;
  open: boolean;
  orders: MarOrder[];
}

const parts = (p: ParametersParameter) => p.part ?? [];
const one = (p: ParametersParameter, name: string) => parts(p).find((x) => x.name === name);

export function parseMar(result: Parameters): MarDay {
  const top = result.parameter ?? [];
  const value = (name: string) => top.find((p) => p.name === name);
  return {
    date: value('date')?.valueDate ?? '',
    now: value('now')?.valueDateTime ?? '',
    open: value('encounterStatus')?.valueCode === 'in-progress',
    orders: top
      .filter((p) => p.name === 'order')
      .map((o) => ({
        request: one(o, 'request')?.valueReference ?? {},
        medication: one(o, 'medication')?.valueString ?? '',
        instructions: parts(o)
          .filter((x) => x.name === 'instruction')
          .map((x) => x.valueString ?? ''),
        prn: one(o, 'prn')?.valueBoolean === true,
        orderStatus: one(o, 'orderStatus')?.valueCode ?? '',
        doses: parts(o)
          .filter((x) => x.name === 'dose')
          .map((d) => ({
            slot: one(d, 'slot')?.valueString ?? '',
            time: one(d, 'time')?.valueDateTime ?? '',
            kind: (one(d, 'kind')?.valueCode ?? 'scheduled') as Dose['kind'],
            status: (one(d, 'status')?.valueCode ?? 'due') as DoseStatus,
            administration: one(d, 'administration')?.valueReference?.reference,
            recordedAt: one(d, 'recordedAt')?.valueDateTime,
            reason: one(d, 'reason')?.valueCodeableConcept,
            note: one(d, 'note')?.valueString,
            flag: one(d, 'flag')?.valueCode,
          })),
      })),
  };
}

export interface Row {
  order: MarOrder;
  dose: Dose;
}

/** The day's scheduled doses of every order in time order (PRN doses are listed with their order). */
export const timeline = (day: MarDay): Row[] =>
  day.orders
    .filter((o) => !o.prn)
    .flatMap((order) => order.doses.map((dose) => ({ order, dose })))
    .sort((a, b) => Date.parse(a.dose.time) - Date.parse(b.dose.time) || a.order.medication.localeCompare(b.order.medication));

const EARLY_MS = 60 * 60_000;

/** What can be recorded on a dose now: nothing once recorded or on a finished stay; "given" from an hour before its time. */
export function actionsFor(day: MarDay, dose: Dose, now = Date.parse(day.now)): DoseAction[] {
  if (!day.open || dose.administration) return [];
  const early = Date.parse(dose.time) - now > EARLY_MS;
  return early ? ['not-given', 'held'] : ['given', 'not-given', 'held'];
}

/** IST wall clock `yyyy-mm-ddThh:mm` of an instant: the PRN dose's slot. */
const istMinute = (ms: number) => new Date(ms + 330 * 60_000).toISOString().slice(0, 16);
const istInstant = (ms: number) => `${new Date(ms + 330 * 60_000).toISOString().slice(0, 19)}+05:30`;

export interface RecordContext {
  patient: Reference<Patient>;
  encounterId: string;
  performer?: Reference<Practitioner>;
  now: number;
  /** The reason's label in the nurse's language, kept as text beside the code. */
  reasonText?: string;
}

/** The MedicationAdministration the server's rules expect for one dose (or a PRN dose given now). */
export function doseRecord(
  action: DoseAction,
  order: MarOrder,
  dose: Dose | undefined,
  ctx: RecordContext,
  reason?: NotGivenReason,
): MedicationAdministration {
  const requestId = order.request.reference?.split('/')[1] ?? '';
  const slot = dose?.slot ?? `${requestId}/prn/${istMinute(ctx.now)}`;
  return {
    resourceType: 'MedicationAdministration',
    status: action === 'given' ? 'completed' : action === 'held' ? 'on-hold' : 'not-done',
    identifier: [{ system: MAR_DOSE_SYSTEM, value: slot }],
    ...(dose ? { extension: [{ url: MAR_SCHEDULED_URL, valueDateTime: dose.time }] } : {}),
    ...(action === 'not-given' && reason
      ? { statusReason: [{ coding: [{ system: NOT_GIVEN_SYSTEM, code: reason }], text: ctx.reasonText ?? reason }] }
      : {}),
    medicationCodeableConcept: { text: order.medication },
    subject: ctx.patient,
    context: { reference: `Encounter/${ctx.encounterId}` },
    request: { reference: order.request.reference, display: order.medication },
    effectiveDateTime: istInstant(ctx.now),
    ...(ctx.performer ? { performer: [{ actor: ctx.performer }] } : {}),
  };
}

/** The calendar date `days` after `date` (yyyy-mm-dd). */
export function shiftDate(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Keys on a focused dose row: G given, N not given, H held. */
export const KEY_ACTIONS: Record<string, DoseAction> = { g: 'given', n: 'not-given', h: 'held' };
