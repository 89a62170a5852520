import { describe, expect, it } from 'vitest';
import { amountInWords } from '../../src/billing/words.ts';

describe('amounts in words (Indian system)', () => {
  it('English: lakh and crore, paise, hyphenated tens', () => {
    expect(amountInWords(167_300, 'en')).toBe('Rupees One Thousand Six Hundred Seventy-Three Only');
    expect(amountInWords(12_345_650, 'en')).toBe('Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and Fifty Paise Only');
    expect(amountInWords(1_000_000_000, 'en')).toBe('Rupees One Crore Only');
    expect(amountInWords(123_456_789_00, 'en')).toBe('Rupees Twelve Crore Thirty-Four Lakh Fifty-Six Thousand Seven Hundred Eighty-Nine Only');
    expect(amountInWords(5, 'en')).toBe('Rupees Zero and Five Paise Only');
  });

  it('Hindi: each number below 100 its own word', () => {
    expect(amountInWords(167_300, 'hi')).toBe('एक हज़ार छह सौ तिहत्तर रुपये मात्र');
    expect(amountInWords(12_345_650, 'hi')).toBe('एक लाख तेईस हज़ार चार सौ छप्पन रुपये और पचास पैसे मात्र');
    expect(amountInWords(2_438_600, 'hi')).toBe('चौबीस हज़ार तीन सौ छियासी रुपये मात्र');
    expect(amountInWords(9_990_000_000, 'hi')).toBe('नौ करोड़ निन्यानवे लाख रुपये मात्र');
    expect(amountInWords(9_900_000_000, 'hi')).toBe('नौ करोड़ नब्बे लाख रुपये मात्र');
  });

  it('refuses fractions of a paisa and negatives', () => {
    expect(() => amountInWords(1.5, 'en')).toThrow();
    expect(() => amountInWords(-100, 'hi')).toThrow();
  });
});
