import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_B, type TestServer } from '../helpers/server.ts';

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
});
afterAll(() => t?.stop());

const GENDER = 'http://hl7.org/fhir/ValueSet/administrative-gender';
const NULL_FLAVOR = 'http://terminology.hl7.org/CodeSystem/v3-NullFlavor';

type Params = {
  parameter: { name: string; valueBoolean?: boolean; valueString?: string; valueCode?: string; part?: Params['parameter'] }[];
};
const param = (body: Params, name: string) => body.parameter.find((p) => p.name === name);
const codes = (vs: { expansion: { contains?: { code: string }[] } }) => (vs.expansion.contains ?? []).map((c) => c.code);

describe('ValueSet $expand', () => {
  it('expands a core value set by url, with total and paging', async () => {
    const all = await fhir.get(`ValueSet/$expand?url=${encodeURIComponent(GENDER)}`);
    expect(all.status).toBe(200);
    expect(all.body.expansion.total).toBe(4);
    expect(codes(all.body).sort()).toEqual(['female', 'male', 'other', 'unknown']);
    const page = await fhir.get(`ValueSet/$expand?url=${encodeURIComponent(GENDER)}&count=2&offset=2`);
    expect(page.body.expansion.total).toBe(4);
    expect(page.body.expansion.offset).toBe(2);
    expect(codes(page.body)).toEqual(codes(all.body).slice(2, 4));
  });

  it('filters for type-ahead on the start of words', async () => {
    const res = await fhir.get(`ValueSet/$expand?url=${encodeURIComponent(GENDER)}&filter=fem`);
    expect(codes(res.body)).toEqual(['female']);
    const none = await fhir.get(`ValueSet/$expand?url=${encodeURIComponent(GENDER)}&filter=emale`);
    expect(none.body.expansion.total).toBe(0);
  });

  it('expands at instance level and from an inline value set (POST Parameters)', async () => {
    const byId = await fhir.get('ValueSet/administrative-gender/$expand');
    expect(byId.body.expansion.total).toBe(4);
    const inline = await fhir.post('ValueSet/$expand', {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'valueSet',
          resource: {
            resourceType: 'ValueSet',
            status: 'active',
            compose: { include: [{ system: NULL_FLAVOR, filter: [{ property: 'concept', op: 'is-a', value: 'INV' }] }] },
          },
        },
      ],
    });
    expect(inline.status).toBe(200);
    expect(codes(inline.body).sort()).toEqual(['DER', 'INV', 'NINF', 'OTH', 'PINF', 'UNC']);
  });

  it("expands a tenant's own value set, which another tenant cannot see", async () => {
    const url = 'https://hospital-a.example/fhir/ValueSet/opd-visit-reasons';
    const created = await fhir.post('ValueSet', {
      resourceType: 'ValueSet',
      url,
      status: 'active',
      compose: {
        include: [
          {
            system: 'https://hospital-a.example/fhir/CodeSystem/visit-reason',
            concept: [
              { code: 'fever', display: 'Fever' },
              { code: 'follow-up', display: 'Follow-up visit' },
            ],
          },
        ],
      },
    });
    expect(created.status).toBe(201);
    const mine = await fhir.get(`ValueSet/$expand?url=${encodeURIComponent(url)}&filter=follow`);
    expect(codes(mine.body)).toEqual(['follow-up']);
    const theirs = await fhirClient(t.base, TENANT_B).get(`ValueSet/$expand?url=${encodeURIComponent(url)}`);
    expect(theirs.status).toBe(404);
    const byId = await fhirClient(t.base, TENANT_B).get(`ValueSet/${created.body.id}/$expand`);
    expect(byId.status).toBe(404);
  });

  it('says which code system is missing when a value set needs an imported terminology', async () => {
    // RxNorm has no starter set (SNOMED CT, ICD-10 and the lab's LOINC codes do): a fresh server has none of it.
    const url = 'http://www.nlm.nih.gov/research/umls/rxnorm?fhir_vs';
    const res = await fhir.get(`ValueSet/$expand?url=${encodeURIComponent(url)}`);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].details.text).toContain('http://www.nlm.nih.gov/research/umls/rxnorm');
  });

  it('answers 404 for an unknown value set and 400 without one', async () => {
    expect((await fhir.get('ValueSet/$expand?url=https://example.org/nope')).status).toBe(404);
    expect((await fhir.get('ValueSet/$expand')).status).toBe(400);
  });
});

