import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReleaseError } from '../../src/terminology/import/files.ts';
import { importLoinc } from '../../src/terminology/import/loinc.ts';
import { LOINC, TerminologyStore } from '../../src/terminology/store.ts';
import { FIXTURES, openTestDatabase } from './db.ts';

// The sample: 24 terms in LoincTable/Loinc.csv (one DEPRECATED) and a multi-axial hierarchy of 16
// LP parts above them (AccessoryFiles/MultiAxialHierarchy/MultiAxialHierarchy.csv).
const RELEASE = `${FIXTURES}loinc`;

let t: Awaited<ReturnType<typeof openTestDatabase>>;
let store: TerminologyStore;
const tmp = mkdtempSync(join(tmpdir(), 'hops-loinc-'));
beforeAll(async () => {
  t = await openTestDatabase();
  store = new TerminologyStore(t.db);
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await t?.close();
});

describe('LOINC importer', () => {
  it('imports the terms and the hierarchy parts, version from the newest VersionLastChanged', async () => {
    const stats = await importLoinc(store, RELEASE);
    expect(stats).toMatchObject({ concepts: 40, designations: 59, parents: 41, danglingParents: 0, version: '2.80' });
    expect(await store.system(LOINC)).toMatchObject({ name: 'LOINC', version: '2.80', conceptCount: 40 });
  });

  it('uses LONG_COMMON_NAME as display, the other names as designations, the parts of the term as properties', async () => {
    const c = await store.lookup(LOINC, '2345-7');
    expect(c).toMatchObject({ display: 'Glucose [Mass/volume] in Serum or Plasma', active: true });
    expect(c?.properties).toMatchObject({
      COMPONENT: 'Glucose',
      PROPERTY: 'MCnc',
      TIME_ASPCT: 'Pt',
      SYSTEM: 'Ser/Plas',
      SCALE_TYP: 'Qn',
      CLASS: 'CHEM',
      STATUS: 'ACTIVE',
      EXAMPLE_UCUM_UNITS: 'mg/dL',
    });
    expect(c?.properties.METHOD_TYP).toBeUndefined();
    expect(c?.designations.map((d) => [d.use?.code, d.value])).toEqual(
      expect.arrayContaining([
        ['900000000000003001', 'Glucose:MCnc:Pt:Ser/Plas:Qn'],
        ['SHORTNAME', 'Glucose SerPl-mCnc'],
        ['DisplayName', 'Glucose [Mass/Vol]'],
        ['CONSUMER_NAME', 'Glucose, Serum or Plasma'],
        ['RELATEDNAMES2', 'Glu; Gluc; Glucoseur; Random; Sugar; Blood sugar'],
      ]),
    );
    expect(c?.parents).toEqual([{ code: 'LP14635-7', display: 'Glucose', active: true }]);
  });

  it('imports a DEPRECATED term as inactive, quoted fields intact', async () => {
    const c = await store.lookup(LOINC, '48643-1');
    expect(c?.active).toBe(false);
    expect(c?.properties).toMatchObject({
      STATUS: 'DEPRECATED',
      STATUS_REASON: 'ERRONEOUS',
      STATUS_TEXT: 'Equations that take race into account are no longer recommended, see "CKD-EPI 2021"; use 98979-8 instead.',
    });
    const egfr = await store.search(LOINC, { filter: 'glomerular filtration' });
    expect(egfr.concepts.map((x) => x.code)).toEqual(['98979-8']);
    expect((await store.search(LOINC, { filter: 'glomerular filtration', activeOnly: false })).total).toBe(2);
  });

  it('builds the multi-axial hierarchy: parts, multiple parents, descendants', async () => {
    // HbA1c sits under both Glucose and Hemoglobin.
    expect((await store.lookup(LOINC, '4548-4'))?.parents.map((p) => p.display)).toEqual(['Glucose', 'Hemoglobin']);
    expect(await store.lookup(LOINC, 'LP29693-9')).toMatchObject({ display: 'Laboratory', properties: { CLASSTYPE: 'part' } });
    expect(await store.isDescendantOrSelf(LOINC, '4548-4', 'LP29693-9')).toBe(true);
    expect(await store.isDescendantOrSelf(LOINC, '8480-6', 'LP29693-9')).toBe(false);
    const vitals = await store.descendants(LOINC, 'LP35261-7');
    expect(vitals.map((v) => v.code).sort()).toEqual(['59408-5', '8310-5', '8462-4', '8480-6', '8867-4']);
    expect(await store.subsumes(LOINC, 'LP432695-5', '2160-0')).toBe('subsumes');
  });

  it('finds terms by related names (HbA1c, SGPT) and by short words', async () => {
    expect((await store.search(LOINC, { filter: 'hba1c' })).concepts.map((c) => c.code)).toEqual(['4548-4']);
    expect((await store.search(LOINC, { filter: 'sgpt' })).concepts.map((c) => c.code)).toEqual(['1742-6']);
    const glucose = await store.search(LOINC, { filter: 'glucose serum' });
    expect(glucose.concepts.map((c) => c.code)).toEqual(['2345-7', '1558-6']);
    const labs = await store.search(LOINC, { filter: 'blood', under: 'LP29693-9' });
    expect(labs.concepts.map((c) => c.code)).toContain('718-7');
    expect(labs.concepts.map((c) => c.code)).not.toContain('8480-6');
  });

  it('takes --version, and keeps the loaded version when Loinc.csv is cut short', async () => {
    expect((await importLoinc(store, RELEASE, { version: '2.81' })).version).toBe('2.81');
    const copy = join(tmp, 'Loinc_2.82');
    cpSync(RELEASE, copy, { recursive: true });
    expect((await importLoinc(store, copy)).version).toBe('2.82');
    const table = join(copy, 'LoincTable/Loinc.csv');
    const text = readFileSync(table, 'utf8');
    // Cut inside a quoted field.
    writeFileSync(table, text.slice(0, text.indexOf('Equations that take race')));
    const err = await importLoinc(store, copy, { version: '2.83' }).catch((e) => e);
    expect(err).toBeInstanceOf(ReleaseError);
    expect((err as Error).message).toMatch(/Loinc\.csv: .*Quote Not Closed/i);
    expect(await store.system(LOINC)).toMatchObject({ version: '2.82', conceptCount: 40 });
    expect((await store.lookup(LOINC, '4548-4'))?.parents).toHaveLength(2);
  });

  it('rejects a folder without Loinc.csv or with a table lacking the needed columns', async () => {
    await expect(importLoinc(store, `${FIXTURES}icd10`)).rejects.toThrow(/No Loinc\.csv/);
    const bad = join(tmp, 'bad');
    cpSync(RELEASE, bad, { recursive: true });
    writeFileSync(join(bad, 'LoincTable/Loinc.csv'), '"LOINC_NUM","COMPONENT"\n"2345-7","Glucose"\n');
    await expect(importLoinc(store, bad)).rejects.toThrow(/no column LONG_COMMON_NAME, STATUS/);
  });
});
