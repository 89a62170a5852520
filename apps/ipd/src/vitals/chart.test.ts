import { describe, expect, it } from 'vitest';
import { ioObservation } from '../nursing/io.ts';
import { axisLabel, chartRows } from './chart.ts';
import type { NursingVitals } from './observations.ts';
import { vitalsBundle } from './observations.ts';

const patient = { reference: 'Patient/p1' };
const stay = { reference: 'Encounter/e1' };
const round = (v: Partial<NursingVitals>, when: string) =>
  (
    vitalsBundle(
      {
        respiration: 16,
        spo2: 97,
        systolic: 120,
        diastolic: 80,
        pulse: 72,
        temperatureF: 98.6,
        onOxygen: false,
        scale2: false,
        consciousness: 'A',
        ...v,
      },
      patient,
      stay,
      when,
    ).entry ?? []
  ).map((e) => e.resource as import('@medplum/fhirtypes').Observation);

describe('the vitals chart data', () => {
  it('labels the axis dd-mm HH:mm in IST on a 24-hour clock', () => {
    expect(axisLabel('2026-12-06T15:35:00Z')).toBe('06-12 21:05');
    expect(axisLabel('2026-12-06T18:30:00Z')).toBe('07-12 00:00');
  });

  it('makes one row per round, oldest first, with TPR, BP, SpO2, pain and NEWS2, and ignores intake/output', () => {
    const observations = [
      ...round(
        { pulse: 112, respiration: 22, temperatureF: 101.3, spo2: 94, systolic: 104, diastolic: 66, onOxygen: true, pain: 6 },
        '2026-12-07T03:30:00Z',
      ),
      ...round({}, '2026-12-05T03:30:00Z'),
      ioObservation('urine', 400, patient, stay, '2026-12-06T03:30:00Z'),
      ...round({ pain: 2 }, '2026-12-06T14:30:00Z'),
    ];
    const rows = chartRows(observations);
    expect(rows.map((r) => r.label)).toEqual(['05-12 09:00', '06-12 20:00', '07-12 09:00']);
    expect(rows[0]).toMatchObject({
      temperature: 98.6,
      pulse: 72,
      respiration: 16,
      systolic: 120,
      diastolic: 80,
      spo2: 97,
      news2: 0,
      news2Risk: 'low',
    });
    expect(rows[0].pain).toBeUndefined();
    expect(rows[1].pain).toBe(2);
    // 22/min 2, SpO2 94 on scale 1 1, oxygen 2, systolic 104 1, pulse 112 2, 38.5 °C 1 = 9: high.
    expect(rows[2]).toMatchObject({
      temperature: 101.3,
      pulse: 112,
      respiration: 22,
      systolic: 104,
      diastolic: 66,
      spo2: 94,
      pain: 6,
      news2: 9,
      news2Risk: 'high',
    });
  });
});
