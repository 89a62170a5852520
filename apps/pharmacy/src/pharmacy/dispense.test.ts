import type { MedicationDispense, MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { batchForScan, dispenseBody, dispenseOutcome, lotOf, prescribedItem, prescriptionRows, scheduleOf } from './dispense.ts';

const SNOMED = 'http://snomed.info/sct';
const rx = (id: string, qty: number | undefined, authoredOn: string, extra: Partial<MedicationRequest> = {}): MedicationRequest => ({
  resourceType: 'MedicationRequest',
  id,
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/p' },
  authoredOn,
  medicationCodeableConcept: { coding: [{ system: SNOMED, code: '322236009' }], text: 'Paracetamol 500 mg tablet' },
  ...(qty !== undefined ? { dispenseRequest: { quantity: { value: qty } } } : {}),
  ...extra,
});
const given = (request: string, qty: number, status: MedicationDispense['status'] = 'completed'): MedicationDispense => ({
  resourceType: 'MedicationDispense',
  status,
  authorizingPrescription: [{ reference: `MedicationRequest/${request}` }],
  quantity: { value: qty },
});

describe('the prescriptions at the counter', () => {
  it('show what is pending after completed dispenses, open ones first, newest first', () => {
    const rows = prescriptionRows(
      [
        rx('old', 10, '2026-12-01T10:00:00+05:30'),
        rx('new', 15, '2026-12-06T10:00:00+05:30', { requester: { reference: 'Practitioner/d', display: 'Dr. Anand Joshi' } }),
        rx('done', 5, '2026-12-07T09:00:00+05:30'),
        rx('free', undefined, '2026-12-02T10:00:00+05:30'),
        rx('stopped', 5, '2026-12-07T09:00:00+05:30', { status: 'stopped' }),
      ],
      [given('old', 4), given('old', 2), given('old', 3, 'cancelled'), given('done', 5), given('new', 0, 'entered-in-error')],
    );
    expect(rows.map((r) => [r.id, r.prescribed, r.dispensed, r.pending])).toEqual([
      ['new', 15, 0, 15],
      ['free', undefined, 0, undefined],
      ['old', 10, 6, 4],
      ['done', 5, 5, 0],
    ]);
    expect(rows[0]).toMatchObject({
      label: 'Paracetamol 500 mg tablet',
      prescriber: 'Dr. Anand Joshi',
      item: { system: SNOMED, code: '322236009' },
    });
  });

  it('pick the prescription’s coded item as the server does: not an HSN coding, not a text-only medicine', () => {
    expect(
      prescribedItem(
        rx('a', 1, '', {
          medicationCodeableConcept: {
            coding: [
              { system: 'https://hospital-ops.in/fhir/sid/hsn', code: '3004' },
              { system: SNOMED, code: '1' },
            ],
          },
        }),
      ),
    ).toEqual({ system: SNOMED, code: '1' });
    expect(prescribedItem(rx('a', 1, '', { medicationCodeableConcept: { text: 'Some tonic' } }))).toBeUndefined();
  });
});

describe('a dispense', () => {
  it('sends the store, quantity, partial and a scanned batch as Parameters', () => {
    expect(dispenseBody({ store: 's1', quantity: 10, partial: true, batch: 'm2' })).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'store', valueReference: { reference: 'Location/s1' } },
        { name: 'quantity', valueInteger: 10 },
        { name: 'partial', valueBoolean: true },
        { name: 'batch', valueReference: { reference: 'Medication/m2' } },
      ],
    });
    expect(dispenseBody({ store: 's1' }).parameter).toHaveLength(1);
  });

  it('reads the answer: units given, pending, one line per batch with its MRP', () => {
    const md = (id: string, lot: string, qty: number, price: number): MedicationDispense => ({
      resourceType: 'MedicationDispense',
      id,
      status: 'completed',
      medicationReference: { reference: `Medication/b-${lot}`, display: `Paracetamol 500 mg tablet (batch ${lot}, exp 2027-03-31)` },
      quantity: { value: qty },
      extension: [{ url: 'https://hospital-ops.in/fhir/StructureDefinition/unit-price', valueMoney: { value: price, currency: 'INR' } }],
    });
    const out = dispenseOutcome({
      resourceType: 'Parameters',
      parameter: [
        { name: 'dispensed', valueInteger: 12 },
        { name: 'pending', valueInteger: 3 },
        { name: 'dispense', resource: md('d1', 'PCM-A', 8, 2.5) },
        { name: 'dispense', resource: md('d2', 'PCM-B', 4, 2.75) },
      ],
    });
    expect(out).toEqual({
      dispensed: 12,
      pending: 3,
      lines: [
        {
          id: 'd1',
          medication: 'b-PCM-A',
          display: 'Paracetamol 500 mg tablet (batch PCM-A, exp 2027-03-31)',
          quantity: 8,
          unitPrice: 2.5,
        },
        {
          id: 'd2',
          medication: 'b-PCM-B',
          display: 'Paracetamol 500 mg tablet (batch PCM-B, exp 2027-03-31)',
          quantity: 4,
          unitPrice: 2.75,
        },
      ],
    });
    expect(lotOf(out.lines[1].display)).toBe('PCM-B');
  });

  it('finds a scanned batch by id or lot, whatever the case and spaces', () => {
    const choices = [
      { medication: 'm1', lot: 'PCM-24A' },
      { medication: 'm2', lot: 'AMX 7' },
    ];
    expect(batchForScan(choices, ' pcm-24a ')?.medication).toBe('m1');
    expect(batchForScan(choices, 'amx7')?.medication).toBe('m2');
    expect(batchForScan(choices, 'Medication/m2')?.medication).toBe('m2');
    expect(batchForScan(choices, 'm1')?.medication).toBe('m1');
    expect(batchForScan(choices, 'nope')).toBeUndefined();
    expect(batchForScan(choices, '  ')).toBeUndefined();
  });

  it('reads a batch’s schedule, OTC unless received as H, H1 or X', () => {
    const ext = (code: string) => ({
      resourceType: 'Medication' as const,
      extension: [{ url: 'https://hospital-ops.in/fhir/StructureDefinition/drug-schedule', valueCoding: { code } }],
    });
    expect(scheduleOf(ext('H1'))).toBe('H1');
    expect(scheduleOf(ext('X'))).toBe('X');
    expect(scheduleOf(ext('Z'))).toBe('OTC');
    expect(scheduleOf(undefined)).toBe('OTC');
  });
});
