import { describe, expect, it } from 'vitest';
import { maskAadhaar, normaliseAadhaar, verhoeffOk } from './aadhaar.ts';

describe('Aadhaar numbers', () => {
  it('accepts 12 digits with a correct Verhoeff check digit, typed with spaces or hyphens', () => {
    expect(normaliseAadhaar('4991 2345 6783')).toBe('499123456783');
    expect(normaliseAadhaar('7345-6789-0125')).toBe('734567890125');
  });

  it('refuses a wrong check digit, a swap of neighbours, a leading 0 or 1, and other lengths', () => {
    expect(normaliseAadhaar('499123456784')).toBeUndefined();
    expect(normaliseAadhaar('499123456738')).toBeUndefined(); // last two swapped: Verhoeff catches it
    expect(normaliseAadhaar('199123456783')).toBeUndefined();
    expect(normaliseAadhaar('49912345678')).toBeUndefined();
    expect(normaliseAadhaar('4991234567a3')).toBeUndefined();
  });

  it('checks the published Verhoeff example (236 → check digit 3)', () => {
    expect(verhoeffOk('2363')).toBe(true);
    expect(verhoeffOk('2364')).toBe(false);
  });

  it('masks all but the last four digits', () => {
    expect(maskAadhaar('499123456783')).toBe('XXXX XXXX 6783');
  });
});
