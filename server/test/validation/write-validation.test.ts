import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGES_DIR } from '../../src/validation/conformance.ts';
import { fhirClient, startTestServer, systemToken, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, userToken } from '../helpers/staff.ts';

const ABDM = 'https://nrces.in/ndhm/fhir/r4/StructureDefinition/';
const example = (file: string) => JSON.parse(readFileSync(join(PACKAGES_DIR, 'ndhm.in-6.5.0', 'examples', file), 'utf8'));

/** An ABDM-conformant Patient without a server id. */
function abdmPatient(name = 'Asha Sharma') {
  const p = example('Patient-example-01.json');
  delete p.id;
  p.name = [{ text: name }];
  return p;
}

let t: TestServer;
let fhir: ReturnType<typeof fhirClient>;

beforeAll(async () => {
  // The product default: writes must meet the ABDM profile named after their type.
  t = await startTestServer({ PROFILE_ENFORCEMENT: 'abdm' });
  fhir = fhirClient(t.base);
});
afterAll(() => t?.stop());

/** A missing identifier, and what the ABDM Patient profile wants each one to carry. */
const NO_IDENTIFIER = [
  'Patient.identifier',
  'Patient.identifier.type',
  'Patient.identifier.type.coding.system',
  'Patient.identifier.type.coding.code',
  'Patient.identifier.type.coding.display',
  'Patient.identifier.value',
];

const expressions = (body: { issue: { severity: string; expression?: string[] }[] }) =>
  body.issue.filter((i) => i.severity === 'error').map((i) => i.expression?.[0]);

describe('every write is validated against the ABDM profile of its type', () => {
  it('refuses a Patient that meets R4 but not the ABDM Patient profile, listing every issue', async () => {
    const res = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Sharma' }] });
    expect(res.status).toBe(422);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(expressions(res.body)).toEqual([...NO_IDENTIFIER, 'Patient.name[0].text']);
    const found = await fhir.get('Patient?family=Sharma');
    expect(found.body.total ?? found.body.entry?.length ?? 0).toBe(0);
  });

  it('answers a bare Patient with every gap at once, each naming the profile and how the tenant relaxes it', async () => {
    const res = await fhir.post('Patient', { resourceType: 'Patient', gender: 'female' });
    expect(res.status).toBe(422);
    const errors = res.body.issue.filter((i: { severity: string }) => i.severity === 'error');
    // The identifier and everything a complete one carries, not one layer per attempt.
    expect(expressions(res.body)).toEqual(NO_IDENTIFIER);
    for (const e of errors) {
      expect(e.diagnostics).toBe(
        `Required by the profile ${ABDM}Patient, which this tenant requires of every Patient ` +
          '(PUT /admin/profile-requirements/Patient relaxes it; see docs/conformance.md#relaxing-the-requirement)',
      );
    }

    // Sent again with what the 422 asked for, it is stored: nothing was left for a second round.
    const identifier = {
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }] },
      system: 'https://hospital-ops.in/fhir/sid/uhid',
      value: 'SH-PUN-0B4R3P',
    };
    expect((await fhir.post('Patient', { resourceType: 'Patient', gender: 'female', identifier: [identifier] })).status).toBe(201);
  });

  it('stores the IG example Patient', async () => {
    const res = await fhir.post('Patient', abdmPatient());
    expect(res.status).toBe(201);
    expect(res.body.identifier[0].value).toBeDefined();
  });

  it('applies the same rules to update and patch, leaving the stored version as it was', async () => {
    const created = await fhir.post('Patient', abdmPatient('Ravi Kumar'));
    const id = created.body.id;
    const update = await fhir.put(`Patient/${id}`, { ...created.body, identifier: undefined });
    expect(update.status).toBe(422);
    expect(expressions(update.body)).toEqual(NO_IDENTIFIER);
    const patch = await fhir.patch(`Patient/${id}`, [{ op: 'replace', path: '/gender', value: 'bogus' }]);
    expect(patch.status).toBe(422);
    expect(patch.body.issue[0].details.text).toMatch(/bogus is not in the value set .*administrative-gender/);
    const read = await fhir.get(`Patient/${id}`);
    expect(read.body.meta.versionId).toBe('1');
    expect(read.body.gender).toBe(created.body.gender);
  });

  it('rolls back a whole transaction when one entry fails, and names the entry', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:7f1e8a2c-0000-4000-8000-000000000001',
          resource: abdmPatient('Transaction Good'),
          request: { method: 'POST', url: 'Patient' },
        },
        { resource: { resourceType: 'Patient', name: [{ text: 'Transaction Bad' }] }, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const res = await fhir.post('', bundle);
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('Patient.identifier');
    const search = await fhir.get('Patient?name=Transaction&_total=accurate');
    expect(search.body.total).toBe(0);
  });

  it('a profile the resource claims is applied on top of the required one', async () => {
    const obs = example('Observation-example-04.json');
    delete obs.id;
    obs.subject = { reference: 'Patient/any' };
    obs.status = 'bogus';
    const res = await fhir.post('Observation', obs);
    expect(res.status).toBe(422);
    expect(expressions(res.body)).toContain('Observation.status');
  });
});

