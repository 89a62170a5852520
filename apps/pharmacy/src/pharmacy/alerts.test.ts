import type { Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ALERT_CODES, alertRows, doneTask, registerLines } from './alerts.ts';
import { readRefusal } from './errors.ts';

const task = (id: string, code: string, priority: Task['priority'], authoredOn: string, status: Task['status'] = 'requested'): Task => ({
  resourceType: 'Task',
  id,
  status,
  intent: 'order',
  priority,
  code: { coding: [{ system: ALERT_CODES, code }] },
  description: `${code} alert`,
  focus: { reference: 'Medication/b1' },
  location: { reference: 'Location/s1' },
  authoredOn,
  meta: { versionId: '3' },
});

describe('the alerts list', () => {
  it('puts open alerts first, urgent before soon before routine, expired before near expiry, newest first', () => {
    const rows = alertRows([
      task('a', 'near-expiry-90', 'routine', '2026-12-07T03:30:00Z'),
      task('b', 'expired', 'urgent', '2026-12-06T03:30:00Z', 'completed'),
      task('c', 'low-stock', 'asap', '2026-12-07T02:30:00Z'),
      task('d', 'near-expiry-30', 'asap', '2026-12-07T03:30:00Z'),
      task('e', 'expired', 'urgent', '2026-12-07T03:30:00Z'),
      task('f', 'dead-stock', 'routine', '2026-12-08T03:30:00Z'),
      task('g', 'something-new', 'routine', '2026-12-07T03:30:00Z'),
    ]);
    expect(rows.map((r) => r.id)).toEqual(['e', 'd', 'c', 'a', 'f', 'g', 'b']);
    expect(rows[0]).toMatchObject({ kind: 'expired', store: 's1', medication: 'b1', description: 'expired alert', versionId: '3' });
    expect(rows[5].kind).toBe('other');
  });

  it('marks an alert done with the pharmacist’s note, keeping earlier notes', () => {
    const t = { ...task('a', 'low-stock', 'asap', '2026-12-07T02:30:00Z'), note: [{ text: 'seen' }] };
    const done = doneTask(t, ' Ordered 200 strips ', '2026-12-07T05:00:00Z', 'Practitioner/p1');
    expect(done).toMatchObject({ status: 'completed', owner: { reference: 'Practitioner/p1' }, lastModified: '2026-12-07T05:00:00Z' });
    expect(done.note).toEqual([
      { text: 'seen' },
      { text: 'Ordered 200 strips', time: '2026-12-07T05:00:00Z', authorReference: { reference: 'Practitioner/p1' } },
    ]);
    expect(doneTask(t, '  ', 'now').note).toEqual([{ text: 'seen' }]);
  });

  it('reads the H1 register lines', () => {
    const lines = registerLines({
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'entry',
          part: [
            { name: 'serial', valueInteger: 1 },
            { name: 'date', valueDateTime: '2026-12-07T10:15:00+05:30' },
            { name: 'patient', valueReference: { reference: 'Patient/p', display: 'Ravi Kulkarni' } },
            { name: 'prescriber', valueReference: { reference: 'Practitioner/d', display: 'Dr. Anand Joshi' } },
            { name: 'medication', valueString: 'Alprazolam 0.25 mg tablet' },
            { name: 'batch', valueString: 'ALP-1' },
            { name: 'quantity', valueInteger: 10 },
          ],
        },
      ],
    });
    expect(lines).toEqual([
      {
        serial: 1,
        date: '2026-12-07T10:15:00+05:30',
        patient: 'Ravi Kulkarni',
        prescriber: 'Dr. Anand Joshi',
        medication: 'Alprazolam 0.25 mg tablet',
        batch: 'ALP-1',
        quantity: 10,
      },
    ]);
  });
});

describe('a refused operation', () => {
  const outcome = (code: string, businessCode: string, extra: object = {}) => ({
    outcome: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code, details: { coding: [{ system: 'x', code: businessCode }], text: 'server text' }, ...extra }],
    },
  });

  it('gives INSUFFICIENT_STOCK’s numbers', () => {
    expect(
      readRefusal(outcome('conflict', 'INSUFFICIENT_STOCK', { diagnostics: '{"available":4,"wanted":10}', expression: ['quantity'] })),
    ).toEqual({
      code: 'INSUFFICIENT_STOCK',
      available: 4,
      wanted: 10,
      field: 'quantity',
      invalid: false,
    });
  });

  it('names the receipt line (1-based) and field', () => {
    expect(readRefusal(outcome('business-rule', 'NEAR_EXPIRY_BATCH', { expression: ['line[1].expiry'] }))).toEqual({
      code: 'NEAR_EXPIRY_BATCH',
      line: 2,
      field: 'expiry',
      invalid: true,
    });
  });

  it('is nothing to read when no OperationOutcome came back', () => {
    expect(readRefusal(new TypeError('Failed to fetch'))).toBeUndefined();
  });
});
