import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';

// Issue 16, items 13, 16 and 17: _elements on choices, base R4 rules on writes and $validate,
// unknown JSON properties.
let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  t = await startTestServer();
  fhir = fhirClient(t.base);
});
afterAll(() => t?.stop());

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

const observation = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: 'Heart rate' },
  valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  note: [{ text: 'resting' }],
};

describe('_elements (item 13)', () => {
  it('selects a choice element by its name, always returns the mandatory elements and marks the result SUBSETTED', async () => {
    const id = (await fhir.post('Observation', observation)).body.id;
    const read = await fhir.get(`Observation/${id}?_elements=code,value`);
    expect(read.status).toBe(200);
    expect(read.body.valueQuantity).toEqual(observation.valueQuantity);
    expect(read.body.status).toBe('final');
    expect(read.body.code).toBeDefined();
    expect(read.body.note).toBeUndefined();
    expect(read.body.meta.tag).toContainEqual(expect.objectContaining(SUBSETTED));

    const search = await fhir.get(`Observation?_id=${id}&_elements=value`);
    const found = search.body.entry[0].resource;
    expect(found.valueQuantity).toBeDefined();
    expect(found.status).toBe('final');
    expect(found.code).toBeDefined();
    expect(found.note).toBeUndefined();
    expect(found.meta.tag).toContainEqual(expect.objectContaining(SUBSETTED));
  });
});

/** The error issues of a $validate answer, as `expression: text`. */
async function validateErrors(resource: Record<string, unknown>, severity = 'error'): Promise<string[]> {
  const res = await fhir.post(`${resource.resourceType}/$validate`, resource);
  expect(res.status).toBe(200);
  return res.body.issue.filter((i: any) => i.severity === severity).map((i: any) => `${i.expression?.[0]}: ${i.details?.text}`);
}

const encounter = {
  resourceType: 'Encounter',
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
};

