import { readFileSync } from 'node:fs';
import type { Medication } from '@medplum/fhirtypes';
import { BRAND_NAME_URL } from '../fhir/systems.ts';

/**
 * Test fixture: the starter formulary's rows as the Medication resources the server makes of them
 * (server/src/terminology/formulary.ts, toMedication: code text, form text, brand names, one
 * ingredient per generic), so the tests check the tables against the names the formulary really uses.
 */
const CSV = new URL('../../../../terminology/formulary/formulary.csv', import.meta.url);

function cells(line: string): string[] {
  return [...line.matchAll(/(?:^|,)("(?:[^"]|"")*"|[^,]*)/g)].map((m) => m[1].replace(/^"|"$/g, '').replace(/""/g, '"'));
}

export function formularyMedications(): Map<string, Medication> {
  const [header, ...rows] = readFileSync(CSV, 'utf8').trim().split('\n').map(cells);
  const column = (row: string[], name: string) => row[header.indexOf(name)];
  return new Map(
    rows.map((row) => {
      const snomed = column(row, 'snomed_code');
      const medication: Medication = {
        resourceType: 'Medication',
        id: column(row, 'id'),
        code: {
          ...(snomed ? { coding: [{ system: 'http://snomed.info/sct', code: snomed, display: column(row, 'snomed_display') }] } : {}),
          text: `${column(row, 'generic_name')} ${column(row, 'strength')} ${column(row, 'dose_form').toLowerCase()}`,
        },
        form: { text: column(row, 'dose_form') },
        extension: column(row, 'brands')
          .split(';')
          .filter(Boolean)
          .map((brand) => ({ url: BRAND_NAME_URL, valueString: brand })),
        ingredient: column(row, 'ingredients')
          .split(' + ')
          .map((part) => ({ itemCodeableConcept: { text: part.replace(/ \d+(\.\d+)? \S+$/, '') } })),
      };
      return [medication.id!, medication];
    }),
  );
}
