import { describe, expect, test } from 'vitest';
import { formatAge, formatDate, formatDateTime, formatTime, parseIndianDate, todayInIndia } from './date.ts';

test('these tests run outside India, so they catch a formatter using the machine’s zone', () => {
  expect(new Date('2026-03-05T00:00:00Z').getTimezoneOffset()).not.toBe(-330);
});

describe('formatDate', () => {
  test('prints a FHIR date as DD/MM/YYYY without moving it through a time zone', () => {
    expect(formatDate('2026-03-05')).toBe('05/03/2026');
    expect(formatDate('2026-03')).toBe('03/2026');
    expect(formatDate('1990')).toBe('1990');
  });

  test('prints an instant on the Indian calendar', () => {
    // 20:00 UTC on 4 March is 01:30 on 5 March in India (and still 4 March in this test's zone).
    expect(formatDate('2026-03-04T20:00:00Z')).toBe('05/03/2026');
    expect(formatDate(new Date('2026-03-04T18:29:59Z'))).toBe('04/03/2026');
  });

  test('passes unreadable input through and prints nothing for nothing', () => {
    expect(formatDate('soon')).toBe('soon');
    expect(formatDate(undefined)).toBe('');
  });
});

describe('formatTime', () => {
  test('12-hour Indian time with lower-case am/pm and a plain space', () => {
    expect(formatTime('2026-03-05T04:35:00Z')).toBe('10:05 am');
    expect(formatTime('2026-03-05T16:30:00+05:30')).toBe('4:30 pm');
    expect(formatTime('2026-03-05T00:15:00+05:30')).toBe('12:15 am');
  });

  test('in Hindi names the part of the day', () => {
    expect(formatTime('2026-03-05T10:05:00+05:30', 'hi')).toBe('सुबह 10:05');
    expect(formatTime('2026-03-05T16:30:00+05:30', 'hi')).toBe('शाम 4:30');
    expect(formatTime('2026-03-05T21:00:00+05:30', 'hi')).toBe('रात 9:00');
  });

  test('reads a date-time without an offset as Indian time', () => {
    expect(formatTime('2026-03-05T10:05:00')).toBe('10:05 am');
  });
});

describe('formatDateTime', () => {
  test('date and time in India, in either language', () => {
    expect(formatDateTime('2026-03-04T22:35:00Z')).toBe('05/03/2026, 4:05 am');
    expect(formatDateTime('2026-03-05T16:30:00+05:30', 'hi')).toBe('05/03/2026, शाम 4:30');
  });

  test('a date alone stays a date', () => {
    expect(formatDateTime('2026-03-05')).toBe('05/03/2026');
  });
});

describe('parseIndianDate', () => {
  test('reads DD/MM/YYYY and its common variants', () => {
    expect(parseIndianDate('05/03/2026')).toBe('2026-03-05');
    expect(parseIndianDate(' 5-3-2026 ')).toBe('2026-03-05');
    expect(parseIndianDate('29.02.2024')).toBe('2024-02-29');
  });

  test('refuses dates that are not on the calendar', () => {
    expect(parseIndianDate('31/02/2020')).toBeUndefined();
    expect(parseIndianDate('29/02/2023')).toBeUndefined();
    expect(parseIndianDate('31/04/2026')).toBeUndefined();
    expect(parseIndianDate('00/01/2026')).toBeUndefined();
    expect(parseIndianDate('12/13/2026')).toBeUndefined();
  });

  test('refuses other shapes and implausible years', () => {
    expect(parseIndianDate('2026-03-05')).toBeUndefined();
    expect(parseIndianDate('05/03/26')).toBeUndefined();
    expect(parseIndianDate('05/03/0202')).toBeUndefined();
    expect(parseIndianDate('')).toBeUndefined();
  });
});

describe('todayInIndia', () => {
  test('is the Indian calendar day, not the machine’s', () => {
    // 19:00 UTC is 00:30 the next day in India; this test runs in America/Los_Angeles.
    expect(todayInIndia(new Date('2026-12-31T19:00:00Z'))).toBe('2027-01-01');
    expect(todayInIndia(new Date('2026-12-31T18:29:00Z'))).toBe('2026-12-31');
  });
});

describe('formatAge', () => {
  const today = '2026-03-05';

  test('years from two years on, counting the birthday itself', () => {
    expect(formatAge('1991-06-10', 'en', today)).toBe('34 y');
    expect(formatAge('1991-03-05', 'en', today)).toBe('35 y');
    expect(formatAge('1991-03-06', 'en', today)).toBe('34 y');
    expect(formatAge('2024-03-05', 'en', today)).toBe('2 y');
  });

  test('months under two years, days under a month', () => {
    expect(formatAge('2025-06-20', 'en', today)).toBe('8 m');
    expect(formatAge('2024-03-06', 'en', today)).toBe('23 m');
    expect(formatAge('2026-02-21', 'en', today)).toBe('12 d');
    expect(formatAge('2026-03-05', 'en', today)).toBe('0 d');
  });

  test('in Hindi', () => {
    expect(formatAge('1991-06-10', 'hi', today)).toBe('34 वर्ष');
    expect(formatAge('2025-06-20', 'hi', today)).toBe('8 माह');
    expect(formatAge('2026-02-21', 'hi', today)).toBe('12 दिन');
  });

  test('a year-only birth date gives the age the desk recorded', () => {
    expect(formatAge('1990', 'en', today)).toBe('36 y');
    expect(formatAge('2025', 'en', today)).toBe('1 y');
  });

  test('nothing for a missing, unreadable or future birth date', () => {
    expect(formatAge(undefined, 'en', today)).toBe('');
    expect(formatAge('10/06/1991', 'en', today)).toBe('');
    expect(formatAge('2026-03-06', 'en', today)).toBe('');
  });
});
