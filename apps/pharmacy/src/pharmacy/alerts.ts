import type { Parameters, Task } from '@medplum/fhirtypes';
import { named, part, refId } from './params.ts';

/** The alerts the bot raises (bots/pharmacy-alerts): Tasks for the pharmacist role. */
export const STAFF_ROLE = 'https://hospital-ops.in/fhir/CodeSystem/staff-role';
export const ALERT_CODES = 'https://hospital-ops.in/fhir/CodeSystem/pharmacy-alert';
export const ALERT_KINDS = ['expired', 'near-expiry-30', 'low-stock', 'near-expiry-60', 'near-expiry-90', 'dead-stock'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface AlertRow {
  id: string;
  kind: AlertKind | 'other';
  priority: 'urgent' | 'asap' | 'routine' | 'stat';
  /** The bot's sentence: what, which batch, how many (data, shown as the detail under our heading). */
  description: string;
  store?: string;
  medication?: string;
  raised?: string;
  status: Task['status'];
  versionId?: string;
}

const PRIORITY_ORDER = ['stat', 'urgent', 'asap', 'routine'];
const OPEN: Task['status'][] = ['requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold'];

/** Known kinds in order of urgency; one this screen does not know yet goes after them. */
const kindRank = (kind: AlertRow['kind']) => (kind === 'other' ? ALERT_KINDS.length : ALERT_KINDS.indexOf(kind));

export const isOpen = (status: Task['status']) => OPEN.includes(status);

/** Open alerts first, most pressing first (expired before near expiry before the rest), newest first within. */
export function alertRows(tasks: Task[]): AlertRow[] {
  return tasks
    .filter((t) => t.id)
    .map((t): AlertRow => {
      const code = t.code?.coding?.find((c) => c.system === ALERT_CODES)?.code;
      const medication = refId(t.focus?.reference, 'Medication');
      const store = refId(t.location?.reference, 'Location');
      return {
        id: t.id as string,
        kind: (ALERT_KINDS as readonly string[]).includes(code ?? '') ? (code as AlertKind) : 'other',
        priority: t.priority ?? 'routine',
        description: t.description ?? '',
        ...(store ? { store } : {}),
        ...(medication ? { medication } : {}),
        ...(t.authoredOn ? { raised: t.authoredOn } : {}),
        status: t.status,
        ...(t.meta?.versionId ? { versionId: t.meta.versionId } : {}),
      };
    })
    .sort(
      (a, b) =>
        Number(!isOpen(a.status)) - Number(!isOpen(b.status)) ||
        PRIORITY_ORDER.indexOf(a.priority) - PRIORITY_ORDER.indexOf(b.priority) ||
        kindRank(a.kind) - kindRank(b.kind) ||
        (b.raised ?? '').localeCompare(a.raised ?? ''),
    );
}

/** The Task marked done by the pharmacist, with a note of what was done. */
export function doneTask(task: Task, note: string, when: string, who?: string): Task {
  return {
    ...task,
    status: 'completed',
    lastModified: when,
    ...(who ? { owner: { reference: who } } : {}),
    ...(note.trim()
      ? { note: [...(task.note ?? []), { text: note.trim(), time: when, ...(who ? { authorReference: { reference: who } } : {}) }] }
      : {}),
  };
}

/** One line of the Schedule H1 / X register (`MedicationDispense/$drug-register`). */
export interface RegisterLine {
  serial: number;
  date: string;
  patient: string;
  prescriber: string;
  medication: string;
  batch: string;
  quantity: number;
}

export function registerLines(answer: Parameters): RegisterLine[] {
  return named(answer, 'entry').map((e) => ({
    serial: part(e, 'serial')?.valueInteger ?? 0,
    date: part(e, 'date')?.valueDateTime ?? '',
    patient: part(e, 'patient')?.valueReference?.display ?? '',
    prescriber: part(e, 'prescriber')?.valueReference?.display ?? '',
    medication: part(e, 'medication')?.valueString ?? '',
    batch: part(e, 'batch')?.valueString ?? '',
    quantity: part(e, 'quantity')?.valueInteger ?? 0,
  }));
}
