import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReleaseError } from '../../src/terminology/import/files.ts';
import { importSnomed } from '../../src/terminology/import/snomed.ts';
import { normalizeTerm, SNOMED_CT, type TerminologyItem, TerminologyStore, UnknownCodeError } from '../../src/terminology/store.ts';
import { FIXTURES, openTestDatabase } from './db.ts';

const RELEASE = `${FIXTURES}snomed`;
const PTB_NTEP = '121000221105';
const PTB_RNTCP = '131000221108';
const DENGUE_TCP = '111000221100';

let t: Awaited<ReturnType<typeof openTestDatabase>>;
let store: TerminologyStore;
const tmp = mkdtempSync(join(tmpdir(), 'hops-terminology-'));
beforeAll(async () => {
  t = await openTestDatabase();
  store = new TerminologyStore(t.db);
  await importSnomed(store, RELEASE);
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await t?.close();
});

const codes = (r: { concepts: { code: string }[] }) => r.concepts.map((c) => c.code);

describe('normalizeTerm', () => {
  it('lower-cases, strips Latin accents, keeps Devanagari, one space before every word', () => {
    expect(normalizeTerm('Type-2  Diabetes (Mellitus)')).toBe(' type 2 diabetes mellitus');
    expect(normalizeTerm('Ménière’s disease')).toBe(' meniere s disease');
    expect(normalizeTerm('टाइप 2 मधुमेह')).toBe(' टाइप 2 मधुमेह');
    expect(normalizeTerm(' -- ')).toBe('');
  });
});

describe('TerminologyStore reads', () => {
  it('lists systems and looks up a code, or nothing for an unknown one', async () => {
    expect((await store.systems()).map((s) => [s.url, s.conceptCount])).toEqual([[SNOMED_CT, 34]]);
    expect(await store.system('http://loinc.org')).toBeUndefined();
    expect(await store.lookup(SNOMED_CT, '999999999')).toBeUndefined();
    expect(await store.lookup('http://loinc.org', '44054006')).toBeUndefined();
    const c = await store.lookup(SNOMED_CT, '22298006');
    expect(c).toMatchObject({
      display: 'Myocardial infarction',
      name: 'SNOMED CT',
      parents: [{ code: '414545008', display: 'Ischemic heart disease' }],
    });
  });

  it('answers $subsumes with all four outcomes, across multiple parents and the extension', async () => {
    expect(await store.subsumes(SNOMED_CT, '44054006', '44054006')).toBe('equivalent');
    expect(await store.subsumes(SNOMED_CT, '73211009', '44054006')).toBe('subsumes');
    expect(await store.subsumes(SNOMED_CT, '44054006', '73211009')).toBe('subsumed-by');
    expect(await store.subsumes(SNOMED_CT, '44054006', '46635009')).toBe('not-subsumed');
    // Disorder of kidney due to diabetes mellitus is under both parents.
    expect(await store.subsumes(SNOMED_CT, '90708001', '127013003')).toBe('subsumes');
    expect(await store.subsumes(SNOMED_CT, '73211009', '127013003')).toBe('subsumes');
    // Extension concept -> Pulmonary TB -> Tuberculosis -> Infectious disease -> Disease -> Clinical finding.
    expect(await store.subsumes(SNOMED_CT, PTB_NTEP, '404684003')).toBe('subsumed-by');
    expect(await store.subsumes(SNOMED_CT, '50043002', PTB_NTEP)).toBe('subsumes');
    // The retired concept has no edges left.
    expect(await store.subsumes(SNOMED_CT, '154283005', PTB_RNTCP)).toBe('not-subsumed');
    await expect(store.subsumes(SNOMED_CT, '44054006', '999999999')).rejects.toBeInstanceOf(UnknownCodeError);
  });

  it('tells descendant-or-self', async () => {
    expect(await store.isDescendantOrSelf(SNOMED_CT, '44054006', '44054006')).toBe(true);
    expect(await store.isDescendantOrSelf(SNOMED_CT, '44054006', '404684003')).toBe(true);
    expect(await store.isDescendantOrSelf(SNOMED_CT, '44054006', '138875005')).toBe(true);
    expect(await store.isDescendantOrSelf(SNOMED_CT, DENGUE_TCP, '40733004')).toBe(true);
    expect(await store.isDescendantOrSelf(SNOMED_CT, '404684003', '44054006')).toBe(false);
    expect(await store.isDescendantOrSelf(SNOMED_CT, '44054006', '49601007')).toBe(false);
    expect(await store.isDescendantOrSelf(SNOMED_CT, '999999999', '404684003')).toBe(false);
  });

  it('lists descendants by display, up to a limit', async () => {
    expect(await store.descendants(SNOMED_CT, '73211009')).toEqual([
      { code: '127013003', display: 'Disorder of kidney due to diabetes mellitus', active: true },
      { code: '46635009', display: 'Type 1 diabetes mellitus', active: true },
      { code: '44054006', display: 'Type 2 diabetes mellitus', active: true },
    ]);
    expect(codes({ concepts: await store.descendants(SNOMED_CT, '40733004', 2) })).toEqual(['38362002', DENGUE_TCP]);
    expect(await store.descendants(SNOMED_CT, '44054006')).toEqual([]);
    // Clinical finding: every finding and disorder of the sample, extension included.
    expect(await store.descendants(SNOMED_CT, '404684003')).toHaveLength(23);
  });
});

