import { describe, expect, it } from 'vitest';
import { patientQueries, searchKind } from './search.ts';

describe('patientQueries', () => {
  it('reads what the desk typed', () => {
    expect(patientQueries('ra')).toEqual([{ 'name:fuzzy': 'ra' }]);
    expect(patientQueries('Sneha Kulkarni')).toEqual([{ 'name:fuzzy': 'Sneha Kulkarni' }]);
    expect(patientQueries('98765 43210')).toEqual([{ phone: '+919876543210' }]);
    expect(patientQueries('+91-98765-43210')?.[0]).toEqual({ phone: '+919876543210' });
    expect(patientQueries('09876543210')?.[0]).toEqual({ phone: '+919876543210' });
    expect(patientQueries('91-1234-5678-9012')?.[0]).toEqual({ identifier: 'https://healthid.ndhm.gov.in|91123456789012' });
    expect(patientQueries('Sneha.K@abdm')).toEqual([{ identifier: 'https://healthid.ndhm.gov.in/health-id|sneha.k@abdm' }]);
    expect(patientQueries('1001')).toEqual([{ identifier: '1001' }]);
    expect(patientQueries(' ')).toBeUndefined();
  });

  it('looks up UHIDs with letters, digits and dashes as identifiers, and as names', () => {
    expect(patientQueries('SH-PUN-001005')).toEqual([{ identifier: 'SH-PUN-001005' }, { 'name:fuzzy': 'SH-PUN-001005' }]);
    expect(patientQueries('opd-261205-gsi7ub')).toEqual([
      { identifier: 'opd-261205-gsi7ub,OPD-261205-GSI7UB' },
      { 'name:fuzzy': 'opd-261205-gsi7ub' },
    ]);
  });

  it('tells a name from an identifier or a phone', () => {
    expect(searchKind('Kulkarni')).toBe('name');
    expect(searchKind('Sneha Kulkarni')).toBe('name');
    expect(searchKind('SH-PUN-001005')).toBe('identifier');
    expect(searchKind('9876543210')).toBe('phone');
    expect(searchKind('91-1234-5678-9012')).toBe('identifier');
  });
});
