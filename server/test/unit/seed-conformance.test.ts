import { demoTenantBundle, syntheticPatientBundle } from '@hospital-ops/seed';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import { type ValidationPolicy, validationPolicy, validator } from '../../src/fhir/validate.ts';

// The seed data must pass what the server enforces on every write by default (PROFILE_ENFORCEMENT=abdm):
// the R4 base and the ABDM IG 6.5.0 profile named after each resource's type.

let policy: ValidationPolicy;
beforeAll(() => {
  loadDefinitions();
  policy = validationPolicy('abdm');
});

/** "Type label: expression: text" for every error issue of every resource in the bundle. */
function conformanceErrors(bundle: Bundle, label: (resource: Resource, fullUrl: string) => string): string[] {
  const lines: string[] = [];
  for (const e of bundle.entry ?? []) {
    const resource = e.resource as Resource;
    const issues = validator().validate(resource, { profiles: [...(policy.requiredProfiles[resource.resourceType] ?? [])] });
    for (const i of issues) {
      if (i.severity !== 'error' && i.severity !== 'fatal') continue;
      lines.push(
        `${resource.resourceType} ${label(resource, e.fullUrl ?? '')}: ${i.expression?.join(', ') ?? ''}: ${i.details?.text ?? i.diagnostics ?? ''}`,
      );
    }
  }
  return lines;
}

describe('seed data meets the ABDM profiles the server requires', () => {
  it('requires an ABDM profile for the seeded resource types', () => {
    for (const type of [
      'Patient',
      'Practitioner',
      'PractitionerRole',
      'Organization',
      'Encounter',
      'Observation',
      'Condition',
      'MedicationRequest',
    ]) {
      expect(policy.requiredProfiles[type]?.length, type).toBeGreaterThan(0);
    }
  });

  it('demo tenant: every resource conforms', () => {
    const bundle = demoTenantBundle();
    expect(bundle.entry?.length).toBeGreaterThan(0);
    expect(conformanceErrors(bundle, (r) => r.id ?? '')).toEqual([]);
  });

  it.each([42, 7])('synthetic patients (seed %i, indexes 0..49): every resource conforms', (seed) => {
    const errors: string[] = [];
    for (let index = 0; index < 50; index++) {
      errors.push(...conformanceErrors(syntheticPatientBundle(seed, index), (_, fullUrl) => `(seed ${seed}, index ${index}, ${fullUrl})`));
    }
    expect(errors).toEqual([]);
  });
});
