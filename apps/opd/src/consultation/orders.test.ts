import { describe, expect, it } from 'vitest';
import { COMMON_TESTS, inWrittenOrder, ordersBundle, testMatches } from './orders.ts';

const found = (search: string) => COMMON_TESTS.filter((t) => testMatches(t, search)).map((t) => t.display);

describe('the lab-order picker', () => {
  it('finds a test by the abbreviation the desk types', () => {
    expect(found('CBC')).toEqual(['Complete blood count']);
    expect(found('hba1c')).toEqual(['Hemoglobin A1c measurement']);
    expect(found('lft')).toEqual(['Hepatic function panel']);
    expect(found('KFT')).toEqual(['Renal function test (urea, creatinine, electrolytes)']);
  });

  it('finds a test by the start of each word of its name, and nothing for a word no test has', () => {
    expect(found('comp blo')).toEqual(['Complete blood count']);
    expect(found('liver func')).toEqual(['Hepatic function panel']);
    expect(found('xray')).toEqual([]);
    expect(found('')).toHaveLength(COMMON_TESTS.length);
  });
});

describe('the order of a prescription', () => {
  const medication = { resourceType: 'Medication' as const, id: 'm', code: { text: 'Paracetamol 650 mg tablet' } };
  const line = (key: string, authoredOn: string) => ({ key, medication, dosage: [], patientInstruction: '', warnings: [], authoredOn });

  it('stamps each line with the time it was added, and reads them back in that order', () => {
    const bundle = ordersBundle(
      { resourceType: 'Encounter', id: 'e', status: 'in-progress', class: { code: 'AMB' } },
      'Practitioner/p',
      [line('a', '2026-12-06T10:00:01.000Z'), line('b', '2026-12-06T10:00:05.000Z')],
      [],
      undefined,
      '2026-12-06T10:01:00.000Z',
    );
    const written = bundle.entry?.map((e) => (e.resource as { authoredOn?: string }).authoredOn);
    expect(written).toEqual(['2026-12-06T10:00:01.000Z', '2026-12-06T10:00:05.000Z']);
    // The server answers newest first; the visit screen shows them as written.
    const stored = [
      { id: 'z', authoredOn: '2026-12-06T10:00:05.000Z' },
      { id: 'y', authoredOn: '2026-12-06T10:00:01.000Z' },
    ];
    expect(inWrittenOrder(stored).map((r) => r.id)).toEqual(['y', 'z']);
  });
});
