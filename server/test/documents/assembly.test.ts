import type { Bundle, Composition, DocumentReference, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUuid, nameUuid, parseLocalReference } from '../../src/features/documents/references.ts';
import { validator } from '../../src/fhir/validate.ts';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';
import { organization, PDF, patient, practitioner } from './fixtures.ts';

/**
 * How references are resolved, on data the ABDM enforcement would not let in: a DocumentReference
 * that points at its PDF in a Binary instead of carrying it, client-chosen ids, absolute and
 * version-specific references, references to nothing. PROFILE_ENFORCEMENT=claimed stores them.
 */

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;
let binary: string;

const put = async (resource: Resource & { id: string }) => {
  const res = await fhir.put(`${resource.resourceType}/${resource.id}`, resource);
  if (res.status !== 201 && res.status !== 200) throw new Error(JSON.stringify(res.body));
  return res.body;
};

beforeAll(async () => {
  t = await startTestServer({ PROFILE_ENFORCEMENT: 'claimed' });
  fhir = fhirClient(t.base);
  await put({ ...organization('Sanjeevani Hospital, Kothrud', 'IN2710000102', 'Pune'), id: 'kothrud' } as Resource & { id: string });
  await put({
    ...patient('Sneha Kulkarni', '91-5541-2233-7781', 'female', '1986-04-12', 'Organization/kothrud'),
    id: 'sneha-kulkarni',
  } as Resource & {
    id: string;
  });
  await put({ ...practitioner('Dr. Anjali Deshpande', '71-2233-4455-6677', 'female', 'MBBS, MD'), id: 'dr-anjali' } as Resource & {
    id: string;
  });
  const b = await fhir.post('Binary', { resourceType: 'Binary', contentType: 'application/pdf', data: PDF });
  binary = `Binary/${b.body.id}`;
});
afterAll(() => t?.stop());

