import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/cli.ts';
import { FIXTURES } from './db.ts';

const cli = await cliRunner('src/terminology/cli.ts');
const dir = cli.dir;
const terminology = cli.run;

afterAll(() => cli.cleanup());

describe('npm run terminology', () => {
  it('imports SNOMED CT, LOINC and ICD-10 releases, then lists, looks up, searches and tests subsumption', async () => {
    const snomed = await terminology('import', 'snomed', `${FIXTURES}snomed`);
    expect(snomed.code).toBe(0);
    expect(snomed.out).toMatchObject({ concepts: 34, parents: 34, version: 'http://snomed.info/sct/11000221109/version/20250315' });
    // Progress goes to stderr, the result alone to stdout.
    expect(snomed.err).toMatch(/hierarchy: 34 concepts/);
    expect((await terminology('import', 'loinc', `${FIXTURES}loinc`, '--version', '2.80', '--quiet')).out).toMatchObject({
      concepts: 40,
      version: '2.80',
    });
    expect((await terminology('import', 'icd10', `${FIXTURES}icd10/icd10-who-2019-sample.claml.xml`)).out).toMatchObject({ concepts: 58 });

    const list = await terminology('list');
    expect(list.out.map((s: { url: string; conceptCount: number }) => [s.url, s.conceptCount])).toEqual([
      ['http://hl7.org/fhir/sid/icd-10', 58],
      ['http://loinc.org', 40],
      ['http://snomed.info/sct', 34],
    ]);
    const lookup = await terminology('lookup', 'snomed', '44054006', '--language', 'hi');
    expect(lookup.code).toBe(0);
    expect(lookup.out).toMatchObject({
      code: '44054006',
      display: 'टाइप 2 मधुमेह',
      parents: [{ code: '73211009', display: 'Diabetes mellitus' }],
    });
    expect((await terminology('lookup', 'http://loinc.org', '4548-4')).out.display).toBe('Hemoglobin A1c/Hemoglobin.total in Blood');
    const search = await terminology('search', 'icd10', 'type', '2', 'diabetes', '--count', '2');
    expect(search.out.total).toBe(11);
    expect(search.out.concepts.map((c: { code: string }) => c.code)).toEqual(['E11', 'E11.0']);
    expect((await terminology('subsumes', 'snomed', '73211009', '44054006')).out).toEqual({
      codeA: '73211009',
      codeB: '44054006',
      outcome: 'subsumes',
    });
  }, 120_000);

  it('exits non-zero with a clear message on bad input', async () => {
    const missing = await terminology('import', 'snomed', join(dir, 'nowhere'));
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.err.split('\n')[0])).toEqual({ error: `No such file or folder: ${join(dir, 'nowhere')}` });
    const notRf2 = await terminology('import', 'snomed', `${FIXTURES}loinc`);
    expect(notRf2.code).toBe(1);
    expect(notRf2.err).toMatch(/No SNOMED CT RF2 snapshot/);
    const unknown = await terminology('lookup', 'snomed', '999999999');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('Unknown code 999999999 in http://snomed.info/sct');
    const kind = await terminology('import', 'rxnorm', dir);
    expect(kind.code).toBe(1);
    expect(kind.err).toMatch(/Cannot import rxnorm[\s\S]*Usage: npm run terminology/);
    const count = await terminology('search', 'snomed', 'fever', '--count', 'ten');
    expect(count.code).toBe(1);
    expect(count.err).toContain('--count must be a whole number');
    expect((await terminology('frobnicate')).code).toBe(1);
    expect((await terminology('lookup', 'snomed', '44054006', '--bogus')).code).toBe(1);
    // The failed imports changed nothing.
    expect((await terminology('list')).out.find((s: { url: string }) => s.url === 'http://snomed.info/sct').conceptCount).toBe(34);
  }, 120_000);
});
