import { describe, expect, it } from 'vitest';
import { patientQuery } from './search.ts';

describe('patientQuery', () => {
  it('reads what the desk typed', () => {
    expect(patientQuery('ra')).toEqual({ 'name:fuzzy': 'ra' });
    expect(patientQuery('98765 43210')).toEqual({ phone: '+919876543210' });
    expect(patientQuery('+91-98765-43210')).toEqual({ phone: '+919876543210' });
    expect(patientQuery('09876543210')).toEqual({ phone: '+919876543210' });
    expect(patientQuery('91-1234-5678-9012')).toEqual({ identifier: 'https://healthid.ndhm.gov.in|91123456789012' });
    expect(patientQuery('Sneha.K@abdm')).toEqual({ identifier: 'https://healthid.ndhm.gov.in/health-id|sneha.k@abdm' });
    expect(patientQuery('SH-PUN')).toEqual({ 'name:fuzzy': 'SH-PUN' });
    expect(patientQuery('1001')).toEqual({ identifier: '1001' });
    expect(patientQuery(' ')).toBeUndefined();
  });
});
