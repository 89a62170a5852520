import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReleaseError } from '../../src/terminology/import/files.ts';
import { importIcd10 } from '../../src/terminology/import/icd10.ts';
import { ICD_10, TerminologyStore } from '../../src/terminology/store.ts';
import { FIXTURES, openTestDatabase } from './db.ts';

// The ClaML sample: 4 chapters, 7 blocks, 13 categories, 14 written-out subcategories and, from the
// E10-E14 fourth-character modifier (10 classes), 20 generated ones for E10 and E11.
const CLAML = `${FIXTURES}icd10/icd10-who-2019-sample.claml.xml`;
const TEXT = `${FIXTURES}icd10/icd10-who-2019-codes.txt`;

let t: Awaited<ReturnType<typeof openTestDatabase>>;
let store: TerminologyStore;
const tmp = mkdtempSync(join(tmpdir(), 'hops-icd10-'));
beforeAll(async () => {
  t = await openTestDatabase();
  store = new TerminologyStore(t.db);
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await t?.close();
});

const parentsOf = async (code: string) => (await store.lookup(ICD_10, code))?.parents.map((p) => p.code);

describe('ICD-10 ClaML importer', () => {
  it('imports chapters, blocks, categories and subcategories with the ClaML edition', async () => {
    const stats = await importIcd10(store, CLAML);
    expect(stats).toMatchObject({ concepts: 58, designations: 11, parents: 54, danglingParents: 0, version: '2019' });
    expect(await store.system(ICD_10)).toMatchObject({
      name: 'ICD-10',
      version: '2019',
      conceptCount: 58,
      source: 'icd10-who-2019-sample.claml.xml',
    });
  });

  it('links chapter -> block -> category -> subcategory', async () => {
    expect(await store.lookup(ICD_10, 'I')).toMatchObject({
      display: 'Certain infectious and parasitic diseases',
      properties: { kind: 'chapter' },
      parents: [],
    });
    expect(await store.lookup(ICD_10, 'A00-A09')).toMatchObject({
      display: 'Intestinal infectious diseases',
      properties: { kind: 'block' },
    });
    expect(await parentsOf('A00-A09')).toEqual(['I']);
    expect(await parentsOf('A00')).toEqual(['A00-A09']);
    expect(await parentsOf('A00.0')).toEqual(['A00']);
    expect(await store.lookup(ICD_10, 'A00.0')).toMatchObject({
      display: 'Cholera due to Vibrio cholerae 01, biovar cholerae',
      properties: { kind: 'category' },
      designations: [{ language: 'en', use: { system: ICD_10, code: 'inclusion' }, value: 'Classical cholera', preferred: false }],
    });
    expect(await store.isDescendantOrSelf(ICD_10, 'A00.0', 'I')).toBe(true);
    expect(await store.isDescendantOrSelf(ICD_10, 'A00.0', 'IV')).toBe(false);
    expect(await store.subsumes(ICD_10, 'A15-A19', 'A15.0')).toBe('subsumes');
    expect((await store.descendants(ICD_10, 'A00')).map((c) => c.code)).toEqual(['A00.0', 'A00.1', 'A00.9']);
  });

  it('generates the fourth-character subcategories a modifier gives E10 and E11', async () => {
    expect(await store.lookup(ICD_10, 'E11.9')).toMatchObject({
      display: 'Type 2 diabetes mellitus, without complications',
      properties: { kind: 'category' },
      parents: [{ code: 'E11', display: 'Type 2 diabetes mellitus' }],
    });
    // Dagger codes keep their usage.
    expect((await store.lookup(ICD_10, 'E11.2'))?.properties).toEqual({ kind: 'category', usage: 'dagger' });
    expect(await store.descendants(ICD_10, 'E10')).toHaveLength(10);
    expect(await store.isDescendantOrSelf(ICD_10, 'E10.1', 'IV')).toBe(true);
    // The modifier itself is not a code.
    expect(await store.lookup(ICD_10, 'S04E10_4')).toBeUndefined();
  });

  it('makes inclusion terms searchable, leaves exclusions out', async () => {
    expect((await store.search(ICD_10, { filter: 'high blood pressure' })).concepts).toEqual([
      { code: 'I10', display: 'Essential (primary) hypertension', active: true },
    ]);
    expect((await store.search(ICD_10, { filter: 'juvenile diabetes' })).concepts.map((c) => c.code)).toEqual(['E10']);
    expect((await store.search(ICD_10, { filter: 'pregnancy' })).total).toBe(0);
    const malaria = await store.search(ICD_10, { filter: 'malaria' });
    expect(malaria.concepts.map((c) => c.code)).toEqual(['B54', 'B50', 'B50.9']);
    expect((await store.search(ICD_10, { filter: 'diabetes without', under: 'E10-E14' })).concepts.map((c) => c.code)).toEqual([
      'E10.9',
      'E11.9',
    ]);
  });

  it('keeps the loaded edition when the ClaML file is cut short', async () => {
    const cut = join(tmp, 'icd10-2019-cut.xml');
    const xml = readFileSync(CLAML, 'utf8');
    writeFileSync(cut, xml.slice(0, xml.indexOf('<Class code="J45"')));
    const err = await importIcd10(store, cut).catch((e) => e);
    expect(err).toBeInstanceOf(ReleaseError);
    expect((err as Error).message).toMatch(/icd10-2019-cut\.xml.*unclosed tag/i);
    expect((await store.system(ICD_10))?.conceptCount).toBe(58);
    expect(await store.lookup(ICD_10, 'J45.9')).toBeTruthy();
  });
});

describe('ICD-10 code list importer', () => {
  it('reads tab-separated and fixed-width lines, parents from the code, the edition from the file name', async () => {
    const stats = await importIcd10(store, TEXT);
    expect(stats).toMatchObject({ concepts: 12, designations: 0, parents: 7, version: '2019' });
    // It replaced the ClaML import: blocks and chapters are gone.
    expect(await store.lookup(ICD_10, 'A00-A09')).toBeUndefined();
    expect(await store.lookup(ICD_10, 'E11.9')).toMatchObject({
      display: 'Type 2 diabetes mellitus without complications',
      parents: [{ code: 'E11', display: 'Type 2 diabetes mellitus' }],
    });
    expect(await parentsOf('J45.0')).toEqual(['J45']);
    expect(await parentsOf('A00')).toEqual([]);
  });

  it('rejects a line that is not a code and a title, and a list with no edition', async () => {
    const bad = join(tmp, 'codes-2019.txt');
    writeFileSync(bad, 'A00\tCholera\nCholera due to Vibrio cholerae\n');
    await expect(importIcd10(store, bad)).rejects.toThrow(/codes-2019\.txt line 2: not an ICD-10 code and title/);
    const undated = join(tmp, 'codes.txt');
    writeFileSync(undated, 'A00\tCholera\n');
    await expect(importIcd10(store, undated)).rejects.toThrow(/pass --version/);
    expect((await importIcd10(store, undated, { version: '2019' })).concepts).toBe(1);
  });
});