describe('base R4 rules (item 16)', () => {
  it('refuses invalid resource ids in the body, contained ones included', async () => {
    expect(await validateErrors({ resourceType: 'Patient', id: 'a'.repeat(65) })).toEqual([expect.stringMatching(/^Patient.id: .*id/)]);
    expect(await validateErrors({ resourceType: 'Patient', id: 'a b' })).toHaveLength(1);
    const contained = {
      resourceType: 'Patient',
      contained: [{ resourceType: 'Organization', id: 'org_1!', name: 'Clinic' }],
      managingOrganization: { reference: '#org_1!' },
    };
    expect(await validateErrors(contained)).toEqual([expect.stringMatching(/^Patient.contained\[0\].id: /)]);
    const res = await fhir.post('Patient', contained);
    expect(res.status).toBe(422);
  });

  it('checks the invariants of data types: per-1 on a Period, and stores no such Encounter', async () => {
    const bad = { ...encounter, period: { start: '2024-02-01T10:00:00Z', end: '2024-01-01T10:00:00Z' } };
    expect(await validateErrors(bad)).toEqual([expect.stringMatching(/^Encounter.period: .*per-1/)]);
    const res = await fhir.post('Encounter', bad);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].code).toBe('invariant');
    const good = await fhir.post('Encounter', { ...encounter, period: { start: '2024-01-01', end: '2024-02-01' } });
    expect(good.status).toBe(201);
    // Instants, not text: a start in IST before an end in UTC, whole seconds before milliseconds,
    // a day containing a time of that day.
    for (const period of [
      { start: '2026-12-06T09:30:00+05:30', end: '2026-12-06T04:05:36.513Z' },
      { start: '2026-12-06T04:05:36Z', end: '2026-12-06T04:05:36.513Z' },
      { start: '2026-12-06T15:00:00+05:30', end: '2026-12-06' },
    ])
      expect(await validateErrors({ ...encounter, period }), JSON.stringify(period)).toEqual([]);
    expect(
      await validateErrors({ ...encounter, period: { start: '2026-12-06T10:00:00+05:30', end: '2026-12-06T04:00:00Z' } }),
    ).toHaveLength(1);
  });

  it('checks que-12 as its rule is written (more than one enableWhen needs enableBehavior) and que-2 (unique linkIds)', async () => {
    const item = (enableBehavior?: string) => ({
      linkId: '2',
      type: 'string',
      text: 'Why?',
      enableWhen: [
        { question: '1', operator: '=', answerBoolean: true },
        { question: '1', operator: 'exists', answerBoolean: true },
      ],
      ...(enableBehavior ? { enableBehavior } : {}),
    });
    const questionnaire = (enableBehavior?: string) => ({
      resourceType: 'Questionnaire',
      status: 'active',
      item: [{ linkId: '1', type: 'boolean', text: 'Smoker?' }, item(enableBehavior)],
    });
    expect(await validateErrors(questionnaire())).toEqual([expect.stringMatching(/^Questionnaire.item\[1\]: .*que-12/)]);
    expect(await validateErrors(questionnaire('any'))).toEqual([]);
    const duplicate = {
      ...questionnaire('any'),
      item: [{ linkId: '1', type: 'group', text: 'G', item: [{ linkId: '1', type: 'string', text: 'Q' }] }],
    };
    expect(await validateErrors(duplicate)).toEqual([expect.stringMatching(/^Questionnaire: .*que-2/)]);
  });

  it('checks the invariants of contained resources (dom-2, dom-3)', async () => {
    const unreferenced = { resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'o1', name: 'Clinic' }] };
    expect(await validateErrors(unreferenced)).toEqual([expect.stringMatching(/^Patient: .*dom-3/)]);
    const nested = {
      resourceType: 'Patient',
      contained: [
        {
          resourceType: 'Organization',
          id: 'o1',
          name: 'Clinic',
          contained: [{ resourceType: 'Organization', id: 'o2', name: 'Ward' }],
          partOf: { reference: '#o2' },
        },
      ],
      managingOrganization: { reference: '#o1' },
    };
    expect((await validateErrors(nested)).some((e) => /dom-2/.test(e))).toBe(true);
  });

  it('refuses empty arrays and empty objects', async () => {
    expect(await validateErrors({ resourceType: 'Patient', name: [] })).toEqual([expect.stringMatching(/^Patient.name: .*empty/)]);
    expect(await validateErrors({ resourceType: 'Patient', maritalStatus: {} })).toEqual([
      expect.stringMatching(/^Patient.maritalStatus: .*empty/),
    ]);
    expect(await validateErrors({ resourceType: 'Patient', name: [{ given: [] }] })).toEqual([
      expect.stringMatching(/^Patient.name\[0\].given: .*empty/),
    ]);
    expect((await fhir.post('Patient', { resourceType: 'Patient', name: [] })).status).toBe(422);
  });

  it('checks narrative XHTML (txt-1, txt-2): allowed elements and attributes only, well-formed, no scripts', async () => {
    const narrative = (div: string) => ({ resourceType: 'Patient', text: { status: 'generated', div } });
    const xhtml = (inner: string, attrs = '') => `<div xmlns="http://www.w3.org/1999/xhtml"${attrs}>${inner}</div>`;
    expect(await validateErrors(narrative(xhtml('<p>Asha <b>Sharma</b>, <a href="#x">link</a>&#160;&amp; <img src="#p"/></p>')))).toEqual(
      [],
    );
    const bad = [
      xhtml('<script>alert(1)</script>'),
      xhtml('<p onclick="alert(1)">x</p>'),
      xhtml('<a href="javascript:alert(1)">x</a>'),
      xhtml('<iframe src="https://example.org"></iframe>'),
      xhtml('<p>unclosed'),
      xhtml('<p>&bogus;</p>'),
      xhtml('<p>a&nbsp;b</p>'),
      '<p xmlns="http://www.w3.org/1999/xhtml">not a div</p>',
      '<div>no namespace</div>',
      xhtml('   '),
    ];
    for (const div of bad) {
      const errors = await validateErrors(narrative(div));
      expect(errors, div).toEqual([expect.stringMatching(/^Patient.text.div: /)]);
    }
    const res = await fhir.post('Patient', narrative(xhtml('<p>x</p><script>alert(1)</script>')));
    expect(res.status).toBe(422);
  });

  it('warns about an extension whose definition is unknown, and refuses an unknown modifier extension', async () => {
    const ext = { resourceType: 'Patient', extension: [{ url: 'http://example.org/fhir/StructureDefinition/shoe-size', valueInteger: 9 }] };
    expect(await validateErrors(ext)).toEqual([]);
    expect(await validateErrors(ext, 'warning')).toEqual([expect.stringMatching(/^Patient.extension\[0\]: .*shoe-size/)]);
    expect((await fhir.post('Patient', ext)).status).toBe(201);
    const modifier = {
      resourceType: 'Patient',
      modifierExtension: [{ url: 'http://example.org/fhir/StructureDefinition/not-really', valueBoolean: true }],
    };
    expect(await validateErrors(modifier)).toEqual([expect.stringMatching(/^Patient.modifierExtension\[0\]: /)]);
  });
});

describe('unknown JSON properties (item 17)', () => {
  it('answers 400 to a body with an unknown property, wherever it is, on every kind of write', async () => {
    const unknown = { resourceType: 'Patient', favouriteColour: 'blue' };
    const create = await fhir.post('Patient', unknown);
    expect(create.status).toBe(400);
    expect(create.body.resourceType).toBe('OperationOutcome');
    expect(create.body.issue[0].expression).toEqual(['Patient.favouriteColour']);
    expect((await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'X', nickname: 'Y' }] })).status).toBe(400);

    const id = (await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Unknown' }] })).body.id;
    expect((await fhir.put(`Patient/${id}`, { ...unknown, id })).status).toBe(400);
    const patch = await fhir.patch(`Patient/${id}`, [{ op: 'add', path: '/favouriteColour', value: 'blue' }]);
    expect(patch.status).toBe(400);

    const transaction = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: unknown, request: { method: 'POST', url: 'Patient' } }],
    });
    expect(transaction.status).toBe(400);

    // $validate reports it as an error, with a 200 answer like every other issue.
    expect(await validateErrors(unknown)).toEqual([expect.stringMatching(/^Patient.favouriteColour: /)]);
  });
});
