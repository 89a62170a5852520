import { describe, expect, test } from 'vitest';
import {
  abhaCheckDigitOk,
  formatAbhaNumber,
  isValidAbhaAddress,
  isValidAbhaNumber,
  normaliseAbhaNumber,
  parseAbhaAddress,
} from './abha.ts';

describe('ABHA number', () => {
  test('accepted with or without hyphens and spaces, stored as 14 digits', () => {
    expect(normaliseAbhaNumber('91-7561-4088-8857')).toBe('91756140888857');
    expect(normaliseAbhaNumber('91 7561 4088 8857')).toBe('91756140888857');
    expect(normaliseAbhaNumber('91756140888857')).toBe('91756140888857');
  });

  test('refuses other lengths and letters', () => {
    for (const typed of ['91-7561-4088-885', '917561408888571', '91-7561-4088-88A7', '']) expect(isValidAbhaNumber(typed)).toBe(false);
  });

  test('displayed XX-XXXX-XXXX-XXXX', () => {
    expect(formatAbhaNumber('91756140888857')).toBe('91-7561-4088-8857');
    expect(formatAbhaNumber('not a number')).toBe('not a number');
  });

  test('real-looking numbers pass the (inferred) Luhn check digit', () => {
    // Samples from ABDM documents and the NRCeS IG (NOTES.md §4.1).
    for (const n of ['91-7561-4088-8857', '91-5101-6530-5101', '91703412374240', '22-7225-4829-5255', '43-4221-5105-6749']) {
      expect(abhaCheckDigitOk(n)).toBe(true);
    }
  });

  test('a mistyped digit or a made-up number fails it', () => {
    expect(abhaCheckDigitOk('91-7561-4088-8858')).toBe(false);
    expect(abhaCheckDigitOk('91-7561-4088-8587')).toBe(false);
    expect(abhaCheckDigitOk('91-1234-5678-9012')).toBe(false);
    expect(abhaCheckDigitOk('1234')).toBe(false);
  });
});

describe('ABHA address', () => {
  test('production and sandbox domains', () => {
    expect(parseAbhaAddress('asha.patil@abdm')).toEqual({ address: 'asha.patil@abdm', handle: 'asha.patil', domain: 'abdm' });
    expect(parseAbhaAddress(' ravi_k91@SBX ')).toEqual({ address: 'ravi_k91@sbx', handle: 'ravi_k91', domain: 'sbx' });
  });

  test.each([
    ['another domain', 'asha@gmail.com'],
    ['the retired @ndhm domain', 'asha@ndhm'],
    ['no domain', 'ashapatil'],
    ['a dot first', '.asha@abdm'],
    ['an underscore last', 'asha_@abdm'],
    ['a hyphen', 'asha-patil@abdm'],
    ['a space', 'asha patil@abdm'],
    ['too short a handle', 'as@abdm'],
  ])('refuses %s', (_what, typed) => {
    expect(isValidAbhaAddress(typed)).toBe(false);
  });
});