describe('TerminologyStore.search', () => {
  it('ranks an exact match, then terms starting with the text, then other word matches, shorter first', async () => {
    const r = await store.search(SNOMED_CT, { filter: 'diab' });
    expect(r.total).toBe(4);
    // Display prefix, synonym prefix ("Diabetic nephropathy"), then word matches by length and display.
    expect(codes(r)).toEqual(['73211009', '127013003', '46635009', '44054006']);
    const dengue = await store.search(SNOMED_CT, { filter: 'Dengue' });
    expect(dengue.concepts.map((c) => c.display)).toEqual(['Dengue', 'Dengue fever with thrombocytopenia']);
  });

  it('matches every word as a word prefix, in any order, in displays and synonyms but not FSNs', async () => {
    expect(codes(await store.search(SNOMED_CT, { filter: 'mellitus TYPE 2' }))).toEqual(['44054006']);
    expect(codes(await store.search(SNOMED_CT, { filter: 'heart attack' }))).toEqual(['22298006']);
    expect(codes(await store.search(SNOMED_CT, { filter: 'high blood pressure' }))).toEqual(['38341003']);
    // "betes" is inside a word, not at its start.
    expect((await store.search(SNOMED_CT, { filter: 'betes' })).total).toBe(0);
    // Only FSNs say "(finding)": the one display with the word matches.
    expect(codes(await store.search(SNOMED_CT, { filter: 'finding' }))).toEqual(['404684003']);
  });

  it('restricts to descendants-or-self of a concept and to active concepts unless asked', async () => {
    expect(codes(await store.search(SNOMED_CT, { filter: 'tub' }))).toEqual(['56717001', '154283005', PTB_NTEP]);
    expect(codes(await store.search(SNOMED_CT, { filter: 'tub', under: '50043002' }))).toEqual(['154283005', PTB_NTEP]);
    expect(codes(await store.search(SNOMED_CT, { filter: 'tub', activeOnly: false }))).toEqual([
      '56717001',
      '154283005',
      PTB_RNTCP,
      PTB_NTEP,
    ]);
    const all = await store.search(SNOMED_CT, { under: '73211009' });
    expect(all.total).toBe(4);
    expect(codes(all)).toEqual(['73211009', '46635009', '44054006', '127013003']);
  });

  it('pages with count and offset and always reports the total', async () => {
    const first = await store.search(SNOMED_CT, { under: '404684003', count: 5 });
    const second = await store.search(SNOMED_CT, { under: '404684003', count: 5, offset: 5 });
    expect(first.total).toBe(24);
    expect(second.total).toBe(24);
    expect(first.concepts).toHaveLength(5);
    expect(codes(second).filter((c) => codes(first).includes(c))).toEqual([]);
    const everything = await store.search(SNOMED_CT, { under: '404684003', count: 100 });
    expect(codes(everything).slice(5, 10)).toEqual(codes(second));
    expect(await store.search(SNOMED_CT, { under: '404684003', count: 5, offset: 100 })).toEqual({ total: 24, concepts: [] });
    expect(await store.search(SNOMED_CT, { filter: 'diab', count: 0 })).toEqual({ total: 4, concepts: [] });
  });

  it('shows displays in the language asked for and finds Hindi terms', async () => {
    const hi = await store.search(SNOMED_CT, { filter: 'मधुमेह', language: 'hi' });
    expect(hi.concepts.map((c) => [c.code, c.display])).toEqual([
      ['73211009', 'मधुमेह'],
      ['44054006', 'टाइप 2 मधुमेह'],
    ]);
    const fever = await store.search(SNOMED_CT, { filter: 'fever', language: 'hi-IN' });
    expect(fever.concepts.map((c) => [c.code, c.display])).toEqual([
      ['386661006', 'बुखार'],
      [DENGUE_TCP, 'Dengue fever with thrombocytopenia'],
      ['38362002', 'Dengue'],
    ]);
    // English asked for: the US display, not the GB preferred term.
    expect((await store.search(SNOMED_CT, { filter: 'paracetamol', language: 'en' })).concepts).toEqual([
      { code: '387517004', display: 'Acetaminophen', active: true },
    ]);
  });
});

describe('TerminologyStore roles', () => {
  it('lets the runtime role read but not write the terminology tables', async () => {
    const n = await t.db.transaction(undefined, async (sql) => (await sql.query('SELECT 1 FROM terminology_concept')).rows.length);
    expect(n).toBe(34);
    for (const statement of [
      'DELETE FROM terminology_concept',
      "INSERT INTO terminology_system (url, version, name) VALUES ('x', '1', 'x')",
      "UPDATE terminology_designation SET value = 'x'",
    ]) {
      await expect(t.db.transaction(undefined, (sql) => sql.query(statement))).rejects.toThrow(/permission denied/);
    }
  });
});

