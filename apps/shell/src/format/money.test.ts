import { expect, test } from 'vitest';
import { formatInr } from './money.ts';

test('groups rupees in lakhs and crores, with paise', () => {
  expect(formatInr(12345678.5)).toBe('₹1,23,45,678.50');
  expect(formatInr(100000)).toBe('₹1,00,000.00');
  expect(formatInr(999)).toBe('₹999.00');
  expect(formatInr(0.5)).toBe('₹0.50');
});

test('rounds to paise and shows refunds as negative', () => {
  expect(formatInr(10.005)).toBe('₹10.01');
  expect(formatInr(-1500)).toBe('-₹1,500.00');
});

test('Hindi uses the same grouping and digits', () => {
  expect(formatInr(12345678.5, 'hi')).toBe('₹1,23,45,678.50');
});
