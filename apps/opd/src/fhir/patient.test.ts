import type { Organization } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { newUhid, printLanguageOf, uhidPrefixOf } from './patient.ts';

describe('the UHID convention', () => {
  it("takes the branch's alias as prefix, then six characters", () => {
    const pune: Organization = { resourceType: 'Organization', name: 'Sanjeevani Hospital, Pune', alias: ['SH-PUN'] };
    const uhid = newUhid(uhidPrefixOf(pune));
    expect(uhid).toMatch(/^SH-PUN-[0-9A-Z]{6}$/);
    // Random, not a clock: two registrations in the same second differ.
    expect(new Set(Array.from({ length: 50 }, () => newUhid('SH-PUN'))).size).toBe(50);
  });

  it('falls back to OPD for a branch without a usable alias', () => {
    expect(uhidPrefixOf(undefined)).toBe('OPD');
    expect(uhidPrefixOf({ resourceType: 'Organization', alias: ['Pune main (old)'] })).toBe('OPD');
  });
});

describe('the language a prescription is explained in', () => {
  it('is Hindi for every Hindi tag a registration may carry, English otherwise', () => {
    expect(['hi', 'hi-IN', 'HI-in', 'hi-Deva'].map(printLanguageOf)).toEqual(['hi', 'hi', 'hi', 'hi']);
    expect(['en-IN', 'mr', 'hit', undefined].map(printLanguageOf)).toEqual(['en', 'en', 'en', 'en']);
  });
});