describe('reference resolution', () => {
  it('parses local references: relative, absolute under the base, version-specific; not contained, urn or foreign', () => {
    const base = 'https://hms.example.in/fhir/R4';
    expect(parseLocalReference('Patient/123', base)).toEqual({ type: 'Patient', id: '123', version: undefined, key: 'Patient/123' });
    expect(parseLocalReference(`${base}/Patient/123`, base)?.key).toBe('Patient/123');
    expect(parseLocalReference('Organization/a/_history/2', base)).toEqual({
      type: 'Organization',
      id: 'a',
      version: '2',
      key: 'Organization/a/_history/2',
    });
    for (const other of ['#med1', 'urn:uuid:0b0b0b0b-0000-4000-8000-00000000000b', 'https://other.example.org/fhir/Patient/1', undefined]) {
      expect(parseLocalReference(other, base)).toBeUndefined();
    }
    const u = nameUuid(`${base}/Patient/sneha-kulkarni`);
    expect(isUuid(u)).toBe(true);
    expect(u[14]).toBe('5');
    expect(nameUuid(`${base}/Patient/sneha-kulkarni`)).toBe(u);
    expect(nameUuid(`${base}/Patient/someone-else`)).not.toBe(u);
  });

  it('inlines a Binary an attachment points at, names client-chosen ids with stable UUIDs, follows absolute and versioned references', async () => {
    const stored = await put({
      resourceType: 'DocumentReference',
      id: 'scan-2023-ruby-hall',
      status: 'current',
      type: { coding: [{ system: 'http://snomed.info/sct', code: '373942005', display: 'Discharge summary' }] },
      subject: { reference: 'Patient/sneha-kulkarni' },
      author: [{ reference: `${t.base}/Practitioner/dr-anjali` }],
      custodian: { reference: 'Organization/kothrud/_history/1' },
      relatesTo: [{ code: 'appends', target: { reference: 'DocumentReference/never-stored' } }],
      description: 'Discharge summary, Ruby Hall Clinic, 2023',
      content: [{ attachment: { contentType: 'application/pdf', url: binary, title: 'Scanned discharge summary' } }],
    } as DocumentReference & { id: string });
    expect(stored.content[0].attachment.data).toBeUndefined();

    const res = await fhir.post('DocumentReference/scan-2023-ruby-hall/$abdm-document?type=HealthDocumentRecord', {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    expect(
      validator()
        .validate(bundle)
        .filter((i) => i.severity === 'error'),
    ).toEqual([]);
    const byKey = (key: string) => bundle.entry?.find((e) => `${e.resource?.resourceType}/${e.resource?.id}` === key);
    // Ids that are not UUIDs get name-based ones, the same in every document.
    expect(byKey('Patient/sneha-kulkarni')?.fullUrl).toBe(`urn:uuid:${nameUuid(`${t.base}/Patient/sneha-kulkarni`)}`);
    const doc = byKey('DocumentReference/scan-2023-ruby-hall')?.resource as DocumentReference;
    expect(doc.content[0]?.attachment.data).toBe(PDF);
    expect(doc.content[0]?.attachment.url).toBe(`${t.base}/${binary}`);
    expect(doc.meta?.profile).toContain('https://nrces.in/ndhm/fhir/r4/StructureDefinition/DocumentReference');
    // The absolute reference to this server and the version-specific one resolve to entries.
    expect(doc.author?.[0]?.reference).toBe(byKey('Practitioner/dr-anjali')?.fullUrl);
    const custodian = bundle.entry?.find((e) => e.fullUrl === doc.custodian?.reference)?.resource;
    expect(custodian?.resourceType).toBe('Organization');
    expect(custodian?.meta?.versionId).toBe('1');
    // ... and is the same entry as the current version (the patient's managing organization).
    expect(bundle.entry?.filter((e) => e.resource?.resourceType === 'Organization')).toHaveLength(1);
    // A reference to nothing (from inside an entry) stays, as an absolute URL on this server.
    expect(doc.relatesTo?.[0]?.target.reference).toBe(`${t.base}/DocumentReference/never-stored`);
    const again = await fhir.post('DocumentReference/scan-2023-ruby-hall/$abdm-document?type=HealthDocumentRecord', {});
    expect(again.body.entry.slice(1).map((e: { fullUrl: string }) => e.fullUrl)).toEqual(bundle.entry?.slice(1).map((e) => e.fullUrl));
  });

  it('a Composition that names a resource that does not exist cannot be assembled (403, nothing returned)', async () => {
    const c = await fhir.post('Composition', {
      resourceType: 'Composition',
      status: 'final',
      type: { text: 'Referral letter' },
      subject: { reference: 'Patient/sneha-kulkarni' },
      date: '2025-10-06',
      author: [{ reference: 'Practitioner/dr-anjali' }],
      title: 'Referral letter',
      section: [{ title: 'Reason', entry: [{ reference: 'Condition/deleted-or-never-there' }] }],
    } as Composition);
    expect(c.status).toBe(201);
    const res = await fhir.get(`Composition/${c.body.id}/$document`);
    expect(res.status).toBe(403);
    expect(res.body.issue[0].details.text).toContain('Condition/deleted-or-never-there');
    expect(res.body.issue[0].details.text).toContain('Composition.section[0].entry[0]');
  });

  it('a record whose named resource does not meet the profile the IG asks there is 422 with the reasons', async () => {
    const report = await fhir.post('DiagnosticReport', {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '58410-2', display: 'CBC panel - Blood by Automated count' }] },
      subject: { reference: 'Patient/sneha-kulkarni' },
      performer: [{ reference: 'Practitioner/dr-anjali' }],
    });
    expect(report.status).toBe(201);
    const res = await fhir.post(`DiagnosticReport/${report.body.id}/$abdm-document?type=DiagnosticReportRecord`, {});
    expect(res.status).toBe(422);
    const text = JSON.stringify(res.body);
    expect(text).toContain('DiagnosticReportLab');
    expect(text).toContain('DiagnosticReport.conclusion');
    expect(text).toContain('DiagnosticReport.resultsInterpreter');
  });
});
