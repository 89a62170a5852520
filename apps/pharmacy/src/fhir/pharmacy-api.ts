import type { MedplumClient } from '@medplum/core';
import type { Location, Medication, MedicationDispense, MedicationRequest, Parameters, Patient, Task } from '@medplum/fhirtypes';
import { type AlertRow, alertRows, doneTask, type RegisterLine, registerLines, STAFF_ROLE } from '../pharmacy/alerts.ts';
import { type DispenseOutcome, dispenseBody, dispenseOutcome, type PrescriptionRow, prescriptionRows } from '../pharmacy/dispense.ts';
import { type ReceiptLine, receiptBody } from '../pharmacy/receipt.ts';
import { type StockBatch, stockBatches } from '../pharmacy/stock.ts';

// The pharmacy operations of the server (docs/pharmacy.md), as the screens call them.

/** How a pharmacy store is typed (seed/src/demo-tenant.ts PHARMACY_TYPE). */
export const PHARMACY_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode|PHARM';
export const SAFETY_DAYS_URL = 'https://hospital-ops.in/fhir/StructureDefinition/dispense-safety-days';
const NO_CACHE = { cache: 'no-cache' as const };

const op = (medplum: MedplumClient, path: string) => medplum.fhirUrl(...path.split('/')).toString();

/** The branch's pharmacy stores (Locations typed PHARM); all the tenant's when the branch has none or is not known. */
export async function loadStores(medplum: MedplumClient, branch: string | undefined): Promise<Location[]> {
  const all = await medplum.searchResources('Location', { type: PHARMACY_TYPE, status: 'active', _count: '100' }, NO_CACHE);
  const mine = branch ? all.filter((l) => l.managingOrganization?.reference === `Organization/${branch}`) : [];
  return (mine.length ? mine : all).sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
}

/** The store's safety window in days (its extension, else the server's 30). */
export function safetyDays(store: Location | undefined): number {
  const v = store?.extension?.find((e) => e.url === SAFETY_DAYS_URL)?.valueInteger;
  return typeof v === 'number' && v >= 0 ? v : 30;
}

export async function loadStock(medplum: MedplumClient, store?: string): Promise<StockBatch[]> {
  const url = `${op(medplum, 'Location/$stock')}${store ? `?store=${encodeURIComponent(`Location/${store}`)}` : ''}`;
  return stockBatches((await medplum.get(url, NO_CACHE)) as Parameters);
}

/** Batch Medications by id (for their schedule and prices). */
export async function loadBatches(medplum: MedplumClient, ids: string[]): Promise<Map<string, Medication>> {
  if (!ids.length) return new Map();
  const found = await medplum.searchResources('Medication', { _id: ids.join(','), _count: String(ids.length) }, NO_CACHE);
  return new Map(found.map((m) => [m.id as string, m]));
}

export interface PatientPrescriptions {
  patient: Patient;
  rows: PrescriptionRow[];
}

export async function loadPrescriptions(medplum: MedplumClient, patient: Patient): Promise<PrescriptionRow[]> {
  const subject = `Patient/${patient.id}`;
  const [requests, dispenses] = await Promise.all([
    medplum.searchResources('MedicationRequest', { subject, status: 'active', _count: '200', _sort: '-_lastUpdated' }, NO_CACHE),
    medplum.searchResources('MedicationDispense', { subject, _count: '500' }, NO_CACHE),
  ]);
  return prescriptionRows(requests as MedicationRequest[], dispenses as MedicationDispense[]);
}

export async function dispense(
  medplum: MedplumClient,
  request: string,
  input: { store: string; quantity?: number; partial?: boolean; batch?: string },
): Promise<DispenseOutcome> {
  const answer = (await medplum.post(op(medplum, `MedicationRequest/${request}/$dispense`), dispenseBody(input))) as Parameters;
  return dispenseOutcome(answer);
}

export async function receiveGoods(medplum: MedplumClient, store: string, invoice: string, lines: ReceiptLine[]): Promise<number> {
  const answer = (await medplum.post(op(medplum, 'SupplyDelivery/$receive-goods'), receiptBody(store, invoice, lines))) as Parameters;
  return (answer.parameter ?? []).filter((p) => p.name === 'line').length;
}

/** The formulary: the tenant's Medications that are catalogue entries, not received batches. */
export async function loadFormulary(medplum: MedplumClient): Promise<Medication[]> {
  const all = await medplum.searchResources('Medication', { status: 'active', _count: '1000' });
  return all.filter((m) => !m.batch).sort((a, b) => (a.code?.text ?? '').localeCompare(b.code?.text ?? ''));
}

export async function loadAlerts(medplum: MedplumClient): Promise<{ rows: AlertRow[]; tasks: Map<string, Task> }> {
  const tasks = await medplum.searchResources(
    'Task',
    { performer: `${STAFF_ROLE}|pharmacist`, _count: '200', _sort: '-authored-on' },
    NO_CACHE,
  );
  return { rows: alertRows(tasks), tasks: new Map(tasks.map((t) => [t.id as string, t])) };
}

/** Marks the alert done (If-Match: two pharmacists closing it at once do not both write). */
export async function markAlertDone(medplum: MedplumClient, task: Task, note: string, who?: string): Promise<Task> {
  // Only a clinician's own resource can be the Task's owner; other sign-ins are named by the audit trail.
  const owner = who?.startsWith('Practitioner') ? who : undefined;
  const updated = doneTask(task, note, new Date().toISOString(), owner);
  return medplum.updateResource(updated, task.meta?.versionId ? { headers: { 'If-Match': `W/"${task.meta.versionId}"` } } : undefined);
}

export async function loadRegister(medplum: MedplumClient, schedule: 'H1' | 'X', from?: string, to?: string): Promise<RegisterLine[]> {
  const q = new URLSearchParams({ schedule, ...(from ? { from } : {}), ...(to ? { to } : {}) });
  return registerLines((await medplum.get(`${op(medplum, 'MedicationDispense/$drug-register')}?${q}`, NO_CACHE)) as Parameters);
}
