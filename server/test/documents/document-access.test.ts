import type { Bundle, Composition, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/policies.ts';
import { createUser } from '../../src/auth/store.ts';
import { referencesIn } from '../../src/features/documents/references.ts';
import { validator } from '../../src/fhir/validate.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { userToken } from '../helpers/staff.ts';
import {
  type Admission,
  createAdmission,
  createDirectory,
  createOpdVisit,
  createPharmacyBill,
  type Directory,
  type OpdVisit,
  type PharmacyBill,
  practitioner,
} from './fixtures.ts';

/**
 * Documents are read through the caller's repository: what a role may not read never enters a
 * document. What the Composition names must be readable (else 403); what is only referenced from
 * inside an entry is left out, and the reference becomes the resource's absolute URL.
 */

let t: TestServer;
let system: ReturnType<typeof fhirClient>;
let d: Directory;
let opd: OpdVisit;
let admission: Admission;
let bill: PharmacyBill;
let counter = 0;

async function staff(role: Role, branch: string, name: string) {
  const created = await system.post(
    'Practitioner',
    practitioner(name, `71-0000-0000-${String(++counter).padStart(4, '0')}`, 'female', 'BSc Nursing'),
  );
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  const user = await createUser(t.server.db, TENANT_A, {
    email: `${role}.${counter}@sanjeevani.example.in`,
    name,
    password: `pw-${role}-${counter}-long-enough`,
    role,
    branchIds: [branch.split('/')[1] as string],
    practitionerId: created.body.id,
  });
  return fhirClient(t.base, TENANT_A, await userToken(t, user));
}

beforeAll(async () => {
  t = await startTestServer({ PROFILE_ENFORCEMENT: 'abdm' });
  system = fhirClient(t.base);
  d = await createDirectory(system);
  opd = await createOpdVisit(system, d);
  admission = await createAdmission(system, d);
  bill = await createPharmacyBill(system, d, opd.encounter);
});
afterAll(() => t?.stop());

const keysOf = (bundle: Bundle) => (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);

describe('documents and access control', () => {
  it('a doctor of the branch builds the OP consult note; a doctor of another branch is told it does not exist', async () => {
    const doctor = await staff('doctor', d.branch, 'Dr. Meera Joshi');
    const res = await doctor.post(`${opd.encounter}/$abdm-document?type=OPConsultRecord`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(
      validator()
        .validate(res.body)
        .filter((i) => i.severity === 'error'),
    ).toEqual([]);
    const elsewhere = await staff('doctor', d.otherBranch, 'Dr. Kavita Sharma');
    const refused = await elsewhere.post(`${opd.encounter}/$abdm-document?type=OPConsultRecord`, {});
    expect(refused.status).toBe(404);
    expect(JSON.stringify(refused.body)).not.toContain('Sneha');
  });

  it('a nurse gets the lab report without the specimen and the order she may not read: left out, referenced by URL', async () => {
    const nurse = await staff('nurse', d.branch, 'Dr. Sunita Pawar');
    const res = await nurse.post(`${admission.report}/$abdm-document?type=DiagnosticReportRecord`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const bundle = res.body as Bundle;
    const keys = keysOf(bundle);
    expect(keys).toContain(admission.report);
    for (const r of admission.results) expect(keys).toContain(r);
    expect(keys).not.toContain(admission.specimen);
    expect(keys).not.toContain(admission.order);
    const report = bundle.entry?.find((e) => e.resource?.resourceType === 'DiagnosticReport')?.resource as Resource & {
      specimen: { reference: string }[];
      basedOn: { reference: string }[];
    };
    expect(report.specimen[0]?.reference).toBe(`${t.base}/${admission.specimen}`);
    expect(report.basedOn[0]?.reference).toBe(`${t.base}/${admission.order}`);
    // Everything else resolves inside the document, and it still meets the IG.
    const fullUrls = new Set(bundle.entry?.map((e) => e.fullUrl));
    for (const e of bundle.entry ?? []) {
      for (const { reference } of referencesIn(e.resource as Resource)) {
        expect(fullUrls.has(reference.reference) || reference.reference?.startsWith(`${t.base}/`)).toBe(true);
      }
    }
    expect(
      validator()
        .validate(bundle)
        .filter((i) => i.severity === 'error'),
    ).toEqual([]);
  });

  it('a section type the caller may not search at all fails the document (403), rather than silently dropping the section', async () => {
    const nurse = await staff('nurse', d.branch, 'Dr. Asha Patil');
    const res = await nurse.post(`${opd.encounter}/$abdm-document?type=OPConsultRecord`, {});
    expect(res.status).toBe(403);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('a resource the stored Composition names that the caller may not read fails $document with 403', async () => {
    const made = await system.post(`${opd.encounter}/$abdm-document?type=OPConsultRecord&persist=true`, {});
    expect(made.status).toBe(200);
    const id = (made.body.entry[0].resource as Composition).id;
    const nurse = await staff('nurse', d.branch, 'Dr. Rekha Jadhav');
    const res = await nurse.get(`Composition/${id}/$document`);
    expect(res.status).toBe(403);
    expect(res.body.issue[0].details.text).toMatch(/ServiceRequest\//);
    expect(JSON.stringify(res.body)).not.toContain('Complete blood count');
  });

  it('an accountant may read the invoice but not the patient, so no InvoiceRecord (403) and no patient data', async () => {
    const accountant = await staff('accountant', d.branch, 'Dr. Nisha Rao');
    expect((await accountant.get(bill.invoice)).status).toBe(200);
    const res = await accountant.post(`${bill.invoice}/$abdm-document?type=InvoiceRecord`, {});
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).not.toContain('Sneha');
  });
});
