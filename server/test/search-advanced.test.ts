import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySettings } from '../src/search/sql.ts';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
let other: ReturnType<typeof fhirClient>;
const id: Record<string, string> = {};

const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base, TENANT_A);
  other = fhirClient(t.base, TENANT_B);
  const post = async (key: string, resource: object, client = fhir) => {
    const r = await client.post((resource as { resourceType: string }).resourceType, resource);
    if (r.status !== 201) throw new Error(`${key}: ${JSON.stringify(r.body)}`);
    id[key] = r.body.id;
  };
  await post('org', { resourceType: 'Organization', name: 'Sahyadri Clinic' });
  await post('asha', {
    resourceType: 'Patient',
    name: [{ family: 'Bhosale', given: ['Asha'], text: 'Asha Bhosale' }],
    managingOrganization: { reference: `Organization/${id.org}` },
    identifier: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }] },
        system: 'urn:mrn',
        value: 'MRN-1',
      },
    ],
    meta: {
      tag: [{ system: 'urn:tags', code: 'vip' }],
      profile: ['https://nrces.in/ndhm/fhir/r4/StructureDefinition/Patient'],
      source: 'urn:source:opd',
    },
  });
  await post('vijay', { resourceType: 'Patient', name: [{ family: 'Jadhav', given: ['Vijay'] }] });
  await post('drsen', { resourceType: 'Practitioner', name: [{ family: 'Sen' }] });
  await post('enc', {
    resourceType: 'Encounter',
    status: 'finished',
    class: { code: 'AMB' },
    subject: { reference: `Patient/${id.asha}` },
  });
  await post('hr', {
    resourceType: 'Observation',
    status: 'final',
    code: loinc('8867-4'),
    subject: { reference: `Patient/${id.asha}` },
    encounter: { reference: `Encounter/${id.enc}` },
    performer: [{ reference: `Practitioner/${id.drsen}` }],
  });
  await post('temp', {
    resourceType: 'Observation',
    status: 'final',
    code: loinc('8310-5'),
    subject: { reference: `Patient/${id.vijay}` },
  });
  await post('logical', {
    resourceType: 'Observation',
    status: 'final',
    code: loinc('8310-5'),
    subject: { identifier: { system: 'urn:mrn', value: 'MRN-1' } },
  });
  // Tenant B: a look-alike patient with the same name and an observation with the same code.
  await post('bAsha', { resourceType: 'Patient', name: [{ family: 'Bhosale', given: ['Asha'] }] }, other);
  await post(
    'bHr',
    { resourceType: 'Observation', status: 'final', code: loinc('8867-4'), subject: { reference: `Patient/${id.bAsha}` } },
    other,
  );
});
afterAll(() => t?.stop());

