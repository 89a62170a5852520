import type { Patient, ServiceRequest, Specimen } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { code128Pattern, labelData } from './label.ts';

// Code 128 symbol patterns (bars and spaces as module widths), from the symbology's table.
const START_C = '11010011100';
const START_B = '11010010000';
const STOP = '1100011101011';

describe('the sample label', () => {
  it('carries the accession number, patient, UHID, tests and container of the sample', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      name: [{ given: ['Ravi'], family: 'Kulkarni' }],
      identifier: [{ type: { coding: [{ code: 'MR' }] }, value: 'SH-PUN-000123' }],
    };
    const orders: ServiceRequest[] = [
      { resourceType: 'ServiceRequest', id: 'a', status: 'active', intent: 'order', subject: {}, code: { text: 'Complete blood count' } },
      { resourceType: 'ServiceRequest', id: 'b', status: 'active', intent: 'order', subject: {}, code: { text: 'HbA1c' } },
      { resourceType: 'ServiceRequest', id: 'c', status: 'active', intent: 'order', subject: {}, code: { text: 'LFT' } },
    ];
    const specimen: Specimen = {
      resourceType: 'Specimen',
      accessionIdentifier: { value: 'PUN2612060007' },
      request: [{ reference: 'ServiceRequest/a' }, { reference: 'ServiceRequest/b' }],
      container: [{ type: { text: 'EDTA tube (lavender top)' } }],
      collection: { collectedDateTime: '2026-12-06T08:15:00+05:30' },
    };
    expect(labelData(specimen, patient, orders)).toEqual({
      accession: 'PUN2612060007',
      patientName: 'Ravi Kulkarni',
      uhid: 'SH-PUN-000123',
      tests: ['Complete blood count', 'HbA1c'],
      container: 'EDTA tube (lavender top)',
      collected: '2026-12-06T08:15:00+05:30',
    });
  });

  it('encodes the accession number as Code 128: start, 11 modules a symbol, checksum, stop', () => {
    const bars = code128Pattern('PUN2612060007');
    expect(bars).toMatch(/^[01]+$/);
    expect(bars.startsWith(START_B) || bars.startsWith(START_C)).toBe(true);
    expect(bars.endsWith(STOP)).toBe(true);
    expect((bars.length - STOP.length) % 11).toBe(0);
    // A different number draws different bars (the label cannot be confused with a neighbour's).
    expect(code128Pattern('PUN2612060008')).not.toBe(bars);
    // Digits pair up (code set C): ten digits after the letters take five symbols, not ten.
    expect(code128Pattern('PUN2612060007').length).toBeLessThan(code128Pattern('PUNABCDEFGHIJ').length);
  });
});
