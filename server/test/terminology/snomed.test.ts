import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSnomedRelease, importSnomed } from '../../src/terminology/import/snomed.ts';
import { SNOMED_CT, TerminologyStore } from '../../src/terminology/store.ts';
import { FIXTURES, openTestDatabase } from './db.ts';

// The sample release: the International edition (29 concepts) and an India extension (5 concepts:
// its module, a Hindi language refset, two disorders and one retired disorder) with Hindi terms.
const RELEASE = `${FIXTURES}snomed`;
const INTERNATIONAL = `${RELEASE}/SnomedCT_InternationalRF2_PRODUCTION_20250101T120000Z`;
const EXT_MODULE = '11000221109';
const DENGUE_TCP = '111000221100';
const PTB_NTEP = '121000221105';
const PTB_RNTCP = '131000221108';

let t: Awaited<ReturnType<typeof openTestDatabase>>;
let store: TerminologyStore;
beforeAll(async () => {
  t = await openTestDatabase();
  store = new TerminologyStore(t.db);
});
afterAll(() => t?.close());

const parents = async (code: string) => (await store.lookup(SNOMED_CT, code))?.parents.map((p) => p.code).sort();

describe('SNOMED CT RF2 importer', () => {
  it('finds only the Snapshot files of both packages, by pattern', () => {
    const r = findSnomedRelease(RELEASE);
    expect(r.concept.map((f) => f.name).sort()).toEqual([
      'sct2_Concept_Snapshot_IN1000221_20250315.txt',
      'sct2_Concept_Snapshot_INT_20250101.txt',
    ]);
    expect(r.description.map((f) => f.name).sort()).toEqual([
      'sct2_Description_Snapshot-en_IN1000221_20250315.txt',
      'sct2_Description_Snapshot-en_INT_20250101.txt',
      'sct2_Description_Snapshot-hi_IN1000221_20250315.txt',
    ]);
    // Not the StatedRelationship file next to it, not the Full release.
    expect(r.relationship.map((f) => f.name).sort()).toEqual([
      'sct2_Relationship_Snapshot_IN1000221_20250315.txt',
      'sct2_Relationship_Snapshot_INT_20250101.txt',
    ]);
    expect(r.language).toHaveLength(3);
  });

  it('imports the International edition alone', async () => {
    const stats = await importSnomed(store, INTERNATIONAL);
    expect(stats).toMatchObject({ concepts: 29, designations: 81, parents: 31, danglingParents: 0 });
    expect(stats.version).toBe('http://snomed.info/sct/900000000000207008/version/20250101');
    // The International file still has the is-a edge the extension later inactivates.
    expect(await parents('25064002')).toEqual(['404684003', '64572001']);
    expect(await store.lookup(SNOMED_CT, PTB_NTEP)).toBeUndefined();
  });

  it('layers the India extension over it: 34 concepts, the edition version, the newer rows winning', async () => {
    const stats = await importSnomed(store, RELEASE);
    expect(stats).toMatchObject({ concepts: 34, designations: 99, parents: 34, danglingParents: 0 });
    expect(stats.version).toBe(`http://snomed.info/sct/${EXT_MODULE}/version/20250315`);
    expect(await store.system(SNOMED_CT)).toMatchObject({ conceptCount: 34, version: stats.version, name: 'SNOMED CT' });
    // The extension's row for the same relationship id (later effectiveTime, inactive) replaced it.
    expect(await parents('25064002')).toEqual(['404684003']);
  });

  it('uses the US English preferred term as display and keeps FSNs and synonyms as designations', async () => {
    const c = await store.lookup(SNOMED_CT, '44054006');
    expect(c).toMatchObject({ code: '44054006', display: 'Type 2 diabetes mellitus', active: true });
    expect(c?.properties).toEqual({ moduleId: '900000000000207008', effectiveTime: '20250101', sufficientlyDefined: true });
    const en = c?.designations.filter((d) => d.language === 'en').map((d) => [d.use?.code, d.value, d.preferred]);
    expect(en).toEqual(
      expect.arrayContaining([
        ['900000000000003001', 'Diabetes mellitus type 2 (disorder)', false],
        ['900000000000013009', 'Type 2 diabetes mellitus', true],
        ['900000000000013009', 'Type II diabetes mellitus', false],
        ['900000000000013009', 'Non-insulin dependent diabetes mellitus', false],
      ]),
    );
    // An inactive description and one whose language refset membership was inactivated are left out.
    expect(en).toHaveLength(4);
    // US and GB preferred terms differ: the display is the US one, the GB one a preferred designation.
    const paracetamol = await store.lookup(SNOMED_CT, '387517004');
    expect(paracetamol?.display).toBe('Acetaminophen');
    expect(paracetamol?.designations).toContainEqual({
      language: 'en',
      use: { system: SNOMED_CT, code: '900000000000013009' },
      value: 'Paracetamol',
      preferred: true,
    });
  });

  it('imports Hindi designations from the extension, preferred per the Hindi language refset', async () => {
    const fever = await store.lookup(SNOMED_CT, '386661006', 'hi');
    expect(fever?.display).toBe('बुखार');
    expect(fever?.designations.filter((d) => d.language === 'hi').map((d) => [d.value, d.preferred])).toEqual([
      ['बुखार', true],
      ['ज्वर', false],
    ]);
    expect((await store.lookup(SNOMED_CT, '44054006', 'hi'))?.display).toBe('टाइप 2 मधुमेह');
    // No Hindi term: the English display stays.
    expect((await store.lookup(SNOMED_CT, '22298006', 'hi'))?.display).toBe('Myocardial infarction');
  });

  it('keeps inactive concepts, without is-a edges, and takes only active inferred is-a relationships', async () => {
    const retired = await store.lookup(SNOMED_CT, PTB_RNTCP);
    expect(retired).toMatchObject({
      active: false,
      display: 'Sputum smear positive pulmonary tuberculosis notified under RNTCP',
      parents: [],
    });
    expect(retired?.properties.moduleId).toBe(EXT_MODULE);
    // Inactive is-a 22298006 -> 49601007 and the stated-only Fever -> Disease are not edges.
    expect(await parents('22298006')).toEqual(['414545008']);
    expect(await parents('386661006')).toEqual(['404684003']);
    // Multiple parents, across the edition boundary too.
    expect(await parents('127013003')).toEqual(['73211009', '90708001']);
    expect(await parents('154283005')).toEqual(['50043002', '56717001']);
    expect(await parents(PTB_NTEP)).toEqual(['154283005']);
    expect(await parents(DENGUE_TCP)).toEqual(['38362002']);
    // The Full release's extra concept was not read.
    expect(await store.lookup(SNOMED_CT, '9002005')).toBeUndefined();
  });

  it('takes --version over the one derived from the files', async () => {
    const stats = await importSnomed(store, RELEASE, { version: '20250315' });
    expect(stats.version).toBe('20250315');
    expect((await store.system(SNOMED_CT))?.version).toBe('20250315');
  });

  it('rejects a folder without a release', async () => {
    await expect(importSnomed(store, `${FIXTURES}loinc`)).rejects.toThrow(/No SNOMED CT RF2 snapshot/);
    await expect(importSnomed(store, `${FIXTURES}no-such-folder`)).rejects.toThrow(/No such file or folder/);
    expect((await store.system(SNOMED_CT))?.conceptCount).toBe(34);
  });
});
