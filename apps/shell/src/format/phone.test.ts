import { describe, expect, test } from 'vitest';
import { formatPhone, isValidMobile, normalisePhone } from './phone.ts';

describe('normalisePhone', () => {
  test.each([
    '9876543210',
    '98765 43210',
    '+91-98765-43210',
    '+91 98765 43210',
    '09876543210',
    '919876543210',
    '0091 98765 43210',
    '(+91) 98765-43210',
  ])('%s → +919876543210', (typed) => {
    expect(normalisePhone(typed)).toBe('+919876543210');
  });

  test('keeps a 10-digit mobile that itself starts with 91', () => {
    expect(normalisePhone('9198765432')).toBe('+919198765432');
  });

  test.each([
    ['a landline with its STD code', '020 2567 1234'],
    ['a number starting 5', '5876543210'],
    ['nine digits', '987654321'],
    ['eleven digits without a 0 or 91 prefix', '98765432101'],
    ['another country', '+44 7700 900123'],
    ['letters', '98765-ABCDE'],
    ['nothing', ''],
  ])('refuses %s', (_what, typed) => {
    expect(normalisePhone(typed)).toBeUndefined();
    expect(isValidMobile(typed)).toBe(false);
  });
});

describe('formatPhone', () => {
  test('groups an Indian mobile 5 + 5', () => {
    expect(formatPhone('+919876543210')).toBe('+91 98765 43210');
    expect(formatPhone('09876543210')).toBe('+91 98765 43210');
  });

  test('shows anything else as stored', () => {
    expect(formatPhone('+912025671234')).toBe('+912025671234');
    expect(formatPhone(undefined)).toBe('');
  });
});