describe('$validate', () => {
  it('type level: answers 200 with the same issues a write would get, storing nothing', async () => {
    const res = await fhir.post('Patient/$validate', { resourceType: 'Patient', name: [{ family: 'Validate-Only' }] });
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(expressions(res.body)).toEqual([...NO_IDENTIFIER, 'Patient.name[0].text']);
    const search = await fhir.get('Patient?family=Validate-Only&_total=accurate');
    expect(search.body.total).toBe(0);
  });

  it('a valid resource gets an informational all-clear', async () => {
    const res = await fhir.post('Patient/$validate', abdmPatient());
    expect(res.status).toBe(200);
    expect(res.body.issue.filter((i: { severity: string }) => i.severity === 'error')).toEqual([]);
  });

  it('takes Parameters with resource, mode and profile', async () => {
    const organization = example('Organization-example-02.json');
    const asParameters = (profile: string) => ({
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: organization },
        { name: 'mode', valueCode: 'profile' },
        { name: 'profile', valueUri: profile },
      ],
    });
    const ok = await fhir.post('Organization/$validate', asParameters(`${ABDM}Organization`));
    expect(expressions(ok.body)).toEqual([]);
    const wrong = await fhir.post('Organization/$validate', asParameters(`${ABDM}Patient`));
    expect(wrong.body.issue[0].details.text).toContain('is for Patient, not Organization');
  });

  it('instance level validates the stored resource, within the caller tenant only', async () => {
    const created = await fhir.post('Patient', abdmPatient('Instance Validate'));
    const res = await fhir.get(`Patient/${created.body.id}/$validate`);
    expect(res.status).toBe(200);
    expect(expressions(res.body)).toEqual([]);
    const other = fhirClient(t.base, TENANT_B);
    expect((await other.get(`Patient/${created.body.id}/$validate`)).status).toBe(404);
  });

  it('rejects an unknown mode and a resource of another type', async () => {
    const bad = await fhir.post('Patient/$validate?mode=nonsense', abdmPatient());
    expect(bad.status).toBe(400);
    const mismatch = await fhir.post('Organization/$validate', abdmPatient());
    expect(mismatch.status).toBe(400);
  });
});

describe('per-tenant profile requirements (admin API)', () => {
  async function admin(method: string, path: string, body?: unknown, token?: string) {
    const res = await fetch(`${t.server.url}/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token ?? (await systemToken(t.base, TENANT_A))}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
  }
  const minimal = { resourceType: 'Patient', name: [{ family: 'Tenant-Rule' }] };

  it('lists the default requirement per type', async () => {
    const res = await admin('GET', '/profile-requirements');
    expect(res.status).toBe(200);
    expect(res.body.default).toBe('abdm');
    expect(res.body.requirements).toContainEqual({ resourceType: 'Patient', profiles: [`${ABDM}Patient`], source: 'default' });
  });

  it("a tenant's own rule replaces the default for that tenant only, and can be reset", async () => {
    expect((await admin('PUT', '/profile-requirements/Patient', { profiles: [] })).status).toBe(200);
    expect((await fhir.post('Patient', minimal)).status).toBe(201);
    expect((await fhirClient(t.base, TENANT_B).post('Patient', minimal)).status).toBe(422);
    expect((await admin('DELETE', '/profile-requirements/Patient')).status).toBe(204);
    expect((await fhir.post('Patient', minimal)).status).toBe(422);
    expect((await admin('DELETE', '/profile-requirements/Patient')).status).toBe(404);
  });

  it('a 422 names the profile the tenant requires, lists every gap at once and says how to relax it', async () => {
    const res = await fhir.post('Patient', { ...minimal, identifier: [{ system: 'https://clinic.example.in/mrn', value: '77' }] });
    expect(res.status).toBe(422);
    const texts: string[] = res.body.issue.map((i: { details?: { text?: string } }) => i.details?.text ?? '');
    expect(texts).toContain('Patient.identifier.type: minimum required = 1, but only found 0');
    // What the missing type must carry comes in the same answer, not after the next attempt.
    expect(expressions(res.body)).toEqual([
      'Patient.identifier[0].type',
      'Patient.identifier[0].type.coding.system',
      'Patient.identifier[0].type.coding.code',
      'Patient.identifier[0].type.coding.display',
      'Patient.name[0].text',
    ]);
    expect(texts).toContain('Patient.identifier.type.coding.display: required, and it must have it');
    expect(texts).toContain(`Patient does not meet the profile ${ABDM}Patient: the errors above are its rules`);
    expect(texts.find((t) => t.startsWith('This server requires the profile'))).toMatch(
      /PUT \/admin\/profile-requirements\/Patient .*docs\/conformance\.md/,
    );
  });

  it('refuses unknown profiles, profiles of another type and unknown types', async () => {
    const unknown = await admin('PUT', '/profile-requirements/Patient', { profiles: ['https://example.org/StructureDefinition/nope'] });
    expect(unknown.status).toBe(400);
    const wrongType = await admin('PUT', '/profile-requirements/Patient', { profiles: [`${ABDM}Organization`] });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.issue[0].details.text).toContain('is for Organization');
    expect((await admin('PUT', '/profile-requirements/Spaceship', { profiles: [] })).status).toBe(404);
  });

  it('only a super_admin or the system client may change them', async () => {
    // Staff logins come with a bare Practitioner; let this tenant accept those first.
    expect((await admin('PUT', '/profile-requirements/Practitioner', { profiles: [] })).status).toBe(200);
    const branchAdmin = await createStaff(t, TENANT_A, 'branch_admin');
    const token = await userToken(t, branchAdmin.user);
    expect((await admin('PUT', '/profile-requirements/Patient', { profiles: [] }, token)).status).toBe(403);
    expect((await admin('GET', '/profile-requirements', undefined, token)).status).toBe(200);
  });
});
