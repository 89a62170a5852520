import { expect, test } from 'vitest';
import { isValidPin, normalisePin } from './pin.ts';

test('six digits, the first 1–9', () => {
  expect(normalisePin('411004')).toBe('411004');
  expect(normalisePin(' 411 004 ')).toBe('411004');
  expect(isValidPin('110001')).toBe(true);
});

test('refuses a leading 0, wrong lengths and letters', () => {
  for (const typed of ['011004', '41100', '4110041', '41100A', '']) expect(isValidPin(typed)).toBe(false);
});
