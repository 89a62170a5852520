import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';
import { createStaff, staffClient } from './helpers/staff.ts';

/** Patient and Encounter $everything on a seeded chart, through each kind of access. */

let t: TestServer;
let a: ReturnType<typeof fhirClient>;
let b: ReturnType<typeof fhirClient>;
const ids: Record<string, string> = {};
let observations: string[] = [];

type Entry = { fullUrl: string; resource: { resourceType: string; id: string }; search: { mode: string } };
const keys = (bundle: { entry?: Entry[] }, mode?: string) =>
  (bundle.entry ?? []).filter((e) => !mode || e.search.mode === mode).map((e) => `${e.resource.resourceType}/${e.resource.id}`);
const sorted = (xs: string[]) => [...xs].sort();

async function create(client: ReturnType<typeof fhirClient>, resource: Record<string, unknown>): Promise<string> {
  const res = await client.post(resource.resourceType as string, resource);
  if (res.status !== 201) throw new Error(`${resource.resourceType} not created: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** Every page from `path` on, following `next` links; the pages' bundles in order. */
async function allPages(client: ReturnType<typeof fhirClient>, path: string): Promise<{ entry?: Entry[]; total?: number }[]> {
  const pages = [];
  let next: string | undefined = path;
  while (next) {
    const res = await client.get(next);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    pages.push(res.body);
    const url = res.body.link.find((l: { relation: string }) => l.relation === 'next')?.url as string | undefined;
    if (url) expect(url).toContain('/$everything?');
    next = url ? url.slice(url.indexOf('/fhir/R4/') + '/fhir/R4/'.length) : undefined;
    expect(pages.length).toBeLessThan(50);
  }
  return pages;
}

beforeAll(async () => {
  t = await startTestServer();
  a = fhirClient(t.base, TENANT_A);
  b = fhirClient(t.base, TENANT_B);
  ids.org = await create(a, { resourceType: 'Organization', name: 'Pune branch' });
  ids.location = await create(a, { resourceType: 'Location', name: 'OPD room 3' });
  ids.doctor = await create(a, { resourceType: 'Practitioner', name: [{ family: 'Joshi' }] });
  ids.medication = await create(a, { resourceType: 'Medication', code: { text: 'Paracetamol 500 mg' } });
  ids.patient = await create(a, {
    resourceType: 'Patient',
    name: [{ family: 'Kulkarni' }],
    generalPractitioner: [{ reference: `Practitioner/${ids.doctor}` }],
    managingOrganization: { reference: `Organization/${ids.org}` },
  });
  ids.other = await create(a, { resourceType: 'Patient', name: [{ family: 'Deshpande' }] });
  const subject = { reference: `Patient/${ids.patient}` };
  ids.encounter = await create(a, {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject,
    participant: [{ individual: { reference: `Practitioner/${ids.doctor}` } }],
    serviceProvider: { reference: `Organization/${ids.org}` },
    location: [{ location: { reference: `Location/${ids.location}` } }],
  });
  const encounter = { reference: `Encounter/${ids.encounter}` };
  observations = [];
  for (const text of ['Pulse', 'BP', 'Temperature', 'SpO2', 'Weight']) {
    observations.push(
      await create(a, {
        resourceType: 'Observation',
        status: 'final',
        code: { text },
        subject,
        encounter,
        performer: [{ reference: `Practitioner/${ids.doctor}` }],
      }),
    );
  }
  // Outside the encounter: in the Patient's $everything, not the Encounter's.
  ids.homeObservation = await create(a, { resourceType: 'Observation', status: 'final', code: { text: 'Home glucose' }, subject });
  ids.condition = await create(a, { resourceType: 'Condition', subject, encounter, code: { text: 'Fever' } });
  ids.medicationRequest = await create(a, {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject,
    encounter,
    medicationReference: { reference: `Medication/${ids.medication}` },
    requester: { reference: `Practitioner/${ids.doctor}` },
  });
  ids.appointment = await create(a, {
    resourceType: 'Appointment',
    status: 'booked',
    start: '2026-01-10T04:30:00Z',
    end: '2026-01-10T04:45:00Z',
    participant: [
      { actor: subject, status: 'accepted' },
      { actor: { reference: `Practitioner/${ids.doctor}` }, status: 'accepted' },
      { actor: { reference: `Location/${ids.location}` }, status: 'accepted' },
    ],
  });
  // Another patient's data, and another tenant's patient, never appear.
  ids.otherObservation = await create(a, {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'Pulse' },
    subject: { reference: `Patient/${ids.other}` },
  });
  ids.patientB = await create(b, { resourceType: 'Patient', name: [{ family: 'Sharma' }] });
  await create(b, {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'BP' },
    subject: { reference: `Patient/${ids.patientB}` },
  });
});
afterAll(() => t?.stop());

const chart = () => [
  `Patient/${ids.patient}`,
  `Encounter/${ids.encounter}`,
  ...observations.map((o) => `Observation/${o}`),
  `Observation/${ids.homeObservation}`,
  `Condition/${ids.condition}`,
  `MedicationRequest/${ids.medicationRequest}`,
  `Appointment/${ids.appointment}`,
];
const directory = () => [
  `Practitioner/${ids.doctor}`,
  `Organization/${ids.org}`,
  `Location/${ids.location}`,
  `Medication/${ids.medication}`,
];

describe('Patient $everything', () => {
  it('returns the patient, their compartment, and the practitioners, organizations, locations and medicines these reference', async () => {
    const res = await a.get(`Patient/${ids.patient}/$everything`);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('searchset');
    expect(sorted(keys(res.body, 'match'))).toEqual(sorted(chart()));
    expect(sorted(keys(res.body, 'include'))).toEqual(sorted(directory()));
    expect(res.body.total).toBe(chart().length);
    for (const e of res.body.entry as Entry[]) expect(e.fullUrl).toBe(`${t.base}/${e.resource.resourceType}/${e.resource.id}`);
    expect(res.body.link.find((l: { relation: string }) => l.relation === 'self').url).toContain(`/Patient/${ids.patient}/$everything`);
    expect(res.body.link.some((l: { relation: string }) => l.relation === 'next')).toBe(false);
    expect(keys(res.body)).not.toContain(`Observation/${ids.otherObservation}`);
    expect(keys(res.body)).not.toContain(`Patient/${ids.other}`);
  });

  it('pages with next links that together hold exactly what one big page holds', async () => {
    const one = (await a.get(`Patient/${ids.patient}/$everything?_count=1000`)).body;
    const pages = await allPages(a, `Patient/${ids.patient}/$everything?_count=3`);
    expect(pages.length).toBe(Math.ceil(chart().length / 3));
    const matches = pages.flatMap((p) => keys(p, 'match'));
    expect(matches.length).toBe(new Set(matches).size); // no match twice
    expect(sorted(matches)).toEqual(sorted(keys(one, 'match')));
    const includes = new Set(pages.flatMap((p) => keys(p, 'include')));
    expect(sorted([...includes])).toEqual(sorted(keys(one, 'include')));
    for (const p of pages) expect(keys(p, 'match').length).toBeLessThanOrEqual(3);
    // The first page counts them all; pages reached by a cursor do not count again.
    expect(pages[0].total).toBe(chart().length);
  });

  it('answers POST with a Parameters body like GET', async () => {
    const body = {
      resourceType: 'Parameters',
      parameter: [
        { name: '_type', valueCode: 'Observation,Condition' },
        { name: '_count', valueInteger: 100 },
      ],
    };
    const post = await a.post(`Patient/${ids.patient}/$everything`, body);
    expect(post.status).toBe(200);
    const get = await a.get(`Patient/${ids.patient}/$everything?_type=Observation,Condition`);
    expect(sorted(keys(post.body))).toEqual(sorted(keys(get.body)));
    const form = await a.call('POST', `Patient/${ids.patient}/$everything`, '_type=Observation%2CCondition&_count=100', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(200);
    expect(sorted(keys(form.body))).toEqual(sorted(keys(get.body)));
    const bad = await a.post(`Patient/${ids.patient}/$everything`, {
      resourceType: 'Parameters',
      parameter: [{ name: '_since', valueInstant: 'not-an-instant' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.issue[0].details.text).toMatch(/^_since must be an instant/);
    expect(sorted(keys(post.body))).toEqual(
      sorted([...observations.map((o) => `Observation/${o}`), `Observation/${ids.homeObservation}`, `Condition/${ids.condition}`]),
    );
  });

  it('_type restricts the types, the referenced ones included', async () => {
    const res = await a.get(`Patient/${ids.patient}/$everything?_type=MedicationRequest,Medication`);
    expect(res.status).toBe(200);
    expect(keys(res.body, 'match')).toEqual([`MedicationRequest/${ids.medicationRequest}`]);
    expect(keys(res.body, 'include')).toEqual([`Medication/${ids.medication}`]);
  });

  it('_since returns only what changed since then', async () => {
    const before = (await a.get(`Patient/${ids.patient}/$everything`)).body;
    await new Promise((r) => setTimeout(r, 20));
    const since = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const obs = (await a.get(`Observation/${observations[0]}`)).body;
    expect((await a.put(`Observation/${obs.id}`, { ...obs, status: 'amended' })).status).toBe(200);
    const added = await create(a, { resourceType: 'Condition', subject: { reference: `Patient/${ids.patient}` }, code: { text: 'Cough' } });
    const res = await a.get(`Patient/${ids.patient}/$everything?_since=${encodeURIComponent(since)}`);
    expect(res.status).toBe(200);
    expect(sorted(keys(res.body))).toEqual(sorted([`Observation/${obs.id}`, `Condition/${added}`]));
    expect(res.body.link[0].url).toContain(`_since=${encodeURIComponent(since)}`);
    // Without _since the new one joins everything else.
    const after = (await a.get(`Patient/${ids.patient}/$everything`)).body;
    expect(sorted(keys(after, 'match'))).toEqual(sorted([...keys(before, 'match'), `Condition/${added}`]));
    await a.delete(`Condition/${added}`);
  });

  it("gives another tenant's token 404 and none of the data", async () => {
    for (const path of [`Patient/${ids.patient}/$everything`, `Encounter/${ids.encounter}/$everything`]) {
      const res = await b.get(path);
      expect(res.status).toBe(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(res.body)).not.toContain('Kulkarni');
    }
    const own = await b.get(`Patient/${ids.patientB}/$everything`);
    expect(own.status).toBe(200);
    expect(keys(own.body, 'match')).toHaveLength(2);
    expect(keys(own.body).some((k) => Object.values(ids).includes(k.split('/')[1]) && k !== `Patient/${ids.patientB}`)).toBe(false);
    expect((await a.get(`Patient/${ids.patientB}/$everything`)).status).toBe(404);
  });

  it('leaves out the types a token may not read', async () => {
    const doctor = await createStaff(t, TENANT_A, 'doctor');
    const onlyObservations = await staffClient(t, doctor, 'user/Observation.read');
    const res = await onlyObservations.get(`Patient/${ids.patient}/$everything`);
    expect(res.status).toBe(200);
    expect(sorted(keys(res.body))).toEqual(sorted([...observations.map((o) => `Observation/${o}`), `Observation/${ids.homeObservation}`]));
    // Bound to this patient by the launch: the same; another patient's chart has nothing for it.
    const launched = await staffClient(t, doctor, 'patient/Observation.rs', ids.patient);
    expect(sorted(keys((await launched.get(`Patient/${ids.patient}/$everything`)).body))).toEqual(sorted(keys(res.body)));
    expect(keys((await launched.get(`Patient/${ids.other}/$everything`)).body)).toEqual([]);
    // Nothing $everything returns is readable: 403.
    const none = await staffClient(t, doctor, 'user/ValueSet.read');
    const refused = await none.get(`Patient/${ids.patient}/$everything`);
    expect(refused.status).toBe(403);
    expect(refused.body.issue[0].details.text).toContain('$everything');
  });

  it('applies role and branch rules: encounters of other branches are left out', async () => {
    const elsewhere = await create(a, { resourceType: 'Organization', name: 'Jaipur branch' });
    const jaipur = await staffClient(t, await createStaff(t, TENANT_A, 'doctor', [elsewhere]));
    const pune = await staffClient(t, await createStaff(t, TENANT_A, 'doctor', [ids.org]));
    const seenInJaipur = keys((await jaipur.get(`Patient/${ids.patient}/$everything`)).body, 'match');
    expect(seenInJaipur).toContain(`Condition/${ids.condition}`);
    expect(seenInJaipur).not.toContain(`Encounter/${ids.encounter}`);
    expect((await jaipur.get(`Encounter/${ids.encounter}/$everything`)).status).toBe(404);
    expect(keys((await pune.get(`Patient/${ids.patient}/$everything`)).body, 'match')).toContain(`Encounter/${ids.encounter}`);
    expect((await pune.get(`Encounter/${ids.encounter}/$everything`)).status).toBe(200);
    // A receptionist's role reads no clinical records: none of them, and no 403 for the rest.
    const desk = await staffClient(t, await createStaff(t, TENANT_A, 'receptionist', [ids.org]));
    const front = await desk.get(`Patient/${ids.patient}/$everything`);
    expect(front.status).toBe(200);
    expect(keys(front.body).some((k) => /^(Observation|Condition|MedicationRequest)\//.test(k))).toBe(false);
    expect(keys(front.body, 'match')).toContain(`Patient/${ids.patient}`);
  });

  it("respects a patient's Consent", async () => {
    // Doctors of the encounter's branch: without the Consents they would see all of it.
    const refusedObs = await createStaff(t, TENANT_A, 'doctor', [ids.org]);
    const refusedAll = await createStaff(t, TENANT_A, 'doctor', [ids.org]);
    const deny = (practitioner: string, classes?: string[]) => ({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${ids.patient}` },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
      provision: {
        type: 'deny',
        actor: [
          {
            role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' }] },
            reference: { reference: `Practitioner/${practitioner}` },
          },
        ],
        ...(classes ? { class: classes.map((code) => ({ system: 'http://hl7.org/fhir/resource-types', code })) } : {}),
      },
    });
    const c1 = await create(a, deny(refusedObs.practitionerId, ['Observation']));
    const c2 = await create(a, deny(refusedAll.practitionerId));
    try {
      const partial = await (await staffClient(t, refusedObs)).get(`Patient/${ids.patient}/$everything`);
      expect(partial.status).toBe(200);
      const got = keys(partial.body, 'match');
      expect(got.some((k) => k.startsWith('Observation/'))).toBe(false);
      expect(got).toContain(`Condition/${ids.condition}`);
      expect(got).toContain(`Patient/${ids.patient}`);
      expect(got).toContain(`Encounter/${ids.encounter}`);
      const inEncounter = await (await staffClient(t, refusedObs)).get(`Encounter/${ids.encounter}/$everything`);
      expect(inEncounter.status).toBe(200);
      expect(keys(inEncounter.body).some((k) => k.startsWith('Observation/'))).toBe(false);
      expect(keys(inEncounter.body, 'match')).toContain(`Condition/${ids.condition}`);
      // Refused everything: the patient is not found for this doctor, as a read would say.
      expect((await (await staffClient(t, refusedAll)).get(`Patient/${ids.patient}`)).status).toBe(404);
      const whole = await (await staffClient(t, refusedAll)).get(`Patient/${ids.patient}/$everything`);
      expect(whole.status).toBe(404);
      expect((await (await staffClient(t, refusedAll)).get(`Encounter/${ids.encounter}/$everything`)).status).toBe(404);
    } finally {
      await a.delete(`Consent/${c1}`);
      await a.delete(`Consent/${c2}`);
    }
  });

  it('is audited as a read of the patient and a search naming it', async () => {
    const res = await a.get(`Patient/${ids.patient}/$everything?_type=Condition`);
    expect(res.status).toBe(200);
    const rows = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
      sql.query<{ event: any }>("SELECT event FROM audit_log WHERE request_id = $1 AND event->'subtype' IS NOT NULL", [
        res.headers.get('x-request-id'),
      ]),
    );
    const events = rows.rows.map((r) => r.event);
    const subtypes = events.map((e) => e.subtype[0].code).sort();
    expect(subtypes).toEqual(['read', 'search-system']);
    const search = events.find((e) => e.subtype[0].code === 'search-system');
    const what = search.entity.map((x: any) => x.what?.reference).filter(Boolean);
    expect(what).toContain(`Patient/${ids.patient}`);
    const query = search.entity.map((x: any) => x.query).find(Boolean);
    expect(Buffer.from(query, 'base64').toString()).toContain('$everything');
  });
});

