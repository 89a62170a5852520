import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ckdEpi2021 } from '../../src/features/lab/calculated.ts';
import { ageInDays } from '../../src/features/lab/ranges.ts';
import { istDateTime } from '../../src/features/lab/report-pdf.ts';
import { startTestServer, systemToken, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { pdftotext } from '../prescriptions/pdftotext.ts';
import { ACCESSION, CBC, create, type Fhir, fhirClient, HBA1C, KFT, LFT, labStaff, order, params, ref, result } from './fixtures.ts';

let t: TestServer;
let admin: Fhir;
let tech: Fhir;
let pathologist: Fhir;
let branch: string;
let ravi: string;
let meera: string;

const collect = (client: Fhir, requests: string[], extra: Record<string, unknown> = {}) =>
  client.post(
    'ServiceRequest/$collect',
    params({ request: requests.map((r) => ref(`ServiceRequest/${r}`)), branch: ref(`Organization/${branch}`), ...extra }),
  );
const enter = (client: Fhir, orderId: string, results: any[]) =>
  client.post(`ServiceRequest/${orderId}/$enter-results`, params({ result: results }));
const obsOf = (bundle: any) => bundle.entry.filter((e: any) => e.resource.resourceType === 'Observation').map((e: any) => e.resource);
const byCode = (obs: any[], code: string) => obs.find((o) => o.code.coding[0].code === code);

beforeAll(async () => {
  t = await startTestServer();
  admin = fhirClient(t.base, TENANT_A);
  const loaded = await admin.post('ActivityDefinition/$load-lab-catalogue', { resourceType: 'Parameters' });
  expect(loaded.status).toBe(200);
  branch = await create(admin, { resourceType: 'Organization', name: 'Sanjeevani Hospital, Pune', alias: ['PUN'] });
  ravi = await create(admin, { resourceType: 'Patient', name: [{ text: 'Ravi Kulkarni' }], gender: 'male', birthDate: '1980-03-15' });
  meera = await create(admin, { resourceType: 'Patient', name: [{ text: 'Meera Joshi' }], gender: 'female', birthDate: '1992-07-01' });
  tech = (await labStaff(t, TENANT_A)).fhir;
  const path = await labStaff(t, TENANT_A);
  pathologist = path.fhir;
  // The pathologist's Practitioner as an administrator keeps it: the report prints the name and degrees.
  const pract = (await admin.get(`Practitioner/${path.staff.practitionerId}`)).body;
  const named = {
    ...pract,
    name: [{ prefix: ['Dr'], given: ['Asha'], family: 'Rao' }],
    qualification: [{ code: { text: 'MD (Pathology)' } }],
  };
  expect((await admin.put(`Practitioner/${pract.id}`, named)).status).toBe(200);
});
afterAll(() => t?.stop());

describe('catalogue', () => {
  it('loads once per tenant and keeps the tenant’s own edits on a second load', async () => {
    const tests = await admin.get('ActivityDefinition?status=active&_count=100');
    expect(tests.body.entry).toHaveLength(8);
    const cbc = tests.body.entry.map((e: any) => e.resource).find((r: any) => r.title === 'Complete blood count');
    expect(cbc.code.coding.map((c: any) => c.code)).toEqual(['58410-2', '26604007']);
    expect(cbc.specimenRequirement[0].reference).toMatch(/^SpecimenDefinition\/[\w-]+$/);
    const hb = (await admin.get(cbc.observationResultRequirement[0].reference)).body;
    expect(hb.code.coding[0]).toMatchObject({ system: 'http://loinc.org', code: '718-7' });
    // The hospital edits its MCV range to its analyser; loading again keeps the edit.
    const mcvRef = cbc.observationResultRequirement[5].reference;
    const mcv = (await admin.get(mcvRef)).body;
    expect(mcv.code.coding[0].code).toBe('787-2');
    mcv.qualifiedInterval[0].range.low.value = 80;
    expect((await admin.put(mcvRef, mcv)).status).toBe(200);
    const again = await admin.post('ActivityDefinition/$load-lab-catalogue', { resourceType: 'Parameters' });
    expect(again.body.parameter).toEqual([
      { name: 'created', valueInteger: 0 },
      { name: 'kept', valueInteger: 45 },
    ]);
    expect((await admin.get(mcvRef)).body.qualifiedInterval[0].range.low.value).toBe(80);
    // The operations are in the CapabilityStatement.
    const metadata = (await admin.get('metadata')).body;
    const ops = (type: string) => metadata.rest[0].resource.find((r: any) => r.type === type).operation.map((o: any) => o.name);
    expect(ops('ServiceRequest')).toEqual(['validate', 'collect', 'enter-results', 'lab-worklist', 'lab-tat']);
    expect(ops('DiagnosticReport')).toEqual(expect.arrayContaining(['verify', 'amend']));
    // A lab technician reads the catalogue but may not load one.
    expect((await tech.post('ActivityDefinition/$load-lab-catalogue', { resourceType: 'Parameters' })).status).toBe(403);
  });
});

describe('a CBC and an LFT from order to verified report', () => {
  let cbcOrder: string;
  let hba1cOrder: string;
  let lftOrder: string;
  let report: any;
  let doctor: string;
  const alertsFor = async (observation: string) => {
    const id = `https://hospital-ops.in/fhir/sid/lab-critical-alert|${observation}`;
    const [flags, comms] = await Promise.all([admin.get(`Flag?identifier=${id}`), admin.get(`Communication?identifier=${id}`)]);
    return { flags: (flags.body.entry ?? []).map((e: any) => e.resource), comms: (comms.body.entry ?? []).map((e: any) => e.resource) };
  };

  it('collects one EDTA tube for the CBC and the HbA1c, and one SST tube for the LFT', async () => {
    doctor = await create(admin, { resourceType: 'Practitioner', name: [{ text: 'Dr Anand Joshi' }] });
    cbcOrder = await create(admin, { ...order(ravi, CBC, 'stat'), requester: { reference: `Practitioner/${doctor}` } });
    hba1cOrder = await create(admin, order(ravi, HBA1C));
    lftOrder = await create(admin, order(ravi, LFT, 'urgent'));
    const res = await collect(tech, [cbcOrder, hba1cOrder, lftOrder], { collected: { valueDateTime: '2026-12-06T08:15:00+05:30' } });
    expect(res.status).toBe(200);
    const specimens = res.body.entry.map((e: any) => e.resource);
    expect(specimens).toHaveLength(2);
    const edta = specimens.find((s: any) => s.request.length === 2);
    const sst = specimens.find((s: any) => s.request.length === 1);
    expect(edta.container[0].type.text).toMatch(/EDTA/);
    expect(sst.container[0].type.text).toMatch(/SST/);
    expect(edta.request.map((r: any) => r.reference).sort()).toEqual([`ServiceRequest/${cbcOrder}`, `ServiceRequest/${hba1cOrder}`].sort());
    for (const s of specimens) {
      expect(s.accessionIdentifier.system).toBe(ACCESSION);
      expect(s.accessionIdentifier.value).toMatch(/^PUN\d{6}\d{4}$/);
      expect(s.collection.collectedDateTime).toBe('2026-12-06T08:15:00+05:30');
      expect(s.status).toBe('available');
    }
    expect(new Set(specimens.map((s: any) => s.accessionIdentifier.value)).size).toBe(2);
    // The order lists its sample, and the sample is found by its barcode.
    expect((await tech.get(`ServiceRequest/${cbcOrder}`)).body.specimen).toEqual([{ reference: `Specimen/${edta.id}` }]);
    const found = await tech.get(`Specimen?accession=${ACCESSION}|${edta.accessionIdentifier.value}`);
    expect(found.body.entry.map((e: any) => e.resource.id)).toEqual([edta.id]);
    // Collecting again while the sample stands is refused.
    expect((await collect(tech, [cbcOrder])).status).toBe(409);
  });

  it('enters CBC results with units, the man’s ranges and flags, under a preliminary report', async () => {
    const res = await enter(tech, cbcOrder, [result('718-7', 6.4), result('6690-2', 12.5), result('777-3', 250), result('789-8', '4.9')]);
    expect(res.status).toBe(201);
    report = res.body.entry[0].resource;
    expect(report).toMatchObject({
      resourceType: 'DiagnosticReport',
      status: 'preliminary',
      basedOn: [{ reference: `ServiceRequest/${cbcOrder}` }],
    });
    expect(report.result).toHaveLength(4);
    const obs = obsOf(res.body);
    const hb = byCode(obs, '718-7');
    expect(hb.status).toBe('preliminary');
    expect(hb.valueQuantity).toEqual({ value: 6.4, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' });
    expect(hb.referenceRange[0]).toMatchObject({ low: { value: 13 }, high: { value: 17 }, appliesTo: [{ text: 'male' }] });
    expect(hb.interpretation[0].coding[0].code).toBe('LL');
    expect(hb.effectiveDateTime).toBe('2026-12-06T08:15:00+05:30');
    expect(byCode(obs, '6690-2').interpretation[0].coding[0].code).toBe('H');
    expect(byCode(obs, '777-3').interpretation[0].coding[0].code).toBe('N');
    expect(byCode(obs, '789-8').valueQuantity.value).toBe(4.9);
    expect(byCode(obs, '789-8').valueQuantity.code).toBe('10*6/uL');
    // Entering again is refused: the report is there to verify.
    expect((await enter(tech, cbcOrder, [result('718-7', 7)])).status).toBe(409);
  });

  it('refuses verification by the person who entered the results', async () => {
    const res = await tech.post(`DiagnosticReport/${report.id}/$verify`, { resourceType: 'Parameters' });
    expect(res.status).toBe(403);
    expect(res.body.issue[0].details.text).toMatch(/someone other than the person who entered/);
    // A business code, for the Lab app to say it in the user's language.
    expect(res.body.issue[0].details.coding[0].code).toBe('LAB_SECOND_PERSON');
    expect((await tech.get(`DiagnosticReport/${report.id}`)).body.status).toBe('preliminary');
  });

  it('refuses the same by hand: a PUT that makes the report final, or forges the marks', async () => {
    const current = (await tech.get(`DiagnosticReport/${report.id}`)).body;
    const entered = current.extension.find((e: any) => e.url.endsWith('lab-entered-by')).valueString;
    const verifiedBy = (who: string) => ({ url: 'https://hospital-ops.in/fhir/StructureDefinition/lab-verified-by', valueString: who });
    const selfFinal = await tech.put(`DiagnosticReport/${report.id}`, {
      ...current,
      status: 'final',
      extension: [...current.extension, verifiedBy(entered)],
    });
    expect(selfFinal.status).toBe(403);
    const forged = await tech.put(`DiagnosticReport/${report.id}`, {
      ...current,
      status: 'final',
      extension: [...current.extension, verifiedBy('user:someone-else')],
    });
    expect(forged.status).toBe(403);
    const plainFinal = await tech.put(`DiagnosticReport/${report.id}`, { ...current, status: 'final' });
    expect(plainFinal.status).toBe(403);
    const reassigned = await pathologist.put(`DiagnosticReport/${report.id}`, {
      ...current,
      extension: [{ url: current.extension[0].url, valueString: 'user:someone-else' }],
    });
    expect(reassigned.status).toBe(403);
    expect((await tech.get(`DiagnosticReport/${report.id}`)).body.meta.versionId).toBe(current.meta.versionId);
  });

  it('is verified by a second person: report and results final', async () => {
    const res = await pathologist.post(`DiagnosticReport/${report.id}/$verify`, { resourceType: 'Parameters' });
    expect(res.status).toBe(200);
    expect(res.body.entry[0].resource.status).toBe('final');
    expect(obsOf(res.body).map((o: any) => o.status)).toEqual(['final', 'final', 'final', 'final']);
    // Verifying twice: the report is no longer preliminary.
    const twice = await pathologist.post(`DiagnosticReport/${report.id}/$verify`, { resourceType: 'Parameters' });
    expect(twice.status).toBe(409);
    expect(twice.body.issue[0].details.text).toMatch(/final: only a preliminary report is verified/);
  });

  it('alerted the ordering doctor of the critical haemoglobin once: a Flag and a Communication, not again on verification', async () => {
    const hb = (await tech.get(`DiagnosticReport/${report.id}`)).body.result[0].reference.split('/')[1];
    const { flags, comms } = await alertsFor(hb);
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({
      status: 'active',
      subject: { reference: `Patient/${ravi}` },
      category: [{ coding: [{ code: 'lab' }] }],
    });
    expect(comms).toHaveLength(1);
    expect(comms[0]).toMatchObject({
      status: 'completed',
      priority: 'stat',
      recipient: [{ reference: `Practitioner/${doctor}` }],
      basedOn: [{ reference: `ServiceRequest/${cbcOrder}` }],
      about: [{ reference: `Observation/${hb}` }],
    });
    expect(comms[0].payload[0].contentString).toMatch(/^Critical result: Haemoglobin 6\.4 g\/dL \(critical low\), sample PUN\d{10}$/);
    // The doctor finds it by recipient; the high (not critical) leucocyte count raised none.
    const mine = await admin.get(`Communication?recipient=Practitioner/${doctor}`);
    expect(mine.body.entry).toHaveLength(1);
    const wbc = (await tech.get(`DiagnosticReport/${report.id}`)).body.result[1].reference.split('/')[1];
    expect((await alertsFor(wbc)).flags).toHaveLength(0);
    // Another tenant sees none of it.
    expect((await fhirClient(t.base, TENANT_B).get(`Communication?recipient=Practitioner/${doctor}`)).body.entry ?? []).toHaveLength(0);
  });

  it('prints the final report as a PDF; another tenant does not find it', async () => {
    const res = await fetch(`${t.base}/DiagnosticReport/${report.id}/$lab-report-pdf`, {
      headers: { authorization: `Bearer ${await systemToken(t.base, TENANT_A)}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/pdf/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.length).toBeGreaterThan(5000);
    // The verifier by name and degree, and the verification time in IST, read back by poppler.
    const final = (await tech.get(`DiagnosticReport/${report.id}`)).body;
    const at = final.extension.find((e: any) => e.url.endsWith('lab-verified-at')).valueDateTime;
    expect(final.resultsInterpreter[0].reference).toMatch(/^Practitioner\//);
    const text = pdftotext(bytes).replaceAll(/\s+/g, ' ');
    expect(text).toContain(`Verified by Dr Asha Rao, MD (Pathology) on ${istDateTime(at)} IST`);
    expect((await fhirClient(t.base, TENANT_B).get(`DiagnosticReport/${report.id}/$lab-report-pdf`)).status).toBe(404);
  });

  it('amends a final result with the reason, keeping the earlier version', async () => {
    const res = await pathologist.post(
      `DiagnosticReport/${report.id}/$amend`,
      params({ reason: { valueString: 'Transcription error: repeat run 8.4' }, result: [result('718-7', 8.4)] }),
    );
    expect(res.status).toBe(200);
    expect(res.body.entry[0].resource.status).toBe('amended');
    const hb = byCode(obsOf(res.body), '718-7');
    expect(hb).toMatchObject({ status: 'amended', valueQuantity: { value: 8.4 } });
    expect(hb.interpretation[0].coding[0].code).toBe('L');
    const history = await admin.get(`Observation/${hb.id}/_history`);
    const values = history.body.entry.map((e: any) => [e.resource.status, e.resource.valueQuantity.value]);
    expect(values).toEqual(
      expect.arrayContaining([
        ['preliminary', 6.4],
        ['final', 6.4],
        ['amended', 8.4],
      ]),
    );
    // 8.4 is low, not critical: no new alert; still one for the haemoglobin.
    expect((await alertsFor(hb.id)).comms).toHaveLength(1);
    // Platelets amended into the critical range (15 ×10³/µL) alert the doctor for that result.
    const plt = await pathologist.post(
      `DiagnosticReport/${report.id}/$amend`,
      params({ reason: { valueString: 'Platelet clumps re-checked on smear' }, result: [result('777-3', 15)] }),
    );
    expect(plt.status).toBe(200);
    const pltObs = byCode(obsOf(plt.body), '777-3');
    expect(pltObs.interpretation[0].coding[0].code).toBe('LL');
    expect((await alertsFor(pltObs.id)).comms).toHaveLength(1);
    expect((await admin.get(`Communication?recipient=Practitioner/${doctor}`)).body.entry).toHaveLength(2);
    // Without a reason nothing changes.
    const noReason = await pathologist.post(`DiagnosticReport/${report.id}/$amend`, params({ result: [result('718-7', 9)] }));
    expect(noReason.status).toBe(400);
  });

  it('shows each order’s stage on the worklist, filtered by stage, priority and department', async () => {
    const all = await tech.get('ServiceRequest/$lab-worklist?_count=100');
    expect(all.status).toBe(200);
    const stage = (bundle: any, id: string) =>
      bundle.entry.find((e: any) => e.resource.id === id)?.extension?.find((x: any) => x.url.endsWith('lab-worklist-stage'))?.valueCode;
    expect(stage(all.body, cbcOrder)).toBe('verified');
    expect(stage(all.body, hba1cOrder)).toBe('collected');
    expect(stage(all.body, lftOrder)).toBe('collected');
    expect(
      (await tech.post(`Specimen/${(await tech.get(`ServiceRequest/${lftOrder}`)).body.specimen[0].reference.split('/')[1]}/$receive`, {}))
        .status,
    ).toBe(200);
    const lftSample = (await tech.get((await tech.get(`ServiceRequest/${lftOrder}`)).body.specimen[0].reference)).body;
    expect(lftSample.extension.find((e: any) => e.url.endsWith('lab-received')).valueDateTime).toBe(lftSample.receivedTime);
    const received = await tech.get('ServiceRequest/$lab-worklist?status=received');
    expect(received.body.entry.filter((e: any) => e.search?.mode !== 'include').map((e: any) => e.resource.id)).toEqual([lftOrder]);
    const stat = await tech.get('ServiceRequest/$lab-worklist?priority=stat');
    expect(stat.body.entry.filter((e: any) => e.search?.mode !== 'include').map((e: any) => e.resource.id)).toEqual([cbcOrder]);
    const haem = await tech.get('ServiceRequest/$lab-worklist?department=haematology');
    expect(haem.body.entry.filter((e: any) => e.search?.mode !== 'include').map((e: any) => e.resource.id)).toEqual([cbcOrder]);
    expect((await tech.get('ServiceRequest/$lab-worklist?status=lost')).status).toBe(400);
  });

  it('pages the worklist: newest first, each order once, following next links to the end', async () => {
    const matches = (b: any) => (b.entry ?? []).filter((e: any) => e.search?.mode !== 'include').map((e: any) => e.resource.id);
    const whole = matches((await tech.get('ServiceRequest/$lab-worklist?_count=500')).body);
    expect(whole.length).toBeGreaterThanOrEqual(3);
    const paged: string[] = [];
    let path: string | undefined = 'ServiceRequest/$lab-worklist?_count=1';
    while (path) {
      const page: { status: number; body: any } = await tech.get(path);
      expect(page.status).toBe(200);
      const ids = matches(page.body);
      expect(ids.length).toBeLessThanOrEqual(1);
      paged.push(...ids);
      const next = page.body.link?.find((l: any) => l.relation === 'next')?.url as string | undefined;
      expect(next === undefined || next.includes('_count=1')).toBe(true);
      path = next ? next.slice(next.indexOf('ServiceRequest/')) : undefined;
    }
    expect(paged).toEqual(whole);
    // A filtered page keeps its filter on the next link.
    const first = await tech.get('ServiceRequest/$lab-worklist?status=ordered,collected&_count=1');
    expect(first.body.link[0].url).toMatch(/status=ordered%2Ccollected/);
    expect((await tech.get('ServiceRequest/$lab-worklist?_page=-1')).status).toBe(400);
  });
});

describe('turnaround times ($lab-tat)', () => {
  const H = 'https://hospital-ops.in/fhir/StructureDefinition';
  const at = (hhmm: string) => `2026-11-02T${hhmm}:00+05:30`;
  /** An order as the lab left it, written by hand with known times (a November day no other test uses). */
  async function orderAt(times: Record<string, string>) {
    const sample = await create(admin, {
      resourceType: 'Specimen',
      status: 'available',
      subject: { reference: `Patient/${ravi}` },
      accessionIdentifier: { system: ACCESSION, value: `TAT${times.ordered.slice(11, 13)}${times.ordered.slice(14, 16)}` },
      collection: { collectedDateTime: times.collected },
      receivedTime: times.collected,
      ...(times.received ? { extension: [{ url: `${H}/lab-received`, valueDateTime: times.received }] } : {}),
    });
    const id = await create(admin, { ...order(ravi, CBC), authoredOn: times.ordered, specimen: [{ reference: `Specimen/${sample}` }] });
    if (times.resulted)
      await create(admin, {
        resourceType: 'DiagnosticReport',
        status: times.verified ? 'final' : 'preliminary',
        code: { text: 'Complete blood count' },
        subject: { reference: `Patient/${ravi}` },
        basedOn: [{ reference: `ServiceRequest/${id}` }],
        extension: [
          { url: `${H}/lab-entered-at`, valueDateTime: times.resulted },
          ...(times.verified ? [{ url: `${H}/lab-verified-at`, valueDateTime: times.verified }] : []),
        ],
      });
    return id;
  }

  it('gives each step’s median for the CBC and lists the samples over its 4-hour target', async () => {
    await orderAt({ ordered: at('08:00'), collected: at('08:20'), received: at('08:50'), resulted: at('09:40'), verified: at('10:10') });
    const late = await orderAt({
      ordered: at('09:00'),
      collected: at('09:10'),
      received: at('09:30'),
      resulted: at('13:00'),
      verified: at('13:30'),
    });
    const open = await orderAt({ ordered: at('10:00'), collected: at('10:30') });
    const res = await tech.get('ServiceRequest/$lab-tat?since=2026-11-02&until=2026-11-03');
    expect(res.status).toBe(200);
    const part = (p: any, name: string) => p.part.find((x: any) => x.name === name);
    const tests = res.body.parameter.filter((p: any) => p.name === 'test');
    expect(tests).toHaveLength(1);
    expect(part(tests[0], 'name').valueString).toBe('Complete blood count');
    expect(part(tests[0], 'orders').valueInteger).toBe(3);
    expect(part(tests[0], 'target').valueQuantity.value).toBe(240);
    // Hand-computed: ordered→collected 20, 10, 30 (median 20); →received 30, 20 (25); →resulted 50, 210 (130); →verified 30, 30.
    const steps = tests[0].part
      .filter((x: any) => x.name === 'step' || x.name === 'total')
      .map((x: any) => [
        part(x, 'from').valueCode,
        part(x, 'to').valueCode,
        part(x, 'minutes')?.valueQuantity.value,
        part(x, 'count').valueInteger,
      ]);
    expect(steps).toEqual([
      ['ordered', 'collected', 20, 3],
      ['collected', 'received', 25, 2],
      ['received', 'resulted', 130, 2],
      ['resulted', 'verified', 30, 2],
      ['collected', 'verified', 185, 2],
    ]);
    // Over target: the open one (collected weeks ago) first, then the one verified after 260 minutes.
    const breaches = res.body.parameter.filter((p: any) => p.name === 'breach');
    expect(breaches.map((b: any) => part(b, 'order').valueReference.reference)).toEqual([
      `ServiceRequest/${open}`,
      `ServiceRequest/${late}`,
    ]);
    expect(part(breaches[1], 'elapsed').valueQuantity.value).toBe(260);
    expect(part(breaches[1], 'verified').valueBoolean).toBe(true);
    expect(part(breaches[0], 'verified').valueBoolean).toBe(false);
    // Read one order a page, the window gives the same answer: every page is read, none twice.
    const paged = await tech.get('ServiceRequest/$lab-tat?since=2026-11-02&until=2026-11-03&_count=1');
    expect(paged.body).toEqual(res.body);
    expect((await tech.get('ServiceRequest/$lab-tat?_count=5000')).status).toBe(400);
    // Bad input, and another tenant's window is empty.
    const badSince = await tech.get('ServiceRequest/$lab-tat?since=yesterday');
    expect(badSince.status).toBe(400);
    expect(badSince.body.issue[0].expression).toEqual(['since']);
    const other = await fhirClient(t.base, TENANT_B).get('ServiceRequest/$lab-tat?since=2026-11-02&until=2026-11-03');
    expect(other.body.parameter.filter((p: any) => p.name !== 'since' && p.name !== 'until')).toEqual([]);
  });
});

describe('rejection and recollection', () => {
  it('rejects a haemolysed sample with its reason; the order goes back to ordered and is collected again under a new number', async () => {
    const kft = await create(admin, order(meera, KFT));
    const first = (await collect(tech, [kft])).body.entry[0].resource;
    expect((await tech.post(`Specimen/${first.id}/$reject`, params({ reason: { valueCode: 'unknown' } }))).status).toBe(400);
    const rejected = await tech.post(`Specimen/${first.id}/$reject`, params({ reason: { valueCode: 'haemolysed' } }));
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('unsatisfactory');
    expect(rejected.body.condition[0].coding[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v2-0490', code: 'RH' });
    // Results cannot go on a rejected sample.
    expect((await enter(tech, kft, [result('2160-0', 1)])).status).toBe(409);
    const list = await tech.get('ServiceRequest/$lab-worklist?status=ordered');
    expect(list.body.entry.some((e: any) => e.resource.id === kft)).toBe(true);
    const second = await collect(tech, [kft]);
    expect(second.status).toBe(200);
    const again = second.body.entry[0].resource;
    expect(again.accessionIdentifier.value).not.toBe(first.accessionIdentifier.value);
    expect((await tech.get(`ServiceRequest/${kft}`)).body.specimen).toHaveLength(2);
    // Meera's creatinine against the women's range; the text-only KFT order matched the catalogue.
    const res = await enter(tech, kft, [result('2160-0', 1.2), result('2823-3', 6.5), result('2951-2', 140)]);
    expect(res.status).toBe(201);
    const obs = obsOf(res.body);
    expect(byCode(obs, '2160-0').interpretation[0].coding[0].code).toBe('H');
    expect(byCode(obs, '2160-0').referenceRange[0].high.value).toBe(1.1);
    expect(byCode(obs, '2823-3').interpretation[0].coding[0].code).toBe('HH');
    // The critical potassium: a Flag on Meera's chart; the order names no doctor, so no Communication.
    const k = byCode(obs, '2823-3').id;
    const id = `https://hospital-ops.in/fhir/sid/lab-critical-alert|${k}`;
    expect((await tech.get(`Flag?identifier=${id}`)).body.entry).toHaveLength(1);
    expect((await admin.get(`Communication?identifier=${id}`)).body.entry ?? []).toHaveLength(0);
    expect(byCode(obs, '2951-2').interpretation[0].coding[0].code).toBe('N');
    // eGFR is calculated from the creatinine, for Meera's sex and age on the day the sample was taken.
    const gfr = byCode(obs, '98979-8');
    const age = Math.floor(ageInDays('1992-07-01', again.collection.collectedDateTime) / 365.25);
    expect(gfr.valueQuantity).toMatchObject({ value: Math.round(ckdEpi2021(1.2, 'female', age)), code: 'mL/min/{1.73_m2}' });
    expect(gfr.valueQuantity.value).toBeLessThan(90);
    expect(gfr.interpretation[0].coding[0].code).toBe('L');
    expect(gfr.method.text).toMatch(/CKD-EPI 2021/);
    expect(gfr.derivedFrom).toEqual([{ reference: `Observation/${byCode(obs, '2160-0').id}` }]);
  });
});

describe('calculated values', () => {
  it('adds LDL by Friedewald to a lipid profile, from the three results it is calculated from', async () => {
    const lipid = await create(admin, order(ravi, { code: '16254007', display: 'Lipid panel' }));
    expect((await collect(tech, [lipid])).status).toBe(200);
    const res = await enter(tech, lipid, [result('2093-3', 220), result('2571-8', 180), result('2085-9', 45)]);
    expect(res.status).toBe(201);
    const obs = obsOf(res.body);
    expect(res.body.entry[0].resource.result).toHaveLength(4);
    const ldl = byCode(obs, '13457-7');
    expect(ldl.valueQuantity).toMatchObject({ value: 139, code: 'mg/dL' });
    expect(ldl.interpretation[0].coding[0].code).toBe('H');
    expect(ldl.method.text).toMatch(/Friedewald/);
    const sources = ['2093-3', '2571-8', '2085-9'].map((c) => `Observation/${byCode(obs, c).id}`);
    expect(ldl.derivedFrom.map((r: any) => r.reference).sort()).toEqual(sources.sort());
  });
});

describe('delta checks', () => {
  it('flags a result far from the patient’s last verified one, with the previous value in a note; a small change or an unverified baseline is not flagged', async () => {
    const suresh = await create(admin, {
      resourceType: 'Patient',
      name: [{ text: 'Suresh Patil' }],
      gender: 'male',
      birthDate: '1970-05-20',
    });
    const kft = async (results: any[]) => {
      const id = await create(admin, order(suresh, KFT));
      expect((await collect(tech, [id])).status).toBe(200);
      const res = await enter(tech, id, results);
      expect(res.status).toBe(201);
      return res.body;
    };
    const codes = (o: any) => (o.interpretation ?? []).map((i: any) => i.coding[0].code);
    const first = await kft([result('2160-0', 1.0), result('2823-3', 4.0)]);
    expect(codes(byCode(obsOf(first), '2160-0'))).toEqual(['N']);
    // Not verified yet: a preliminary result is no baseline.
    const early = await kft([result('2160-0', 2.0)]);
    expect(codes(byCode(obsOf(early), '2160-0'))).not.toContain('U');
    expect((await pathologist.post(`DiagnosticReport/${first.entry[0].resource.id}/$verify`, { resourceType: 'Parameters' })).status).toBe(
      200,
    );

    const second = await kft([result('2160-0', 1.6), result('2823-3', 2.9), result('2951-2', 140)]);
    const creatinine = byCode(obsOf(second), '2160-0');
    expect(codes(creatinine)).toEqual(['H', 'U']); // 1.0 → 1.6 mg/dL: +60%, at least the 50% limit
    expect(creatinine.note[0].text).toMatch(/^Delta check: previous 1 mg\/dL on \d\d\/\d\d\/\d{4} \(\+60%\)$/);
    const potassium = byCode(obsOf(second), '2823-3');
    expect(codes(potassium)).toEqual(['L', 'D']); // 4.0 → 2.9 mmol/L: −1.1, past the 1.0 limit
    expect(potassium.note[0].text).toMatch(/\(−1.1 mmol\/L\)$/);
    // Sodium had no earlier result; and creatinine 1.0 → 1.3 (+30%) would be within the limit.
    expect(codes(byCode(obsOf(second), '2951-2'))).toEqual(['N']);
    const third = await kft([result('2160-0', 1.3)]);
    expect(codes(byCode(obsOf(third), '2160-0'))).toEqual(['N']);
  });
});

describe('accession numbers', () => {
  it('gives 20 concurrent collections 20 different numbers, one after another', async () => {
    const orders = await Promise.all(Array.from({ length: 20 }, () => create(admin, order(meera, CBC))));
    const before = (await collect(tech, [await create(admin, order(meera, CBC))])).body.entry[0].resource.accessionIdentifier.value;
    const results = await Promise.all(orders.map((o) => collect(tech, [o])));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    const numbers = results.map((r) => r.body.entry[0].resource.accessionIdentifier.value);
    expect(new Set(numbers).size).toBe(20);
    const seq = numbers.map((n) => Number(n.slice(-4))).sort((a, b) => a - b);
    const start = Number(before.slice(-4)) + 1;
    expect(seq).toEqual(Array.from({ length: 20 }, (_, i) => start + i));
  });
});

describe('bad input: a clear OperationOutcome and nothing written', () => {
  let orderId: string;
  beforeAll(async () => {
    orderId = await create(admin, order(ravi, LFT));
    expect((await collect(tech, [orderId])).status).toBe(200);
  });
  const nothingWritten = async () => {
    expect((await tech.get(`DiagnosticReport?based-on=ServiceRequest/${orderId}`)).body.entry ?? []).toEqual([]);
    expect((await tech.get(`Observation?based-on=ServiceRequest/${orderId}`)).body.entry ?? []).toEqual([]);
  };

  it('refuses an analyte that is not in the test', async () => {
    const res = await enter(tech, orderId, [result('1742-6', 40), result('718-7', 13)]);
    expect(res.status).toBe(422);
    expect(res.body.issue[0]).toMatchObject({ code: 'business-rule', expression: ['result[1].code'] });
    expect(res.body.issue[0].details.text).toBe('718-7 is not an analyte of Liver function test');
    await nothingWritten();
  });

  it('refuses a non-numeric value for a quantity', async () => {
    const res = await enter(tech, orderId, [result('1742-6', 40), result('1920-8', 'high')]);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].details.text).toBe('AST (SGOT) takes a number, not "high"');
    expect(res.body.issue[0].expression).toEqual(['result[1].value']);
    await nothingWritten();
  });

  it('refuses a value in another unit, an analyte twice, and no results', async () => {
    expect((await enter(tech, orderId, [result('1742-6', { valueQuantity: { value: 40, code: 'ukat/L' } })])).status).toBe(400);
    expect((await enter(tech, orderId, [result('1742-6', 40), result('1742-6', 41)])).status).toBe(400);
    expect((await enter(tech, orderId, [])).status).toBe(400);
    await nothingWritten();
  });

  it('refuses an order that is not in the catalogue, and one not collected', async () => {
    const odd = await create(admin, order(ravi, { display: 'Vitamin B12' }));
    const res = await collect(tech, [odd]);
    expect(res.status).toBe(422);
    expect(res.body.issue[0].details.text).toMatch(/Vitamin B12\) is not a test in the lab catalogue/);
    const uncollected = await create(admin, order(ravi, HBA1C));
    const r2 = await enter(tech, uncollected, [result('4548-4', 6.1)]);
    expect(r2.status).toBe(409);
    expect(r2.body.issue[0].details.text).toMatch(/collect it first/);
  });

  it('refuses to collect for two patients in one go, writing no sample', async () => {
    const a = await create(admin, order(ravi, CBC));
    const b = await create(admin, order(meera, CBC));
    expect((await collect(tech, [a, b])).status).toBe(422);
    expect((await tech.get(`ServiceRequest/${a}`)).body.specimen).toBeUndefined();
  });
});

describe('tenant isolation', () => {
  it('never finds or touches another tenant’s order, sample or report', async () => {
    const other = fhirClient(t.base, TENANT_B);
    const otherTech = (await labStaff(t, TENANT_B)).fhir;
    // Tenant A's order, sample and report.
    const orderA = await create(admin, order(ravi, HBA1C));
    const sampleA = (await collect(tech, [orderA])).body.entry[0].resource;
    const reportA = (await enter(tech, orderA, [result('4548-4', 6.1)])).body.entry[0].resource;
    // Tenant B's own branch.
    const branchB = await create(other, { resourceType: 'Organization', name: 'Other hospital', alias: ['PUN'] });
    // By barcode: nothing.
    const byBarcode = await otherTech.get(`Specimen?accession=${ACCESSION}|${sampleA.accessionIdentifier.value}`);
    expect(byBarcode.status).toBe(200);
    expect(byBarcode.body.entry ?? []).toEqual([]);
    // By id: not found, through every operation.
    expect((await otherTech.get(`Specimen/${sampleA.id}`)).status).toBe(404);
    expect(
      (
        await otherTech.post(
          'ServiceRequest/$collect',
          params({ request: [ref(`ServiceRequest/${orderA}`)], branch: ref(`Organization/${branchB}`) }),
        )
      ).status,
    ).toBe(404);
    expect((await otherTech.post(`ServiceRequest/${orderA}/$enter-results`, params({ result: [result('4548-4', 9)] }))).status).toBe(404);
    expect((await otherTech.post(`Specimen/${sampleA.id}/$reject`, params({ reason: { valueCode: 'haemolysed' } }))).status).toBe(404);
    expect((await otherTech.post(`DiagnosticReport/${reportA.id}/$verify`, {})).status).toBe(404);
    // Collecting with tenant A's branch id from tenant B: not found either.
    const orderB = await create(other, order(await create(other, { resourceType: 'Patient', gender: 'male' }), HBA1C));
    const withA = await otherTech.post(
      'ServiceRequest/$collect',
      params({ request: [ref(`ServiceRequest/${orderB}`)], branch: ref(`Organization/${branch}`) }),
    );
    expect(withA.status).toBe(404);
    // Tenant B has no catalogue yet: its order is refused, not matched against tenant A's.
    const noCatalogue = await otherTech.post(
      'ServiceRequest/$collect',
      params({ request: [ref(`ServiceRequest/${orderB}`)], branch: ref(`Organization/${branchB}`) }),
    );
    expect(noCatalogue.status).toBe(422);
    expect((await otherTech.get('ServiceRequest/$lab-worklist')).body.entry.map((e: any) => e.resource.id)).toEqual([orderB]);
    // A's records are as they were.
    expect((await tech.get(`Specimen/${sampleA.id}`)).body.status).toBe('available');
    expect((await tech.get(`DiagnosticReport/${reportA.id}`)).body.status).toBe('preliminary');
  });
});
