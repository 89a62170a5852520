import type { MedicationDispense, Parameters, ParametersParameter, Task } from '@medplum/fhirtypes';
import type { BotHandler } from '../../contract.ts';

/** Marks the Tasks this bot made: `<IST date>|<condition key>`, so each condition is raised once a day. */
export const ALERT_SYSTEM = 'https://hospital-ops.in/fhir/sid/pharmacy-alert';
const ALERT_CODES = 'https://hospital-ops.in/fhir/CodeSystem/pharmacy-alert';
/** Who the Task is for: the pharmacist role (the role policy lets pharmacists read and work these). */
export const STAFF_ROLE = 'https://hospital-ops.in/fhir/CodeSystem/staff-role';
const IST_MS = 330 * 60_000;

const PRIORITY: Record<string, Task['priority']> = {
  expired: 'urgent',
  'near-expiry-30': 'asap',
  'low-stock': 'asap',
  'near-expiry-60': 'routine',
  'near-expiry-90': 'routine',
  'dead-stock': 'routine',
};

const part = (p: ParametersParameter, name: string) => p.part?.find((x) => x.name === name);

/**
 * The `stock` schedule (08:00 IST) asks the server for items below their reorder level (and a
 * completed dispense asks it about its own item and store at once), the
 * `expiry` schedule (09:00 IST) for batches near or past expiry (Location/$stock-alerts, which
 * reads the pharmacy's balances), and raises one Task per condition with a conditional create
 * keyed on the day and the condition: a retried or repeated run the same day adds nothing.
 */
const pharmacyAlerts: BotHandler = async (medplum, input) => {
  const kind = input.schedule?.name === 'expiry' ? 'expiry' : 'stock';
  const fired = Date.parse(input.schedule?.firedAt ?? '') || Date.now();
  const day = new Date(fired + IST_MS).toISOString().slice(0, 10);
  const deadDays = typeof input.settings.deadStockDays === 'number' ? input.settings.deadStockDays : 90;
  let query = `?kind=${kind}&date=${day}&deadDays=${deadDays}`;
  const event = input.event;
  if (event) {
    // A dispense: only its item in its store, read at the version that triggered the run.
    if (event.action === 'delete' || event.resourceType !== 'MedicationDispense') return;
    const md = await medplum.readVersion('MedicationDispense', event.id, String(event.versionId));
    const store = (md as MedicationDispense).location?.reference;
    const batch = md.medicationReference?.reference;
    if (!store?.startsWith('Location/') || !batch?.startsWith('Medication/')) return;
    query += `&store=${encodeURIComponent(store)}&medication=${encodeURIComponent(batch)}`;
  }
  const found = await medplum.get<Parameters>(medplum.fhirUrl('Location', '$stock-alerts').toString() + query, { cache: 'no-cache' });
  for (const alert of (found.parameter ?? []).filter((p) => p.name === 'alert')) {
    const key = part(alert, 'key')?.valueString;
    const code = part(alert, 'code')?.valueCode;
    if (!key || !code) continue;
    const value = `${day}/${key}`;
    const medication = part(alert, 'medication')?.valueReference;
    const task: Task = {
      resourceType: 'Task',
      identifier: [{ system: ALERT_SYSTEM, value }],
      status: 'requested',
      intent: 'order',
      priority: PRIORITY[code] ?? 'routine',
      code: { coding: [{ system: ALERT_CODES, code }], text: String(input.settings.title ?? 'Pharmacy stock alert') },
      description: part(alert, 'text')?.valueString,
      ...(medication ? { focus: medication } : {}),
      location: part(alert, 'store')?.valueReference as Task['location'],
      performerType: [{ coding: [{ system: STAFF_ROLE, code: 'pharmacist', display: 'Pharmacist' }] }],
      authoredOn: new Date(fired).toISOString(),
      restriction: { period: { start: day, end: day } },
    };
    await medplum.createResourceIfNoneExist(task, `identifier=${encodeURIComponent(`${ALERT_SYSTEM}|${value}`)}`);
  }
};

export default pharmacyAlerts;