describe('TerminologyStore.replaceSystem', () => {
  it('re-imports atomically: a truncated release fails and leaves the loaded version in place', async () => {
    const before = await store.system(SNOMED_CT);
    const copy = join(tmp, 'truncated');
    cpSync(RELEASE, copy, { recursive: true });
    const rel = join(
      copy,
      'SnomedCT_InternationalRF2_PRODUCTION_20250101T120000Z/Snapshot/Terminology/sct2_Relationship_Snapshot_INT_20250101.txt',
    );
    const text = readFileSync(rel, 'utf8');
    // Cut in the middle of a row, as an interrupted download would.
    writeFileSync(rel, text.slice(0, Math.floor(text.length * 0.6)));
    const err = await importSnomed(store, copy).catch((e) => e);
    expect(err).toBeInstanceOf(ReleaseError);
    expect((err as Error).message).toMatch(/sct2_Relationship_Snapshot_INT_20250101\.txt line \d+: \d+ columns where 10 were expected/);
    expect(await store.system(SNOMED_CT)).toEqual(before);
    expect((await store.lookup(SNOMED_CT, PTB_NTEP))?.parents.map((p) => p.code)).toEqual(['154283005']);
    expect(await store.subsumes(SNOMED_CT, '73211009', '44054006')).toBe('subsumes');
    expect((await store.search(SNOMED_CT, { filter: 'diab' })).total).toBe(4);
  });

  it('rolls back when the items fail half-way, and replaces everything when they do not', async () => {
    const url = 'http://example.org/fhir/CodeSystem/test';
    async function* items(fail: boolean): AsyncGenerator<TerminologyItem> {
      yield { kind: 'concept', code: 'a', display: 'Alpha' };
      yield { kind: 'concept', code: 'b', display: 'Beta' };
      yield { kind: 'parent', child: 'b', parent: 'a' };
      if (fail) throw new Error('release file went away');
      yield { kind: 'designation', code: 'b', value: 'Second letter', language: 'en' };
    }
    await store.replaceSystem({ url, version: '1', name: 'Test' }, items(false));
    await expect(store.replaceSystem({ url, version: '2', name: 'Test' }, items(true))).rejects.toThrow('release file went away');
    expect(await store.system(url)).toMatchObject({ version: '1', conceptCount: 2 });
    expect(codes(await store.search(url, { filter: 'second' }))).toEqual(['b']);
    // Version 3 has a concept less: nothing of version 1 survives.
    await store.replaceSystem({ url, version: '3', name: 'Test' }, [{ kind: 'concept', code: 'c', display: 'Gamma' }]);
    expect(await store.system(url)).toMatchObject({ version: '3', conceptCount: 1 });
    expect(await store.lookup(url, 'b')).toBeUndefined();
    expect((await store.search(url, { filter: 'second' })).total).toBe(0);
    // Other systems are untouched.
    expect((await store.system(SNOMED_CT))?.conceptCount).toBe(34);
  });

  it('closes the hierarchy even when the edges have a cycle, and keeps the last row of a repeated concept', async () => {
    const url = 'http://example.org/fhir/CodeSystem/cycle';
    const stats = await store.replaceSystem({ url, version: '1', name: 'Cycle' }, [
      { kind: 'concept', code: 'root', display: 'Root' },
      { kind: 'concept', code: 'x', display: 'X first' },
      { kind: 'concept', code: 'y', display: 'Y' },
      { kind: 'concept', code: 'z', display: 'Z' },
      { kind: 'concept', code: 'leaf', display: 'Leaf' },
      { kind: 'concept', code: 'x', display: 'X' },
      { kind: 'parent', child: 'x', parent: 'root' },
      { kind: 'parent', child: 'x', parent: 'z' },
      { kind: 'parent', child: 'y', parent: 'x' },
      { kind: 'parent', child: 'z', parent: 'y' },
      { kind: 'parent', child: 'leaf', parent: 'z' },
      { kind: 'parent', child: 'leaf', parent: 'ghost' },
    ]);
    expect(stats).toMatchObject({ concepts: 5, parents: 6, danglingParents: 1 });
    expect((await store.lookup(url, 'x'))?.display).toBe('X');
    expect(await store.isDescendantOrSelf(url, 'leaf', 'root')).toBe(true);
    expect(await store.isDescendantOrSelf(url, 'leaf', 'ghost')).toBe(true);
    expect(await store.subsumes(url, 'x', 'z')).toBe('subsumes');
    expect(await store.subsumes(url, 'root', 'y')).toBe('subsumes');
    expect(await store.subsumes(url, 'leaf', 'root')).toBe('subsumed-by');
  });
});
