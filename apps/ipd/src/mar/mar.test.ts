import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { actionsFor, doseRecord, MAR_DOSE_SYSTEM, parseMar, shiftDate, timeline } from './mar.ts';

// The shape Encounter/$mar answers (docs/ipd.md): one `order` per order, one `dose` part per dose.
const dose = (slot: string, time: string, status: string, extra: ParametersParameter[] = []): ParametersParameter => ({
  name: 'dose',
  part: [
    { name: 'slot', valueString: slot },
    { name: 'time', valueDateTime: time },
    { name: 'kind', valueCode: 'scheduled' },
    { name: 'status', valueCode: status },
    ...extra,
  ],
});
const result = (open = true): Parameters => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'date', valueDate: '2026-12-07' },
    { name: 'now', valueDateTime: '2026-12-07T14:30:00+05:30' },
    { name: 'encounterStatus', valueCode: open ? 'in-progress' : 'finished' },
    {
      name: 'order',
      part: [
        { name: 'request', valueReference: { reference: 'MedicationRequest/tds', display: 'Amoxicillin 500 mg' } },
        { name: 'medication', valueString: 'Amoxicillin 500 mg' },
        { name: 'instruction', valueString: '500 mg TDS after food' },
        { name: 'prn', valueBoolean: false },
        { name: 'orderStatus', valueCode: 'active' },
        dose('tds/2026-12-07T08:00', '2026-12-07T08:00:00+05:30', 'missed', [{ name: 'flag', valueCode: 'missed' }]),
        dose('tds/2026-12-07T14:00', '2026-12-07T14:00:00+05:30', 'due'),
        dose('tds/2026-12-07T20:00', '2026-12-07T20:00:00+05:30', 'due'),
      ],
    },
    {
      name: 'order',
      part: [
        { name: 'request', valueReference: { reference: 'MedicationRequest/bid' } },
        { name: 'medication', valueString: 'Ceftriaxone 1 g' },
        { name: 'prn', valueBoolean: false },
        dose('bid/2026-12-07T08:00', '2026-12-07T08:00:00+05:30', 'given', [
          { name: 'administration', valueReference: { reference: 'MedicationAdministration/ma1' } },
        ]),
      ],
    },
    {
      name: 'order',
      part: [
        { name: 'request', valueReference: { reference: 'MedicationRequest/prn' } },
        { name: 'medication', valueString: 'Paracetamol 500 mg' },
        { name: 'prn', valueBoolean: true },
      ],
    },
  ],
});

describe('the MAR screen', () => {
  it('puts the day’s scheduled doses in time order across orders, PRN orders apart', () => {
    const day = parseMar(result());
    expect(timeline(day).map((r) => `${r.dose.time.slice(11, 16)} ${r.order.medication} ${r.dose.status}`)).toEqual([
      '08:00 Amoxicillin 500 mg missed',
      '08:00 Ceftriaxone 1 g given',
      '14:00 Amoxicillin 500 mg due',
      '20:00 Amoxicillin 500 mg due',
    ]);
    expect(day.orders.filter((o) => o.prn).map((o) => o.medication)).toEqual(['Paracetamol 500 mg']);
    expect(day.orders[0].doses[0].flag).toBe('missed');
  });

  it('offers given from an hour before the dose, nothing on a recorded dose or a finished stay', () => {
    const day = parseMar(result());
    const [missed, due, evening] = day.orders[0].doses;
    expect(actionsFor(day, missed)).toEqual(['given', 'not-given', 'held']);
    expect(actionsFor(day, due)).toEqual(['given', 'not-given', 'held']);
    expect(actionsFor(day, evening)).toEqual(['not-given', 'held']);
    expect(actionsFor(day, day.orders[1].doses[0])).toEqual([]);
    const closed = parseMar(result(false));
    expect(actionsFor(closed, closed.orders[0].doses[1])).toEqual([]);
  });

  it('writes the record the server expects: the slot, the order, the stay, a reason for not given', () => {
    const day = parseMar(result());
    const ctx = {
      patient: { reference: 'Patient/p1' },
      encounterId: 'e1',
      performer: { reference: 'Practitioner/n1' },
      now: Date.parse('2026-12-07T14:31:10+05:30'),
      reasonText: 'Vomiting',
    };
    const notGiven = doseRecord('not-given', day.orders[0], day.orders[0].doses[1], ctx, 'vomiting');
    expect(notGiven).toMatchObject({
      status: 'not-done',
      identifier: [{ system: MAR_DOSE_SYSTEM, value: 'tds/2026-12-07T14:00' }],
      statusReason: [{ coding: [{ code: 'vomiting' }], text: 'Vomiting' }],
      context: { reference: 'Encounter/e1' },
      request: { reference: 'MedicationRequest/tds' },
      effectiveDateTime: '2026-12-07T14:31:10+05:30',
      performer: [{ actor: { reference: 'Practitioner/n1' } }],
    });
    expect(doseRecord('held', day.orders[0], day.orders[0].doses[2], ctx).status).toBe('on-hold');
    const prn = doseRecord('given', day.orders[2], undefined, ctx);
    expect(prn).toMatchObject({ status: 'completed', identifier: [{ value: 'prn/prn/2026-12-07T14:31' }] });
    expect(prn.statusReason).toBeUndefined();
  });

  it('moves between days across month ends', () => {
    expect(shiftDate('2026-12-31', 1)).toBe('2027-01-01');
    expect(shiftDate('2026-03-01', -1)).toBe('2026-02-28');
  });
});
