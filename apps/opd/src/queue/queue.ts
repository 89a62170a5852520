import type { Bundle, Encounter, Patient } from '@medplum/fhirtypes';
import { tokenOf } from '../fhir/opd-operations.ts';

/** The OPD queue's states are the Encounter's; `planned` never appears (check-in creates `arrived`). */
export const WAITING: Encounter['status'][] = ['arrived', 'triaged'];
export const NEXT_STATUS: Partial<Record<Encounter['status'], Encounter['status']>> = {
  arrived: 'triaged',
  triaged: 'in-progress',
  'in-progress': 'finished',
};

export interface QueueEntry {
  encounter: Encounter;
  token: number;
  patient?: Patient;
  practitioner: string;
  practitionerName: string;
}

/** One doctor's line: who is with the doctor now and who waits, in token order. */
export interface DoctorQueue {
  practitioner: string;
  name: string;
  current?: QueueEntry;
  waiting: QueueEntry[];
  done: QueueEntry[];
}

export function queueEntries(bundle: Bundle): QueueEntry[] {
  const patients = new Map(
    bundle.entry?.filter((e) => e.resource?.resourceType === 'Patient').map((e) => [`Patient/${e.resource?.id}`, e.resource as Patient]),
  );
  return (bundle.entry ?? [])
    .filter((e) => e.resource?.resourceType === 'Encounter')
    .map((e) => {
      const encounter = e.resource as Encounter;
      const who = encounter.participant?.find((p) => p.individual?.reference?.startsWith('Practitioner/'))?.individual;
      return {
        encounter,
        token: tokenOf(encounter) ?? 0,
        patient: patients.get(encounter.subject?.reference ?? ''),
        practitioner: who?.reference ?? '',
        practitionerName: who?.display ?? who?.reference ?? '',
      };
    })
    .sort((a, b) => a.token - b.token);
}

export function byDoctor(entries: QueueEntry[]): DoctorQueue[] {
  const queues = new Map<string, DoctorQueue>();
  for (const e of entries) {
    let q = queues.get(e.practitioner);
    if (!q) {
      q = { practitioner: e.practitioner, name: e.practitionerName, waiting: [], done: [] };
      queues.set(e.practitioner, q);
    }
    if (e.encounter.status === 'in-progress') q.current = e;
    else if (WAITING.includes(e.encounter.status)) q.waiting.push(e);
    else q.done.push(e);
  }
  return [...queues.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The next patient a doctor calls: strictly by token, whether or not vitals are taken (patients see the order). */
export function nextToCall(q: DoctorQueue): QueueEntry | undefined {
  return q.waiting[0];
}

/** What a doctor sees of today's queues: their own line only (an empty one before anyone checks in); others see all. */
export function queuesFor(queues: DoctorQueue[], role: string | undefined, fhirUser: string | undefined): DoctorQueue[] {
  if (role !== 'doctor' || !fhirUser) return queues;
  return [queues.find((q) => q.practitioner === fhirUser) ?? { practitioner: fhirUser, name: '', waiting: [], done: [] }];
}

/** After a visit of `practitioner` ends: that doctor's next waiting token, if anyone waits. */
export function nextAfter(entries: QueueEntry[], practitioner: string, finished: string): QueueEntry | undefined {
  const q = byDoctor(entries.filter((e) => e.encounter.id !== finished)).find((x) => x.practitioner === practitioner);
  return q ? nextToCall(q) : undefined;
}

/** The Encounter moved on to `status`, with the time it spent in the old one kept in statusHistory. */
export function advanced(e: Encounter, status: Encounter['status'], now = new Date().toISOString()): Encounter {
  return {
    ...e,
    status,
    statusHistory: [...(e.statusHistory ?? []), { status: e.status, period: { start: e.meta?.lastUpdated, end: now } }],
    ...(status === 'finished' ? { period: { ...e.period, end: now } } : {}),
  };
}

/** Where the app opens: an EHR launch's visit or patient; a doctor's own queue for today; else the patient search. */
export function landingPath(s: { encounter?: string; patient?: string; role?: string }): string | undefined {
  if (s.encounter) return `/encounters/${s.encounter}`;
  if (s.patient) return `/patients/${s.patient}`;
  if (s.role === 'doctor') return '/queue';
  return undefined;
}