const ids = async (client: ReturnType<typeof fhirClient>, query: string) => {
  const res = await client.get(query);
  if (res.status !== 200) throw new Error(`${query}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.entry ?? []).map((e: any) => e.resource.id).sort();
};
const expectFound = async (query: string, keys: string[], client = fhir) =>
  expect(await ids(client, query)).toEqual(keys.map((k) => id[k]).sort());

describe('chains', () => {
  it('follow a typed reference to a parameter of the target', async () => {
    await expectFound('Observation?subject:Patient.name=bhosale', ['hr']);
    await expectFound('Observation?subject.family=jadhav', ['temp']);
    await expectFound('Observation?subject:Patient.name:exact=Bhosale', ['hr']);
  });

  it('go more than one level deep', async () => {
    await expectFound('Observation?subject:Patient.organization.name=sahyadri', ['hr']);
    await expectFound('Observation?encounter.subject:Patient.given=asha', ['hr']);
  });

  it('refuse a chain through a parameter that is not a reference', async () => {
    expect((await fhir.get('Observation?code.name=x')).status).toBe(400);
  });
});

describe('_has (reverse chaining)', () => {
  it('finds resources that are referenced by matching resources', async () => {
    await expectFound('Patient?_has:Observation:subject:code=8867-4', ['asha']);
    await expectFound('Patient?_has:Observation:subject:code=http://loinc.org|8310-5', ['vijay']);
    await expectFound('Practitioner?_has:Observation:performer:subject:Patient.name=asha', ['drsen']);
  });

  it('nests', async () => {
    await expectFound('Patient?_has:Encounter:subject:_has:Observation:encounter:code=8867-4', ['asha']);
  });
});

describe('reference modifiers and identifiers', () => {
  it('a type modifier narrows a bare id', async () => {
    await expectFound(`Observation?subject:Patient=${id.asha}`, ['hr']);
    await expectFound(`Observation?subject:Group=${id.asha}`, []);
  });

  it(':identifier matches logical references', async () => {
    await expectFound('Observation?subject:identifier=urn:mrn|MRN-1', ['logical']);
  });

  it(':of-type matches an identifier by its type', async () => {
    await expectFound('Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-1', ['asha']);
    await expectFound('Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-2', []);
  });

  it('_tag, _profile and _source', async () => {
    await expectFound('Patient?_tag=urn:tags|vip', ['asha']);
    await expectFound('Patient?_profile=https://nrces.in/ndhm/fhir/r4/StructureDefinition/Patient', ['asha']);
    await expectFound('Patient?_source=urn:source:opd', ['asha']);
  });
});

describe('compartments and system search', () => {
  it('Patient/<id>/<type> searches the patient compartment', async () => {
    await expectFound(`Patient/${id.asha}/Observation`, ['hr']);
    await expectFound(`Patient/${id.asha}/Encounter`, ['enc']);
    await expectFound(`Patient/${id.asha}/Observation?code=8310-5`, []);
    const page = await fhir.get(`Patient/${id.asha}/Observation?_count=1`);
    expect(page.body.link[0].url).toContain(`/Patient/${id.asha}/Observation?`);
  });

  it('the other R4 compartments: Encounter, Practitioner, RelatedPerson, Device', async () => {
    await expectFound(`Encounter/${id.enc}/Observation`, ['hr']);
    await expectFound(`Encounter/${id.enc}/Encounter`, ['enc']);
    await expectFound(`Encounter/${id.enc}/Observation?code=8310-5`, []);
    await expectFound(`Practitioner/${id.drsen}/Observation`, ['hr']);
    await expectFound(`Practitioner/${id.drsen}/Practitioner`, ['drsen']);
    await expectFound(`RelatedPerson/${id.drsen}/Observation`, []);
    await expectFound(`Device/${id.drsen}/Observation`, []);
    // A type outside the compartment, and a type that defines no compartment.
    expect((await fhir.get(`Encounter/${id.enc}/Patient`)).status).toBe(400);
    expect((await fhir.get(`Location/${id.enc}/Observation`)).status).toBe(404);
    await expectFound(`Encounter/${id.enc}/Observation`, [], other);
    await expectFound(`Practitioner/${id.drsen}/Observation`, [], other);
  });

  it('system search covers the listed types, or all of them', async () => {
    await expectFound(`?_type=Patient,Practitioner&_id=${id.asha},${id.drsen}`, ['asha', 'drsen']);
    await expectFound(`?_id=${id.enc}`, ['enc']);
    expect((await fhir.get('?_type=Patient,Observation&name=x')).status).toBe(400);
  });
});

describe('composite parameters', () => {
  beforeAll(async () => {
    const bp = (key: string, systolic: number, diastolic: number) =>
      fhir
        .post('Observation', {
          resourceType: 'Observation',
          status: 'final',
          code: loinc('85354-9'),
          subject: { reference: `Patient/${id.vijay}` },
          component: [
            {
              code: loinc('8480-6'),
              valueQuantity: { value: systolic, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
            },
            {
              code: loinc('8462-4'),
              valueQuantity: { value: diastolic, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
            },
          ],
        })
        .then((r) => {
          id[key] = r.body.id;
        });
    await bp('bpHigh', 162, 98);
    await bp('bpNormal', 118, 76);
    const smoker = await fhir.post('Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: loinc('72166-2'),
      subject: { reference: `Patient/${id.vijay}` },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '8517006', display: 'Ex-smoker' }] },
    });
    id.smoker = smoker.body.id;
  });

  it('match both components within the same element', async () => {
    await expectFound('Observation?component-code-value-quantity=http://loinc.org|8480-6$gt140', ['bpHigh']);
    await expectFound('Observation?component-code-value-quantity=8462-4$lt80', ['bpNormal']);
    // 8462-4 (diastolic) is never above 100, though the same resource's systolic is.
    await expectFound('Observation?component-code-value-quantity=8462-4$gt100', []);
    await expectFound('Observation?component-code-value-quantity=8480-6$gt140,8480-6$lt120', ['bpHigh', 'bpNormal']);
    await expectFound('Observation?code-value-concept=72166-2$http://snomed.info/sct|8517006', ['smoker']);
    await expectFound('Observation?combo-code-value-quantity=8480-6$ge162', ['bpHigh']);
    await expectFound('Observation?component-code-value-quantity:missing=false&code=85354-9', ['bpHigh', 'bpNormal']);
  });

  it('refuse a value without its $ separator', async () => {
    expect((await fhir.get('Observation?component-code-value-quantity=8480-6')).status).toBe(400);
  });
});

describe('includes', () => {
  it('_include=* and Type:* include every referenced resource', async () => {
    for (const q of [`Observation?_id=${id.hr}&_include=*`, `Observation?_id=${id.hr}&_include=Observation:*`]) {
      const res = await fhir.get(q);
      expect(res.status).toBe(200);
      const included = res.body.entry
        .filter((e: any) => e.search.mode === 'include')
        .map((e: any) => e.resource.id)
        .sort();
      expect(included).toEqual([id.asha, id.drsen, id.enc].sort());
    }
  });

  it(':iterate follows includes of includes', async () => {
    const res = await fhir.get(`Observation?_id=${id.hr}&_include=Observation:subject&_include:iterate=Patient:organization`);
    const included = res.body.entry
      .filter((e: any) => e.search.mode === 'include')
      .map((e: any) => e.resource.id)
      .sort();
    expect(included).toEqual([id.asha, id.org].sort());
  });

  it('_revinclude lists the referrers of the page only, once each, newest first', async () => {
    const mode = (res: any, m: string) => (res.body.entry ?? []).filter((e: any) => e.search.mode === m).map((e: any) => e.resource.id);
    // Two patients; one per page: the look-ahead row's referrers stay out.
    const page = await fhir.get(
      `Patient?_id=${id.asha},${id.vijay}&_sort=_id&_count=1&_revinclude=Observation:subject&_revinclude=Encounter:subject`,
    );
    const [first, ...others] = mode(page, 'match');
    expect(others).toEqual([]);
    const referrers = async (type: string) => mode(await fhir.get(`${type}?subject=Patient/${first}&_count=100`), 'match');
    const expected = [...(await referrers('Observation')), ...(await referrers('Encounter'))];
    expect(expected.length).toBeGreaterThan(0);
    expect(mode(page, 'include')).toEqual(expected);
    // Several includes: grouped by include, in the order they were asked for.
    const both = await fhir.get(`Patient?_id=${id.asha}&_revinclude=Encounter:subject&_revinclude=Observation:subject`);
    expect(mode(both, 'include')).toEqual([id.enc, id.hr]);
    // A referrer that is also a match is listed once, as a match.
    const self = await fhir.get(`Observation?_id=${id.hr}&_revinclude=Observation:has-member&_revinclude=Observation:subject`);
    expect(mode(self, 'match')).toEqual([id.hr]);
    expect(mode(self, 'include')).toEqual([]);
    // Mixed with an :iterate include, the router's include step answers (the same referrers).
    const mixed = await fhir.get(`Patient?_id=${id.asha}&_revinclude=Encounter:subject&_revinclude:iterate=Observation:encounter`);
    expect(mixed.status).toBe(200);
    expect(mode(mixed, 'include')).toEqual(expect.arrayContaining([id.enc, id.hr]));
    // A type modifier that names another target type includes nothing.
    expect(mode(await fhir.get(`Patient?_id=${id.asha}&_revinclude=Observation:subject:Group`), 'include')).toEqual([]);
  });
});

describe('_text and _content', () => {
  it('search the narrative and the whole resource by words', async () => {
    const note = await fhir.post('Condition', {
      resourceType: 'Condition',
      subject: { reference: `Patient/${id.asha}` },
      code: { text: 'Dengue fever' },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>High <b>fever</b> with joint pain</p></div>' },
    });
    id.dengue = note.body.id;
    await expectFound('Condition?_text=fever', ['dengue']);
    await expectFound('Condition?_text=joint pain', ['dengue']);
    await expectFound('Condition?_text=dengue', []);
    await expectFound('Condition?_content=dengue', ['dengue']);
    await expectFound('Condition?_content=dengue -fever', []);
    await expectFound('Condition?_content=dengue', [], other);
  });
});

describe('type-ahead and lists', () => {
  it(':fuzzy forgives typos and matches word starts in names', async () => {
    await expectFound('Patient?name:fuzzy=bhosle', ['asha']);
    await expectFound('Patient?name:fuzzy=jadav', ['vijay']);
    await expectFound('Patient?family:fuzzy=bhos', ['asha']);
    await expectFound('Patient?name:fuzzy=xyzzy', []);
    await expectFound('Patient?name:fuzzy=bhosle', ['bAsha'], other);
    expect((await fhir.get('Patient?gender:fuzzy=male')).status).toBe(400);
  });

  it(':fuzzy lists the closest names first unless _sort says otherwise', async () => {
    const names = ['Ramesh Patil', 'Rameshwar Pawar', 'Umesh Pande'];
    const ids: string[] = [];
    for (const text of names) {
      const [given, family] = text.split(' ');
      const r = await fhir.post('Patient', { resourceType: 'Patient', name: [{ text, family, given: [given] }] });
      ids.push(r.body.id);
    }
    const found = async (query: string) =>
      ((await fhir.get(query)).body.entry ?? []).map((e: { resource: { id: string } }) => ids.indexOf(e.resource.id));
    // Oldest first here: the exact word beats a longer one and a near miss, whatever their age.
    expect(await found('Patient?name:fuzzy=ramesh')).toEqual([0, 1, 2]);
    expect(await found('Patient?name:fuzzy=rmesh,umesh&family:fuzzy=pande')).toEqual([2]);
    // Several words must each start a word of the same name, typos forgiven.
    expect(await found('Patient?name:fuzzy=rmesh%20patl')).toEqual([0]);
    expect(await found('Patient?name:fuzzy=ramesh%20pande')).toEqual([]);
    expect(await found('Patient?name:fuzzy=ramesh&_sort=-_lastUpdated')).toEqual([2, 1, 0]);
    expect((await fhir.get('Patient?name:fuzzy=ramesh&_summary=count')).body.total).toBe(3);
    // phonetic is the same type-ahead over the name rows (it keeps no rows of its own).
    const viaName = await found('Patient?name:fuzzy=rameshh');
    expect(viaName).toContain(0);
    expect(await found('Patient?phonetic=rameshh')).toEqual(viaName);
    expect(await found('Patient?phonetic=rmesh%20patl')).toEqual([0]);
    expect(await found(`Patient?phonetic:missing=true&_id=${ids.join(',')}`)).toEqual([]);
    expect(await found('Patient?name:fuzzy=umesh%20pande')).toEqual([2]);
    expect(await found(`Patient?_filter=${encodeURIComponent('name eq "Umesh Pande"')}`)).toEqual([2]);
    expect(await found('Patient?name:fuzzy=umesh&name:fuzzy=umesh%20pande')).toEqual([2]);
    expect(await found(`Patient?_filter=${encodeURIComponent('phonetic eq "umesh pande"')}`)).toEqual([2]);
    const rows = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
      sql.query("SELECT 1 FROM sp_string WHERE code = 'phonetic'"),
    );
    expect(rows.rowCount).toBe(0);
    await Promise.all(ids.map((i) => fhir.delete(`Patient/${i}`)));
  });

  it("a query's own settings last only as long as it does", async () => {
    const seen = await t.server.db.transaction({ tenantId: TENANT_A }, async (sql) => {
      const show = async () =>
        (await sql.query<{ v: string }>("SELECT current_setting('pg_trgm.word_similarity_threshold', true) AS v")).rows[0].v;
      await sql.query("SELECT similarity('a', 'b')"); // loads pg_trgm, so its setting has a value
      const before = await show();
      const restore = await applySettings(sql, new Map([['pg_trgm.word_similarity_threshold', '0.5']]));
      const during = await show();
      await restore();
      return [before, during, await show()];
    });
    expect(seen).toEqual(['0.6', '0.5', '0.6']);
  });

  it(':fuzzy can use its trigram index under row-level security: pg_trgm match operators are leakproof', async () => {
    // Only leakproof operators may become index conditions below a row-level policy. The planner's
    // choice on these tiny tables says nothing, so the catalog is asked (the bench shows the speed).
    const rows = await t.server.db.transaction({ tenantId: TENANT_A }, async (sql) =>
      sql.query<{ oprname: string; leakproof: boolean }>(
        `SELECT o.oprname, p.proleakproof AS leakproof FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode
          WHERE o.oprname IN ('%', '<%', '%>') AND o.oprleft = 'text'::regtype AND o.oprright = 'text'::regtype ORDER BY 1`,
      ),
    );
    expect(rows.rows).toEqual([
      { oprname: '%', leakproof: true },
      { oprname: '%>', leakproof: true },
      { oprname: '<%', leakproof: true },
    ]);
  });

  it('_list finds the resources a List points at', async () => {
    const list = await fhir.post('List', {
      resourceType: 'List',
      status: 'current',
      mode: 'working',
      entry: [{ item: { reference: `Patient/${id.vijay}` } }, { item: { reference: `Observation/${id.hr}` } }],
    });
    await expectFound(`Patient?_list=${list.body.id}`, ['vijay']);
    await expectFound(`Observation?_list=${list.body.id}`, ['hr']);
    await expectFound(`Patient?_list=${list.body.id}`, [], other);
  });

  it('an unknown modifier is refused, naming it', async () => {
    const res = await fhir.get('Patient?family:sounds-like=bhosale');
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toContain(':sounds-like');
  });
});

describe('unknown parameters', () => {
  it('are refused with 400 naming them, or ignored under Prefer: handling=lenient', async () => {
    const strict = await fhir.get('Patient?family=bhosale&colour=blue&size=9');
    expect(strict.status).toBe(400);
    expect(strict.body.issue[0].details.text).toContain('colour');
    expect(strict.body.issue[0].details.text).toContain('size');
    const lenient = await fhir.get('Patient?family=bhosale&colour=blue', { prefer: 'handling=lenient' });
    expect(lenient.status).toBe(200);
    expect(lenient.body.entry.map((e: any) => e.resource.id)).toEqual([id.asha]);
    const self = lenient.body.link.find((l: any) => l.relation === 'self').url as string;
    expect(self).toContain('family=bhosale');
    expect(self).not.toContain('colour');
  });
});

describe('_filter', () => {
  const filter = (type: string, expr: string) => `${type}?_filter=${encodeURIComponent(expr)}`;

  it('compares, combines with and/or, negates and groups', async () => {
    await expectFound(filter('Patient', 'family eq Bhosale'), ['asha']);
    await expectFound(filter('Patient', 'family eq Bhosale or family eq Jadhav'), ['asha', 'vijay']);
    await expectFound(filter('Patient', 'name co "hosal"'), ['asha']);
    await expectFound(filter('Patient', 'name sw jad'), ['vijay']);
    await expectFound(filter('Patient', 'not (family eq Bhosale) and (family eq Jadhav or family eq Sen)'), ['vijay']);
  });

  it('has the operators ew, po, ss and sb, binds and tighter than or, and reads keywords in any case', async () => {
    await expectFound(filter('Patient', 'family ew sale'), ['asha']);
    await expectFound(filter('Patient', 'family ew "HAV"'), ['vijay']);
    const stamped = (await fhir.get(`Patient/${id.asha}`)).body.meta.lastUpdated.slice(0, 10);
    await expectFound(filter('Patient', `_lastUpdated po ${stamped} and family eq Bhosale`), ['asha']);
    await expectFound(filter('Patient', `_lastUpdated po 1999-01 and family eq Bhosale`), []);
    await expectFound(filter('Patient', '_profile sb "https://nrces.in/ndhm/fhir/r4"'), ['asha']);
    await expectFound(filter('Patient', '_profile ss "https://nrces.in/ndhm/fhir/r4/StructureDefinition/Patient"'), ['asha']);
    // (Sen and Bhosale) or Jadhav; read right to left it would be Sen and (Bhosale or Jadhav): no one.
    await expectFound(filter('Patient', 'family eq Sen and family eq Bhosale or family eq Jadhav'), ['vijay']);
    await expectFound(filter('Patient', 'NOT (family eq Bhosale) AND family eq Jadhav'), ['vijay']);
  });

  it('follows chains and handles tokens, references and presence', async () => {
    await expectFound(filter('Observation', 'subject.name co bhosale and code eq "http://loinc.org|8867-4"'), ['hr']);
    await expectFound(filter('Observation', `subject re Patient/${id.asha} and code ne "http://loinc.org|8310-5"`), ['hr']);
    const withPerformer = await ids(fhir, filter('Observation', 'performer pr true'));
    expect(withPerformer).toContain(id.hr);
    expect(withPerformer).not.toContain(id.temp);
  });

  it('refuses an unknown parameter or a malformed expression with 400, and keeps tenants apart', async () => {
    expect((await fhir.get(filter('Patient', 'nonsense eq 1'))).status).toBe(400);
    expect((await fhir.get(filter('Patient', 'family eq'))).status).toBe(400);
    expect((await fhir.get(filter('Patient', 'family zz Bhosale'))).status).toBe(400);
    expect((await fhir.get(filter('Patient', '(family eq Bhosale'))).status).toBe(400);
    expect((await fhir.get(filter('Patient', 'gender ew ale'))).status).toBe(400);
    await expectFound(filter('Patient', 'family eq Bhosale'), ['bAsha'], other);
  });

  it('filters inside a path narrow the resources a chain reaches', async () => {
    await expectFound(filter('Observation', 'subject[family eq Bhosale].name co asha'), ['hr']);
    await expectFound(filter('Observation', 'subject[family eq Jadhav].name co asha'), []);
    await expectFound(filter('Observation', `subject[family eq Bhosale].organization re Organization/${id.org}`), ['hr']);
    await expectFound(
      filter('Observation', 'subject:Patient[family eq Jadhav or family eq Bhosale] pr true and code eq "http://loinc.org|8310-5"'),
      ['temp'],
    );
    await expectFound(filter('Observation', 'subject[family eq Bhosale and name sw ash] pr true'), ['hr']);
    // A filter on a chained link: the heart rate's encounter's patient.
    await expectFound(filter('Observation', 'encounter.subject[family eq Bhosale] pr true'), ['hr']);
    await expectFound(filter('Observation', 'encounter[status eq finished].subject[family eq Bhosale] pr true'), ['hr']);
    await expectFound(filter('Observation', 'encounter[status eq planned].subject[family eq Bhosale] pr true'), []);
    const ids2 = await ids(fhir, filter('Observation', 'subject[family eq Bhosale] pr false'));
    expect(ids2).toContain(id.temp);
    expect(ids2).not.toContain(id.hr);
    // The other tenant's look-alike is reached only by that tenant.
    await expectFound(filter('Observation', 'subject[family eq Bhosale] pr true'), ['bHr'], other);
    for (const bad of [
      'subject[family eq Bhosale] eq x',
      'code[family eq x] pr true',
      'subject[nonsense eq 1] pr true',
      'subject[family eq x',
    ]) {
      const res = await fhir.get(filter('Observation', bad));
      expect(res.status, bad).toBe(400);
    }
  });
});

describe('_revinclude=*', () => {
  it('includes every resource of any type that references a match, and says so in the self link', async () => {
    const res = await fhir.get(`Patient?_id=${id.asha}&_revinclude=*`);
    expect(res.status).toBe(200);
    const included = res.body.entry.filter((e: any) => e.search.mode === 'include').map((e: any) => e.resource);
    const keys = included.map((r: any) => Object.keys(id).find((k) => id[k] === r.id)).sort();
    expect(keys).toContain('enc');
    expect(keys).toContain('hr');
    for (const r of included) expect(JSON.stringify(r)).toContain(`Patient/${id.asha}`);
    // The same set as the reference search over every type that can point at a Patient.
    const direct = await ids(fhir, `?_type=Encounter,Observation&subject=Patient/${id.asha}`);
    expect(included.map((r: any) => r.id).sort()).toEqual(expect.arrayContaining(direct));
    expect(res.body.link.find((l: any) => l.relation === 'self').url).toContain('_revinclude=*');
  });

  it(':iterate follows referrers of referrers, each once', async () => {
    const report = await fhir.post('DiagnosticReport', {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: loinc('8867-4'),
      result: [{ reference: `Observation/${id.hr}` }],
    });
    const included = async (query: string) =>
      ((await fhir.get(query)).body.entry ?? []).filter((e: any) => e.search.mode === 'include').map((e: any) => e.resource.id);
    // The report points at the heart rate, not at the patient: only iterating reaches it.
    expect(await included(`Patient?_id=${id.asha}&_revinclude=*`)).not.toContain(report.body.id);
    const iterated = await included(`Patient?_id=${id.asha}&_revinclude:iterate=*`);
    expect(iterated).toContain(report.body.id);
    expect(iterated).toContain(id.hr);
    expect(new Set(iterated).size).toBe(iterated.length);
    const res = await fhir.get(`Patient?_id=${id.asha}&_revinclude:iterate=*`);
    expect(res.body.link.find((l: any) => l.relation === 'self').url).toContain('_revinclude%3Aiterate=*');
    await fhir.delete(`DiagnosticReport/${report.body.id}`);
  });

  it("never includes another tenant's references", async () => {
    const res = await other.get(`Patient?_id=${id.bAsha}&_revinclude=*`);
    const included = res.body.entry.filter((e: any) => e.search.mode === 'include').map((e: any) => e.resource.id);
    expect(included).toEqual([id.bHr]);
  });
});

describe('tenant isolation across chains, _has, includes and compartments', () => {
  it('tenant B’s look-alike data never appears for A, and A’s never for B', async () => {
    await expectFound('Observation?subject:Patient.name=bhosale', ['hr']);
    await expectFound('Observation?subject:Patient.name=bhosale', ['bHr'], other);
    await expectFound('Patient?_has:Observation:subject:code=8867-4', ['bAsha'], other);
    await expectFound(`Patient/${id.asha}/Observation`, [], other);
    const inc = await other.get('Observation?_include=Observation:subject&_revinclude=Encounter:subject');
    const seen = JSON.stringify(inc.body);
    for (const key of ['asha', 'hr', 'enc', 'temp', 'vijay']) expect(seen).not.toContain(id[key]);
    const sys = await other.get(`?_id=${id.asha},${id.hr}`);
    expect(sys.body.entry ?? []).toEqual([]);
  });
});
