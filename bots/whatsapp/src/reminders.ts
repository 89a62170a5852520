import type { MedplumClient } from '@medplum/core';
import type { Appointment } from '@medplum/fhirtypes';
import { deliver, type Outcome } from './deliver.ts';
import type { Settings } from './messages.ts';
import { inQuietHours } from './time.ts';

const HOUR_MS = 3_600_000;

/**
 * Every five minutes: booked appointments starting within a day get the day-before reminder, those
 * within two hours the two-hour one. Each reminder is keyed on the appointment and its start, so it
 * goes once however often the schedule runs (and again only if the appointment moves). In quiet
 * hours nothing is sent; a reminder that fell due then goes at the first run after they end.
 */
export async function sendReminders(medplum: MedplumClient, settings: Settings, firedAt: Date): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  if (inQuietHours(firedAt, String(settings.quietHoursStart || '21:00'), String(settings.quietHoursEnd || '08:00'))) return { quiet: 1 };
  const query = `status=booked&date=gt${firedAt.toISOString()}&date=le${new Date(firedAt.getTime() + 24 * HOUR_MS).toISOString()}&_count=100`;
  for await (const page of medplum.searchResourcePages('Appointment', query, { cache: 'no-cache' })) {
    for (const appointment of page as Appointment[]) {
      const outcome = await remind(medplum, settings, appointment, firedAt);
      if (outcome) counts[outcome] = (counts[outcome] ?? 0) + 1;
    }
  }
  return counts;
}

async function remind(medplum: MedplumClient, settings: Settings, a: Appointment, now: Date): Promise<Outcome | undefined> {
  const patientRef = a.participant?.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.reference;
  if (!a.id || !a.start || !patientRef) return undefined;
  const untilStart = Date.parse(a.start) - now.getTime();
  if (untilStart <= 0) return undefined;
  const kind = untilStart <= 2 * HOUR_MS ? 'reminder-two-hours' : 'reminder-day-before';
  return deliver(medplum, settings, {
    key: `reminder:${kind}:${a.id}:${a.start}`,
    kind,
    resource: a as Appointment & { id: string },
    patientId: patientRef.slice('Patient/'.length),
    now,
  });
}
