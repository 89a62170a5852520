import type { Bundle, Encounter, Flag, Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { BotHandler } from '../../contract.ts';

/** One Flag per overdue dose, identified by the dose's slot (`<MedicationRequest id>/<IST yyyy-mm-ddThh:mm>`). */
export const FLAG_SYSTEM = 'https://hospital-ops.in/fhir/sid/mar-dose-flag';
const FLAG_CODES = 'https://hospital-ops.in/fhir/CodeSystem/mar-dose-flag';
const IST_MS = 330 * 60_000;
const DAY_MS = 86_400_000;
const DISPLAY: Record<string, string> = { late: 'Late dose', missed: 'Missed dose' };
const RECORDED = new Set(['given', 'not-given', 'held']);

const part = (p: ParametersParameter, name: string) => p.part?.find((x) => x.name === name);

/**
 * Every 15 minutes: reads each open in-patient stay's MAR for today and yesterday (a dose at 22:00
 * is missed after midnight) through `Encounter/$mar`, and for each dose the server calls late or
 * missed makes sure one active Flag says so: created once (conditional create on the slot), moved
 * from late to missed once, and closed (inactive) when the nurse has recorded the dose. A repeated
 * or retried run changes nothing.
 */
const marDoses: BotHandler = async (medplum, input) => {
  const fired = Date.parse(input.schedule?.firedAt ?? '') || Date.now();
  const days = [fired - DAY_MS, fired].map((ms) => new Date(ms + IST_MS).toISOString().slice(0, 10));
  const stays = await medplum.searchResources('Encounter', { class: 'IMP', status: 'in-progress', _count: '1000' }, { cache: 'no-cache' });
  for (const stay of stays) {
    for (const date of days) {
      const mar = await medplum.get<Parameters>(`${medplum.fhirUrl('Encounter', stay.id as string, '$mar')}?date=${date}`, {
        cache: 'no-cache',
      });
      for (const order of (mar.parameter ?? []).filter((p) => p.name === 'order')) {
        const medication = part(order, 'medication')?.valueString ?? 'Medication';
        const request = part(order, 'request')?.valueReference;
        for (const dose of (order.part ?? []).filter((p) => p.name === 'dose')) {
          const slot = part(dose, 'slot')?.valueString;
          const status = part(dose, 'status')?.valueCode;
          const flagged = part(dose, 'flag')?.valueCode;
          if (!slot || !status || flagged === status) continue;
          const time = part(dose, 'time')?.valueDateTime ?? '';
          if (status === 'late' || status === 'missed')
            await raise(medplum, stay, slot, status, `${medication}, due ${time.slice(11, 16)} on ${date}`, request);
          else if (RECORDED.has(status) && flagged) await close(medplum, slot);
        }
      }
    }
  }
};

type Client = globalThis.Parameters<BotHandler>[0];

async function existing(medplum: Client, slot: string): Promise<Flag | undefined> {
  const found = await medplum.search('Flag', { identifier: `${FLAG_SYSTEM}|${slot}` }, { cache: 'no-cache' });
  return (found as Bundle<Flag>).entry?.[0]?.resource;
}

async function raise(medplum: Client, stay: Encounter, slot: string, status: string, what: string, request?: { reference?: string }) {
  const code = { coding: [{ system: FLAG_CODES, code: status, display: DISPLAY[status] }], text: `${DISPLAY[status]}: ${what}` };
  const flag: Flag = {
    resourceType: 'Flag',
    identifier: [{ system: FLAG_SYSTEM, value: slot }],
    status: 'active',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'clinical', display: 'Clinical' }] }],
    code,
    subject: stay.subject as Flag['subject'],
    encounter: { reference: `Encounter/${stay.id}` },
    period: { start: new Date().toISOString() },
    ...(request?.reference
      ? { extension: [{ url: 'https://hospital-ops.in/fhir/StructureDefinition/mar-order', valueReference: request }] }
      : {}),
  };
  const saved = await medplum.createResourceIfNoneExist(flag, `identifier=${encodeURIComponent(`${FLAG_SYSTEM}|${slot}`)}`);
  // Late then missed: the same Flag moves on once and never back; one closed when the dose was recorded
  // opens again if that record is withdrawn (entered-in-error).
  const was = saved.code?.coding?.[0]?.code;
  const next = was === 'missed' ? 'missed' : status;
  if (saved.status !== 'active' || was !== next)
    await medplum.updateResource({ ...saved, status: 'active', code: next === status ? code : saved.code });
}

async function close(medplum: Client, slot: string) {
  const flag = await existing(medplum, slot);
  if (flag?.status === 'active')
    await medplum.updateResource({ ...flag, status: 'inactive', period: { ...flag.period, end: new Date().toISOString() } });
}

export default marDoses;