describe('Encounter $everything', () => {
  it('returns the encounter, what was recorded in it, and its patient, participants, provider and location', async () => {
    const res = await a.get(`Encounter/${ids.encounter}/$everything`);
    expect(res.status).toBe(200);
    expect(sorted(keys(res.body, 'match'))).toEqual(
      sorted([
        `Encounter/${ids.encounter}`,
        ...observations.map((o) => `Observation/${o}`),
        `Condition/${ids.condition}`,
        `MedicationRequest/${ids.medicationRequest}`,
      ]),
    );
    expect(sorted(keys(res.body, 'include'))).toEqual(
      sorted([
        `Patient/${ids.patient}`,
        `Practitioner/${ids.doctor}`,
        `Organization/${ids.org}`,
        `Location/${ids.location}`,
        `Medication/${ids.medication}`,
      ]),
    );
    const paged = await allPages(a, `Encounter/${ids.encounter}/$everything?_count=2`);
    expect(sorted(paged.flatMap((p) => keys(p, 'match')))).toEqual(sorted(keys(res.body, 'match')));
    expect(sorted([...new Set(paged.flatMap((p) => keys(p, 'include')))])).toEqual(sorted(keys(res.body, 'include')));
  });
});

describe('$everything input', () => {
  const refused = async (path: string, text: RegExp, status = 400) => {
    const res = await a.get(path);
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].details.text).toMatch(text);
  };

  it('refuses bad parameters with a sentence of our own', async () => {
    const p = `Patient/${ids.patient}/$everything`;
    await refused(`${p}?_since=yesterday`, /^_since must be an instant/);
    await refused(`${p}?_since=2025-01-01`, /^_since must be an instant/);
    await refused(`${p}?_type=Foo`, /^_type: Foo is not a FHIR R4 resource type/);
    await refused(`${p}?_type=ValueSet`, /does not return ValueSet/);
    await refused(`Encounter/${ids.encounter}/$everything?_type=Appointment`, /does not return Appointment/);
    await refused(`${p}?start=2024-01-01`, /does not support start/);
    await refused(`${p}?_count=0`, /^_count must be a whole number/);
    await refused(`${p}?_count=abc`, /^_count must be a whole number/);
    await refused(`${p}?_cursor=not-a-cursor`, /_cursor/);
    await refused(`${p}?name=x`, /has no parameter name/);
    const post = await a.post(p, { resourceType: 'Patient' });
    expect(post.status).toBe(400);
  });

  it('404 for a patient or encounter that does not exist, and for other types', async () => {
    await refused('Patient/no-such-patient/$everything', /./, 404);
    await refused('Encounter/no-such-encounter/$everything', /./, 404);
    await refused(`Observation/${observations[1]}/$everything`, /Unknown operation/, 404);
  });

  it('is declared in the CapabilityStatement', async () => {
    const cs = (await fetch(`${t.base}/metadata`).then((r) => r.json())) as any;
    const op = (type: string) => cs.rest[0].resource.find((r: any) => r.type === type).operation.find((o: any) => o.name === 'everything');
    expect(op('Patient').definition).toBe('http://hl7.org/fhir/OperationDefinition/Patient-everything');
    expect(op('Encounter').definition).toBe('http://hl7.org/fhir/OperationDefinition/Encounter-everything');
  });
});
