import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labStarterTerminology } from '../../src/features/lab/terminology.ts';
import { loadStarterTerminology, readStarter, STARTER_FILES, STARTER_SOURCE } from '../../src/terminology/starter.ts';
import { LOINC, SNOMED_CT, TerminologyStore } from '../../src/terminology/store.ts';
import { fhirClient, startTestServer, TENANT_B, type TestServer } from '../helpers/server.ts';
import { openTestDatabase } from './db.ts';

const codes = (vs: { expansion: { contains?: { code: string }[] } }) => (vs.expansion.contains ?? []).map((c) => c.code);

describe('the starter terminology on a fresh server', () => {
  let t: TestServer;
  let fhir: ReturnType<typeof fhirClient>;
  beforeAll(async () => {
    t = await startTestServer();
    fhir = fhirClient(t.base);
  });
  afterAll(() => t?.stop());

  const expand = async (url: string, filter: string) => {
    const res = await fhir.get(`ValueSet/$expand?url=${encodeURIComponent(url)}&filter=${encodeURIComponent(filter)}&count=20`);
    expect(res.status).toBe(200);
    return res.body;
  };

  it('finds common OPD diagnoses by name and by synonym in the condition-code value set', async () => {
    expect(codes(await expand('http://hl7.org/fhir/ValueSet/condition-code', 'dengue'))).toContain('38362002');
    // Doctors type the short forms: HTN for hypertension, T2DM for type 2 diabetes.
    expect(codes(await expand('http://hl7.org/fhir/ValueSet/condition-code', 'HTN'))).toContain('38341003');
    expect(codes(await expand('http://hl7.org/fhir/ValueSet/condition-code', 't2dm'))).toContain('44054006');
  });

  it('finds common allergens in the allergy value set', async () => {
    expect(codes(await expand('http://hl7.org/fhir/ValueSet/allergyintolerance-code', 'penicillin'))).toContain('764146007');
  });

  it("serves ICD-10 through FHIR's implicit value set, and an is-a implicit value set of SNOMED CT", async () => {
    expect(codes(await expand('http://hl7.org/fhir/sid/icd-10?fhir_vs', 'hypertension'))).toContain('I10');
    const findings = await expand(`${SNOMED_CT}?fhir_vs=isa/404684003`, 'dengue');
    expect(codes(findings)).toContain('38362002');
    const substances = await expand(`${SNOMED_CT}?fhir_vs=isa/105590001`, 'dengue');
    expect(codes(substances)).not.toContain('38362002');
  });

  it('finds a lab test by the abbreviation a desk types', async () => {
    const res = await fhir.get(`CodeSystem/$lookup?system=${encodeURIComponent(SNOMED_CT)}&code=26604007`);
    expect(res.status).toBe(200);
    const cbc = await expand(`${SNOMED_CT}?fhir_vs=isa/71388002`, 'CBC');
    expect(codes(cbc)).toContain('26604007');
  });
});

describe("the OPD's pickers in a tenant created after the server started", () => {
  let t: TestServer;
  let fhir: ReturnType<typeof fhirClient>;
  beforeAll(async () => {
    t = await startTestServer();
    // TENANT_B is created by the helper once the server runs: a clinic added to a running platform.
    fhir = fhirClient(t.base, TENANT_B);
  });
  afterAll(() => t?.stop());

  const expand = async (url: string, filter: string) => {
    const res = await fhir.get(`ValueSet/$expand?url=${encodeURIComponent(url)}&filter=${encodeURIComponent(filter)}&count=20`);
    // The starter value sets never answer the 'not loaded here' 422 the pickers used to show.
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { expansion: { contains?: { code: string; display: string }[] } };
  };

  it('finds lab tests by the abbreviations a desk types, with the codes of the lab catalogue', async () => {
    const cbc = await expand(`${SNOMED_CT}?fhir_vs=isa/71388002`, 'CBC');
    expect(cbc.expansion.contains?.[0]).toMatchObject({ code: '26604007', display: 'Complete blood count' });
    expect(codes(await expand(`${SNOMED_CT}?fhir_vs=isa/71388002`, 'LFT'))).toContain('26958001');
    // KFT and TSH have no SNOMED CT procedure in the catalogue: their LOINC codes find them.
    expect(codes(await expand('http://loinc.org?fhir_vs', 'KFT'))).toContain('24362-6');
    expect(codes(await expand('http://loinc.org?fhir_vs', 'TSH'))).toContain('3016-3');
    expect(codes(await expand('http://loinc.org?fhir_vs', 'HbA1c'))).toContain('4548-4');
  });

  it('finds a diagnosis by a word, by its ICD-10 code and by its SNOMED CT code', async () => {
    expect(codes(await expand('http://hl7.org/fhir/ValueSet/condition-code', 'typhoid'))).toContain('4834000');
    expect(codes(await expand('http://hl7.org/fhir/sid/icd-10?fhir_vs', 'hypertension'))).toContain('I10');
    const byCode = await expand('http://hl7.org/fhir/sid/icd-10?fhir_vs', 'e11.9');
    expect(byCode.expansion.contains?.[0]?.code).toBe('E11.9');
    expect(codes(await expand('http://hl7.org/fhir/ValueSet/condition-code', '44054006'))).toEqual(['44054006']);
  });

  it('finds drug, food and environmental allergens', async () => {
    const allergy = 'http://hl7.org/fhir/ValueSet/allergyintolerance-code';
    expect(codes(await expand(allergy, 'amoxi'))).toContain('372687004');
    expect(codes(await expand(allergy, 'groundnut'))).toContain('762952008');
    expect(codes(await expand(allergy, 'pollen'))).toContain('256259004');
  });
});

describe('loadStarterTerminology', () => {
  let t: Awaited<ReturnType<typeof openTestDatabase>>;
  let store: TerminologyStore;
  beforeAll(async () => {
    t = await openTestDatabase();
    store = new TerminologyStore(t.db);
  });
  afterAll(() => t?.close());

  it('loads once, and leaves a hospital import in place', async () => {
    expect((await loadStarterTerminology(t.db)).sort()).toEqual(STARTER_FILES.map((f) => readStarter(f).url).sort());
    expect(await loadStarterTerminology(t.db)).toEqual([]);
    expect((await store.system(SNOMED_CT))?.source).toBe(STARTER_SOURCE);

    // The hospital imports its licensed release: the starter never overwrites it again.
    await store.replaceSystem({ url: SNOMED_CT, name: 'SNOMED CT', version: '20250301', source: 'RF2 import' }, [
      { kind: 'concept', code: '73211009', display: 'Diabetes mellitus', active: true },
    ]);
    expect(await loadStarterTerminology(t.db)).not.toContain(SNOMED_CT);
    const system = await store.system(SNOMED_CT);
    expect(system?.version).toBe('20250301');
    expect(system?.source).toBe('RF2 import');
  });

  it("adds the lab catalogue's codes once, and not over an imported release", async () => {
    // SNOMED CT was imported above: only LOINC, which the starter files do not hold, is loaded.
    expect(await loadStarterTerminology(t.db, undefined, labStarterTerminology())).toEqual([LOINC]);
    expect(await loadStarterTerminology(t.db, undefined, labStarterTerminology())).toEqual([]);
    expect((await store.system(SNOMED_CT))?.source).toBe('RF2 import');
  });
});
