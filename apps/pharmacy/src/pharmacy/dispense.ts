import type { Coding, Medication, MedicationDispense, MedicationRequest, Parameters } from '@medplum/fhirtypes';
import { named, refId } from './params.ts';

export const UNIT_PRICE_URL = 'https://hospital-ops.in/fhir/StructureDefinition/unit-price';
export const DRUG_SCHEDULE_URL = 'https://hospital-ops.in/fhir/StructureDefinition/drug-schedule';
const HSN_SYSTEMS = ['https://hospital-ops.in/fhir/sid/hsn', 'https://hospital-ops.in/fhir/CodeSystem/hsn'];

export type Schedule = 'OTC' | 'H' | 'H1' | 'X';

/** The catalogue item a prescription names, as the server picks it: its first coding with a system and code that is not an HSN. */
export function prescribedItem(r: MedicationRequest): Coding | undefined {
  return r.medicationCodeableConcept?.coding?.find((c) => c.system && c.code && !HSN_SYSTEMS.includes(c.system));
}

export const itemKey = (c: Coding) => `${c.system}|${c.code}`;

/** A prescription on the dispensing screen, with what is left to hand over. */
export interface PrescriptionRow {
  id: string;
  label: string;
  item?: Coding;
  /** `dispenseRequest.quantity`, when the doctor wrote one. */
  prescribed?: number;
  dispensed: number;
  /** What remains (prescribed less what was dispensed); undefined without a prescribed quantity. */
  pending?: number;
  prescriber?: string;
  authoredOn?: string;
  dosage?: string;
}

const STOPPED: MedicationDispense['status'][] = ['cancelled', 'entered-in-error', 'stopped', 'declined'];

/**
 * The patient's active prescriptions and how much of each is already dispensed (completed
 * dispenses naming it; the server's count also adds back returns, which the screen re-reads after
 * each dispense from the server's answer). Newest first; fully dispensed ones last.
 */
export function prescriptionRows(requests: MedicationRequest[], dispenses: MedicationDispense[]): PrescriptionRow[] {
  const given = new Map<string, number>();
  for (const d of dispenses) {
    if (STOPPED.includes(d.status)) continue;
    for (const p of d.authorizingPrescription ?? []) {
      const id = refId(p.reference, 'MedicationRequest');
      if (id) given.set(id, (given.get(id) ?? 0) + (d.quantity?.value ?? 0));
    }
  }
  return requests
    .filter((r) => r.status === 'active' && r.id)
    .map((r): PrescriptionRow => {
      const prescribed = r.dispenseRequest?.quantity?.value;
      const dispensed = given.get(r.id as string) ?? 0;
      const item = prescribedItem(r);
      return {
        id: r.id as string,
        label: r.medicationCodeableConcept?.text ?? item?.display ?? item?.code ?? '',
        ...(item ? { item } : {}),
        ...(prescribed !== undefined ? { prescribed, pending: Math.max(0, prescribed - dispensed) } : {}),
        dispensed,
        ...(r.requester?.display ? { prescriber: r.requester.display } : {}),
        ...(r.authoredOn ? { authoredOn: r.authoredOn } : {}),
        ...(r.dosageInstruction?.[0]?.text ? { dosage: r.dosageInstruction[0].text } : {}),
      };
    })
    .sort((a, b) => Number(a.pending === 0) - Number(b.pending === 0) || (b.authoredOn ?? '').localeCompare(a.authoredOn ?? ''));
}

/** The body of `MedicationRequest/[id]/$dispense`: the store, the quantity, partial when short, a scanned batch. */
export function dispenseBody(input: { store: string; quantity?: number; partial?: boolean; batch?: string }): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'store', valueReference: { reference: `Location/${input.store}` } },
      ...(input.quantity !== undefined ? [{ name: 'quantity', valueInteger: input.quantity }] : []),
      ...(input.partial ? [{ name: 'partial', valueBoolean: true }] : []),
      ...(input.batch ? [{ name: 'batch', valueReference: { reference: `Medication/${input.batch}` } }] : []),
    ],
  };
}

export interface DispensedLine {
  id: string;
  medication: string;
  /** What the server wrote on the dispense: "<item> (batch <lot>, exp <date>)". */
  display: string;
  quantity: number;
  /** ₹ per unit (MRP). */
  unitPrice?: number;
}

export interface DispenseOutcome {
  dispensed: number;
  pending?: number;
  lines: DispensedLine[];
}

/** The `$dispense` answer: units handed over, what remains pending, one line per batch taken. */
export function dispenseOutcome(answer: Parameters): DispenseOutcome {
  const dispensed = named(answer, 'dispensed')[0]?.valueInteger ?? 0;
  const pending = named(answer, 'pending')[0]?.valueInteger;
  const lines = named(answer, 'dispense')
    .map((p) => p.resource as MedicationDispense | undefined)
    .filter((md): md is MedicationDispense => !!md)
    .map((md) => ({
      id: md.id ?? '',
      medication: refId(md.medicationReference?.reference, 'Medication') ?? '',
      display: md.medicationReference?.display ?? '',
      quantity: md.quantity?.value ?? 0,
      ...(md.extension?.find((e) => e.url === UNIT_PRICE_URL)?.valueMoney?.value !== undefined
        ? { unitPrice: md.extension?.find((e) => e.url === UNIT_PRICE_URL)?.valueMoney?.value }
        : {}),
    }));
  return { dispensed, ...(pending !== undefined ? { pending } : {}), lines };
}

/** The lot a dispense line's batch display names ("Paracetamol 500 mg (batch PCM-24A, exp 2027-03-31)"). */
export function lotOf(display: string): string | undefined {
  return /\(batch (.+?), exp /.exec(display)?.[1];
}

/** A batch Medication's drug schedule (OTC unless received as H, H1 or X). */
export function scheduleOf(m: Medication | undefined): Schedule {
  const code = m?.extension?.find((e) => e.url === DRUG_SCHEDULE_URL)?.valueCoding?.code;
  return code === 'H' || code === 'H1' || code === 'X' ? code : 'OTC';
}

/**
 * What a scanned or typed barcode names among the item's batches: a batch id (`Medication/x` or
 * `x`), or its lot number (any case, stray spaces).
 */
export function batchForScan<T extends { medication: string; lot: string }>(choices: T[], scanned: string): T | undefined {
  const s = scanned.trim();
  if (!s) return undefined;
  const id = s.startsWith('Medication/') ? s.slice('Medication/'.length) : s;
  return (
    choices.find((c) => c.medication === id) ??
    choices.find((c) => c.lot.replace(/\s+/g, '').toLowerCase() === s.replace(/\s+/g, '').toLowerCase())
  );
}
