import type { Communication, DiagnosticReport, Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { acknowledged, alertObservationIds, flagOf, rangeText, reportRows, resultRow, unacknowledgedAlerts } from './results.ts';

const INTERP = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';

const obs = (id: string, value: number, flag: string, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin' }], text: 'Haemoglobin' },
  valueQuantity: { value, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
  referenceRange: [{ low: { value: 13, unit: 'g/dL' }, high: { value: 17, unit: 'g/dL' } }],
  interpretation: [{ coding: [{ system: INTERP, code: flag }] }],
  ...extra,
});

const report = (id: string, status: DiagnosticReport['status'], issued: string | undefined, results: string[]): DiagnosticReport => ({
  resourceType: 'DiagnosticReport',
  id,
  status,
  code: { text: 'Complete blood count' },
  ...(issued ? { issued } : {}),
  result: results.map((r) => ({ reference: `Observation/${r}` })),
});

describe('lab results for the doctor', () => {
  it('reads the flag, the value in Indian grouping, the unit and the range the lab copied', () => {
    expect(resultRow(obs('a', 6.4, 'LL'))).toEqual({
      id: 'a',
      name: 'Haemoglobin',
      value: '6.4',
      unit: 'g/dL',
      range: '13–17',
      flag: 'LL',
      amended: false,
    });
    expect(resultRow(obs('b', 250000, 'N')).value).toBe('2,50,000');
    expect(flagOf(obs('c', 1, 'H'))).toBe('H');
    expect(flagOf({ ...obs('d', 1, 'N'), interpretation: undefined })).toBeUndefined();
    // A code outside the lab's set is not shown as a flag.
    expect(flagOf(obs('e', 1, 'POS'))).toBeUndefined();
  });

  it('writes one-sided and textual ranges, and nothing when the lab had none', () => {
    expect(rangeText({ ...obs('a', 1, 'N'), referenceRange: [{ high: { value: 200 } }] })).toBe('< 200');
    expect(rangeText({ ...obs('a', 1, 'N'), referenceRange: [{ low: { value: 40 } }] })).toBe('≥ 40');
    expect(rangeText({ ...obs('a', 1, 'N'), referenceRange: [{ text: 'Negative' }] })).toBe('Negative');
    expect(rangeText({ ...obs('a', 1, 'N'), referenceRange: undefined })).toBe('');
  });

  it('lists resulted reports newest first with their results in order, critical ones marked, unresulted ones left out', () => {
    const observations = [obs('hb', 6.4, 'LL'), obs('wbc', 12.5, 'H'), obs('ldl', 90, 'N', { status: 'amended' })];
    const rows = reportRows(
      [
        report('old', 'final', '2026-12-01T05:00:00Z', ['ldl']),
        report('new', 'preliminary', '2026-12-06T05:00:00Z', ['hb', 'wbc', 'missing']),
        report('mid', 'amended', '2026-12-03T05:00:00Z', []),
        report('waiting', 'registered', '2026-12-07T05:00:00Z', []),
        report('withdrawn', 'entered-in-error', '2026-12-07T05:00:00Z', []),
      ],
      observations,
    );
    expect(rows.map((r) => [r.id, r.status, r.critical])).toEqual([
      ['new', 'preliminary', true],
      ['mid', 'amended', false],
      ['old', 'final', false],
    ]);
    expect(rows[0].results.map((r) => [r.id, r.flag])).toEqual([
      ['hb', 'LL'],
      ['wbc', 'H'],
    ]);
    expect(rows[2].results[0].amended).toBe(true);
  });
});

describe('critical-value alerts', () => {
  const alert = (id: string, sent: string, extra: Partial<Communication> = {}): Communication => ({
    resourceType: 'Communication',
    id,
    status: 'completed',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/communication-category', code: 'alert' }] }],
    subject: { reference: 'Patient/p1' },
    sent,
    payload: [{ contentString: `Critical result ${id}` }],
    ...extra,
  });
  const ravi: Patient = { resourceType: 'Patient', id: 'p1', name: [{ given: ['Ravi'], family: 'Kulkarni' }] };

  it('keeps alerts not yet received, newest first, named by the included patient', () => {
    const rows = unacknowledgedAlerts(
      [
        alert('older', '2026-12-06T04:00:00Z'),
        alert('seen', '2026-12-06T06:00:00Z', { received: '2026-12-06T06:05:00Z' }),
        alert('newer', '2026-12-06T05:00:00Z'),
        alert('pending', '2026-12-06T03:00:00Z', { status: 'in-progress' }),
        alert('withdrawn', '2026-12-06T07:00:00Z', { status: 'entered-in-error' }),
        alert('note', '2026-12-06T07:00:00Z', { category: [{ coding: [{ code: 'notification' }] }] }),
      ],
      [ravi],
    );
    expect(rows.map((r) => r.communication.id)).toEqual(['newer', 'older', 'pending']);
    expect(rows[0]).toMatchObject({ text: 'Critical result newer', patientName: 'Ravi Kulkarni', sent: '2026-12-06T05:00:00Z' });
  });

  it('carries the critical result the alert is about, for the screen to word in the user’s language', () => {
    const potassium: Observation = {
      resourceType: 'Observation',
      id: 'k1',
      status: 'preliminary',
      code: { text: 'Potassium' },
      valueQuantity: { value: 6.5, unit: 'mmol/L' },
      interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'HH' }] }],
    };
    const about = alert('k', '2026-12-06T04:00:00Z', { about: [{ reference: 'Observation/k1' }] });
    const unread = alert('u', '2026-12-06T03:00:00Z', { about: [{ reference: 'Observation/gone' }] });
    expect(alertObservationIds([about, unread, about])).toEqual(['k1', 'gone']);
    const [withResult, withoutResult] = unacknowledgedAlerts([about, unread], [], [potassium]);
    expect(withResult.result).toMatchObject({ name: 'Potassium', value: '6.5', unit: 'mmol/L', flag: 'HH' });
    // A result this user cannot read: the lab's own sentence.
    expect(withoutResult.result).toBeUndefined();
    expect(withoutResult.text).toBe('Critical result u');
  });

  it('acknowledging records when it was received and completes it, keeping the rest', () => {
    const a = alert('x', '2026-12-06T04:00:00Z', { status: 'in-progress' });
    const done = acknowledged(a, new Date('2026-12-06T04:30:00Z'));
    expect(done).toEqual({ ...a, status: 'completed', received: '2026-12-06T04:30:00.000Z' });
    expect(unacknowledgedAlerts([done])).toEqual([]);
  });
});
