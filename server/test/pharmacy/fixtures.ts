import { randomUUID } from 'node:crypto';
import { TENANT_A, type TestServer } from '../helpers/server.ts';
import { branch, building, create, doctor, type Fhir, patient, staff, todayInKolkata } from '../opd/fixtures.ts';

/**
 * A pharmacy for the stock tests: a branch with two stores (Locations), a pharmacist's login, a
 * doctor and patients, and helpers to receive batches and prescribe.
 */

type Json = Record<string, any>;
export const ITEM_SYSTEM = 'https://hospital-ops.in/fhir/sid/formulary';
export const UNIT_PRICE = 'https://hospital-ops.in/fhir/StructureDefinition/unit-price';
export const HSN = 'https://hospital-ops.in/fhir/sid/hsn';

export interface Pharmacy {
  branch: string;
  store: string;
  ward: string;
  doctor: string;
  patients: string[];
  pharmacist: Fhir;
  system: Fhir;
}

/** An IST date `days` from today. */
export function inDays(days: number): string {
  return new Date(Date.parse(`${todayInKolkata()}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export async function createPharmacy(t: TestServer, system: Fhir, tenant = TENANT_A, patients = 2): Promise<Pharmacy> {
  const branchId = await create(system, branch(`Sanjeevani ${randomUUID().slice(0, 4)}`));
  const store = await create(system, building(branchId, 'Main pharmacy store'));
  const ward = await create(system, building(branchId, 'Ward 3 sub-store'));
  const doctorId = await create(system, doctor('Dr. Anand Joshi'));
  const ids: string[] = [];
  for (let i = 0; i < patients; i++) ids.push(await create(system, patient(`Meera${i} Kulkarni`)));
  const pharmacist = await staff(t, tenant, 'pharmacist', [branchId]);
  return { branch: branchId, store, ward, doctor: doctorId, patients: ids, pharmacist, system };
}

export interface LineInput {
  code: string;
  display?: string;
  lot: string;
  expiry: string;
  quantity: number;
  free?: number;
  mrp?: number;
  purchasePrice?: number;
  schedule?: string;
  nearExpiryReason?: string;
  composition?: string;
}

export function receipt(store: string, lines: LineInput[], extra: Json[] = []): Json {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'store', valueReference: { reference: `Location/${store}` } },
      { name: 'invoice', valueString: `INV-${randomUUID().slice(0, 6)}` },
      ...extra,
      ...lines.map((l) => ({
        name: 'line',
        part: [
          { name: 'item', valueCoding: { system: ITEM_SYSTEM, code: l.code, display: l.display ?? l.code } },
          { name: 'hsn', valueString: '30049099' },
          { name: 'lot', valueString: l.lot },
          { name: 'expiry', valueDate: l.expiry },
          { name: 'quantity', valueInteger: l.quantity },
          ...(l.free ? [{ name: 'freeQuantity', valueInteger: l.free }] : []),
          { name: 'mrp', valueDecimal: l.mrp ?? 2.5 },
          { name: 'purchasePrice', valueDecimal: l.purchasePrice ?? 1.8 },
          { name: 'gstPercent', valueDecimal: 12 },
          { name: 'discountPercent', valueDecimal: 5 },
          { name: 'packSize', valueInteger: 10 },
          ...(l.schedule ? [{ name: 'schedule', valueCode: l.schedule }] : []),
          ...(l.nearExpiryReason ? [{ name: 'nearExpiryReason', valueString: l.nearExpiryReason }] : []),
          ...(l.composition ? [{ name: 'composition', valueString: l.composition }] : []),
        ],
      })),
    ],
  };
}

/** Receives lines into a store; returns each line's batch Medication id. */
export async function receive(fhir: Fhir, store: string, lines: LineInput[]): Promise<string[]> {
  const res = await fhir.post('SupplyDelivery/$receive-goods', receipt(store, lines));
  if (res.status !== 200) throw new Error(`receipt refused: ${JSON.stringify(res.body)}`);
  return res.body.parameter.map((p: Json) => p.part.find((x: Json) => x.name === 'medication').valueReference.reference.split('/')[1]);
}

export async function prescribe(system: Fhir, p: Pharmacy, code: string, quantity: number, patientIndex = 0): Promise<string> {
  return create(system, {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: { coding: [{ system: ITEM_SYSTEM, code, display: code }], text: code },
    subject: { reference: `Patient/${p.patients[patientIndex]}` },
    requester: { reference: `Practitioner/${p.doctor}` },
    authoredOn: '2026-12-01',
    dispenseRequest: { quantity: { value: quantity, unit: 'tablet' } },
  });
}

export const storeParam = (store: string) => ({ name: 'store', valueReference: { reference: `Location/${store}` } });

export function dispenseBody(store: string, extra: Json[] = []): Json {
  return { resourceType: 'Parameters', parameter: [storeParam(store), ...extra] };
}

export async function stockOf(fhir: Fhir, store: string): Promise<Record<string, number>> {
  const res = await fhir.get(`Location/$stock?store=Location/${store}`);
  if (res.status !== 200) throw new Error(JSON.stringify(res.body));
  const out: Record<string, number> = {};
  for (const b of (res.body.parameter ?? []).filter((x: Json) => x.name === 'batch')) {
    const part = (n: string) => b.part.find((x: Json) => x.name === n);
    out[part('medication').valueReference.reference.split('/')[1]] = part('onHand').valueInteger;
  }
  return out;
}

export const dispensesOf = (body: Json): Json[] => body.parameter.filter((p: Json) => p.name === 'dispense').map((p: Json) => p.resource);
export const outputOf = (body: Json, name: string) => body.parameter.find((p: Json) => p.name === name)?.valueInteger;
