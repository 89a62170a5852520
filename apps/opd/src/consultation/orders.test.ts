import type { MedicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { COMMON_TESTS, inWrittenOrder, lineOf, nextLine, ordersBundle, testMatches } from './orders.ts';

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

  it('numbers each line in the order written, continuing after the lines already saved', () => {
    const encounter = { resourceType: 'Encounter' as const, id: 'e', status: 'in-progress' as const, class: { code: 'AMB' } };
    // Added within one second: the times cannot tell them apart, the line numbers do.
    const same = '2026-12-06T10:00:01.000Z';
    const first = ordersBundle(encounter, 'Practitioner/p', [line('a', same), line('b', same), line('c', same)], [], undefined);
    const saved = (first.entry ?? []).map((e, i) => ({ ...(e.resource as MedicationRequest), id: ['q', 'm', 'a'][i] }));
    expect(saved.map(lineOf)).toEqual([1, 2, 3]);
    expect(saved[0].extension).toEqual([
      { url: 'https://hospital-ops.in/fhir/StructureDefinition/prescription-line', valuePositiveInt: 1 },
    ]);
    // A second save later in the visit goes on from line 4.
    const more = ordersBundle(encounter, 'Practitioner/p', [line('d', same)], [], undefined, same, nextLine(saved));
    const fourth = { ...(more.entry?.[0]?.resource as MedicationRequest), id: 'b' };
    expect(lineOf(fourth)).toBe(4);
    // Read back newest first (as a search answers) and shown in the order written, ids notwithstanding.
    expect(inWrittenOrder([fourth, ...saved].reverse()).map((r) => r.id)).toEqual(['q', 'm', 'a', 'b']);
  });

  it('stores the Hindi instruction as the FHIR translation of the English one', () => {
    const encounter = { resourceType: 'Encounter' as const, id: 'e', status: 'in-progress' as const, class: { code: 'AMB' } };
    const bundle = ordersBundle(
      encounter,
      'Practitioner/p',
      [
        {
          ...line('a', '2026-12-06T10:00:01.000Z'),
          dosage: [{ text: '1-0-0' }],
          patientInstruction: 'Take only if the fever is above 100°F.',
          patientInstructionHi: 'बुखार 100°F से ऊपर हो तभी लें।',
        },
      ],
      [],
      undefined,
    );
    const request = (bundle.entry ?? [])[0].resource as unknown as { dosageInstruction: Record<string, unknown>[] };
    const dosage = request.dosageInstruction[0];
    expect(dosage.patientInstruction).toBe('Take only if the fever is above 100°F.');
    expect(dosage._patientInstruction).toEqual({
      extension: [
        {
          url: 'http://hl7.org/fhir/StructureDefinition/translation',
          extension: [
            { url: 'lang', valueCode: 'hi' },
            { url: 'content', valueString: 'बुखार 100°F से ऊपर हो तभी लें।' },
          ],
        },
      ],
    });
  });
});