describe('$validate-code', () => {
  it('checks membership of a value set', async () => {
    const yes = await fhir.get(
      `ValueSet/$validate-code?url=${encodeURIComponent(GENDER)}&system=http://hl7.org/fhir/administrative-gender&code=female`,
    );
    expect(param(yes.body, 'result')?.valueBoolean).toBe(true);
    expect(param(yes.body, 'display')?.valueString).toBe('Female');
    const no = await fhir.get(
      `ValueSet/$validate-code?url=${encodeURIComponent(GENDER)}&system=http://hl7.org/fhir/administrative-gender&code=bogus`,
    );
    expect(param(no.body, 'result')?.valueBoolean).toBe(false);
    expect(param(no.body, 'message')?.valueString).toContain('bogus');
  });

  it('rejects a wrong display and accepts a CodeableConcept where any coding fits', async () => {
    const wrong = await fhir.get(`CodeSystem/$validate-code?url=${NULL_FLAVOR}&code=UNK&display=Nonsense`);
    expect(param(wrong.body, 'result')?.valueBoolean).toBe(false);
    expect(param(wrong.body, 'display')?.valueString).toBe('unknown');
    const concept = await fhir.post('ValueSet/$validate-code', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'url', valueUri: GENDER },
        {
          name: 'codeableConcept',
          valueCodeableConcept: {
            coding: [
              { system: 'http://example.org/local', code: 'F' },
              { system: 'http://hl7.org/fhir/administrative-gender', code: 'female' },
            ],
          },
        },
      ],
    });
    expect(param(concept.body, 'result')?.valueBoolean).toBe(true);
  });
});

describe('CodeSystem $lookup and $subsumes', () => {
  it('looks up a code with its display and hierarchy', async () => {
    const res = await fhir.get(`CodeSystem/$lookup?system=${NULL_FLAVOR}&code=OTH`);
    expect(res.status).toBe(200);
    expect(param(res.body, 'display')?.valueString).toBe('other');
    const properties = res.body.parameter.filter((p: { name: string }) => p.name === 'property');
    const values = (code: string) =>
      properties
        .filter((p: Params['parameter'][number]) => p.part?.[0]?.valueCode === code)
        .map((p: Params['parameter'][number]) => p.part?.[1]?.valueCode);
    expect(values('parent')).toEqual(['INV']);
    expect(values('child').sort()).toEqual(['NINF', 'PINF']);
  });

  it('answers 404 for an unknown code or system', async () => {
    expect((await fhir.get(`CodeSystem/$lookup?system=${NULL_FLAVOR}&code=NOPE`)).status).toBe(404);
    expect((await fhir.get('CodeSystem/$lookup?system=https://example.org/cs&code=x')).status).toBe(404);
  });

  it('tells how two codes relate', async () => {
    const outcome = async (a: string, b: string) =>
      param((await fhir.get(`CodeSystem/$subsumes?system=${NULL_FLAVOR}&codeA=${a}&codeB=${b}`)).body, 'outcome')?.valueCode;
    expect(await outcome('INV', 'PINF')).toBe('subsumes');
    expect(await outcome('PINF', 'NI')).toBe('subsumed-by');
    expect(await outcome('OTH', 'OTH')).toBe('equivalent');
    expect(await outcome('PINF', 'UNK')).toBe('not-subsumed');
  });
});

describe('package code systems and value sets in the tenant store', () => {
  it('are copied into the tenant once, searchable and readable like any resource', async () => {
    const url = 'https://nrces.in/ndhm/fhir/r4/ValueSet/ndhm-identifier-type-code';
    const found = await fhir.get(`ValueSet?url=${encodeURIComponent(url)}`);
    expect(found.body.entry).toHaveLength(1);
    expect(found.body.entry[0].resource.id).toBe('ndhm-identifier-type-code');
    const cs = await fhir.get('CodeSystem/hsn');
    expect(cs.status).toBe(200);
    expect(cs.body.url).toBe('https://hospital-ops.in/fhir/CodeSystem/hsn');
    const { syncPackageTerminology } = await import('../../src/terminology/sync.ts');
    expect(await syncPackageTerminology(t.server.db, t.server.config.TENANT_ID, t.server.config.baseUrl)).toBe(0);
    const history = await fhir.get('ValueSet/ndhm-identifier-type-code/_history');
    expect(history.body.total ?? history.body.entry.length).toBe(1);
  });
});

describe('the starter formulary in the tenant store', () => {
  it('is created once; an entry the tenant deleted or edited is left as the tenant left it', async () => {
    const meds = await fhir.get('Medication?_summary=count');
    expect(meds.body.total).toBe(65);
    const para = await fhir.get('Medication/paracetamol-500-tablet');
    expect(para.body.code.coding[0].code).toBe('322236009');
    expect((await fhir.delete('Medication/paracetamol-650-tablet')).status).toBe(200);
    const edited = { ...para.body, code: { ...para.body.code, text: 'Paracetamol 500 mg tablet (hospital pack)' } };
    expect((await fhir.put('Medication/paracetamol-500-tablet', edited)).status).toBe(200);
    // Force the formulary step to run again, as after a formulary file change.
    await t.server.db.transaction({ tenantId: t.server.config.TENANT_ID }, (sql) =>
      sql.query(`UPDATE tenant_package SET version = 'old' WHERE package = 'hospital-ops.starter-formulary'`),
    );
    const { syncPackageTerminology } = await import('../../src/terminology/sync.ts');
    expect(await syncPackageTerminology(t.server.db, t.server.config.TENANT_ID, t.server.config.baseUrl)).toBe(0);
    expect((await fhir.get('Medication/paracetamol-650-tablet')).status).toBe(410);
    expect((await fhir.get('Medication/paracetamol-500-tablet')).body.code.text).toBe('Paracetamol 500 mg tablet (hospital pack)');
  });
});
