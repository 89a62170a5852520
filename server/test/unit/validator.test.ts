import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Composition, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import { conformance, PACKAGES_DIR } from '../../src/validation/conformance.ts';
import { Validator } from '../../src/validation/validator.ts';

const ABDM = 'https://nrces.in/ndhm/fhir/r4/StructureDefinition/';
const EXAMPLES = join(PACKAGES_DIR, 'ndhm.in-6.5.0', 'examples');

function example<T extends Resource = Resource>(file: string): T {
  return JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as T;
}

function errors(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  return issues.filter((i) => i.severity === 'error');
}

/** The error issues as "expression: text" lines, for readable assertions. */
function errorLines(issues: OperationOutcomeIssue[]): string[] {
  return errors(issues).map((i) => `${i.expression?.[0]}: ${i.details?.text}`);
}

let validator: Validator;
beforeAll(() => {
  loadDefinitions();
  validator = new Validator(conformance());
});

/** A missing identifier, and what the ABDM Patient profile wants each one to carry, as errorLines gives them. */
const NO_IDENTIFIER = [
  'Patient.identifier: Patient.identifier: minimum required = 1, but only found 0',
  ...['type', 'type.coding.system', 'type.coding.code', 'type.coding.display', 'value'].map(
    (sub) => `Patient.identifier.${sub}: Patient.identifier.${sub}: required, and each identifier must have it`,
  ),
];

describe('the ABDM IG 6.5.0 examples', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json') && !f.startsWith('.'));

  it('are all present as fixtures', () => {
    expect(files.length).toBe(72);
  });

  it.each(files)('%s validates against the profiles it claims (entries included)', (file) => {
    const resource = example(file);
    expect(errorLines(validator.validate(resource))).toEqual([]);
  });

  it('are checked against their profiles, not only the base (a claimed profile is applied)', () => {
    const patient = example('Patient-example-01.json');
    expect(patient.meta?.profile).toContain(`${ABDM}Patient`);
    delete (patient as { identifier?: unknown }).identifier;
    expect(errorLines(validator.validate(patient))).toEqual([...NO_IDENTIFIER]);
  });
});

describe("Hospital-Ops' own profiles", () => {
  const dir = join(PACKAGES_DIR, 'in.hospital-ops.fhir-0.1.0', 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.startsWith('.'));

  it.each(files)('%s validates against its profiles', (file) => {
    const resource = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Resource;
    expect(resource.meta?.profile?.length).toBeGreaterThan(0);
    expect(errorLines(validator.validate(resource))).toEqual([]);
  });

  it('a GSTIN that breaks the format fails the organization invariant', () => {
    const org = JSON.parse(readFileSync(join(dir, 'Organization-hospital-pune-gstin.json'), 'utf8')) as Resource & {
      identifier: { system?: string; value?: string }[];
    };
    const gstin = org.identifier.find((i) => i.system === 'https://hospital-ops.in/fhir/sid/gstin');
    expect(gstin).toBeDefined();
    (gstin as { value: string }).value = '27ABCDE1234F1Z';
    expect(errorLines(validator.validate(org)).some((l) => /hops-gstin-1/.test(l))).toBe(true);
  });

  it('a bed with a status outside the bed-status value set fails its required binding', () => {
    const bed = JSON.parse(readFileSync(join(dir, 'Location-bed-gw-m-12.json'), 'utf8')) as Resource & {
      operationalStatus: { code: string };
    };
    bed.operationalStatus.code = 'X';
    expect(
      errorLines(validator.validate(bed)).some(
        (l) => l.startsWith('Location.operationalStatus: The code') && l.includes('hops-bed-status'),
      ),
    ).toBe(true);
  });
});

describe('mutated examples fail with the right issue', () => {
  it('a required element removed from a document entry', () => {
    const bundle = example<Bundle>('Bundle-OPConsultNote-example-05.json');
    const composition = bundle.entry?.[0]?.resource as Composition;
    delete (composition as { subject?: unknown }).subject;
    expect(errorLines(validator.validate(bundle))).toEqual([
      'Bundle.entry[0].resource.subject: Composition.subject: minimum required = 1, but only found 0',
      // and what the absent subject must carry, in the same answer
      'Bundle.entry[0].resource.subject.reference: Composition.subject.reference: required, and it must have it',
    ]);
  });

  it('a code outside a required binding (which the base validator alone lets through)', () => {
    const observation = example('Observation-example-04.json') as Resource & { status: string };
    observation.status = 'bogus';
    const lines = errorLines(validator.validate(observation));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Observation\.status: The code bogus is not in the value set http:\/\/hl7\.org\/fhir\/ValueSet\/observation-status/,
    );
  });

  it('a broken invariant: a document Bundle without timestamp', () => {
    const bundle = example<Bundle>('Bundle-OPConsultNote-example-05.json');
    delete bundle.timestamp;
    const issues = errors(validator.validate(bundle));
    expect(issues.some((i) => i.expression?.[0] === 'Bundle' && /bdl-10/.test(i.details?.text ?? ''))).toBe(true);
    expect(issues.some((i) => i.expression?.[0] === 'Bundle.timestamp' && i.code === 'required')).toBe(true);
  });

  it('a code in a closed slicing that matches no slice', () => {
    const condition = example('Condition-example-01.json') as Resource & { code: { coding: unknown[] } };
    condition.code.coding.push({ system: 'http://loinc.org', code: '1-8', display: 'Other' });
    expect(errorLines(validator.validate(condition))).toEqual([
      'Condition.code.coding[1]: Condition.code.coding: this value matches none of the allowed slices (closed slicing)',
    ]);
  });

  it('a document Bundle without its identifier system breaks bdl-9 and the DocumentBundle profile', () => {
    const bundle = example<Bundle>('Bundle-OPConsultNote-example-05.json');
    bundle.identifier = { value: 'x' };
    const lines = errorLines(validator.validate(bundle));
    expect(lines.some((l) => l.startsWith('Bundle: ') && l.includes('bdl-9'))).toBe(true);
    expect(lines).toContain('Bundle.identifier.system: Bundle.identifier.system: minimum required = 1, but only found 0');
  });

  it('a fixed value changed: the OPConsultRecord type code', () => {
    const bundle = example<Bundle>('Bundle-OPConsultNote-example-05.json');
    const composition = bundle.entry?.[0]?.resource as Composition;
    const coding = composition.type.coding?.[0] as { code?: string };
    coding.code = '000000';
    const lines = errorLines(validator.validate(bundle));
    expect(lines.some((l) => l.startsWith('Bundle.entry[0].resource.type') && /must (be|match)/.test(l))).toBe(true);
  });

  it('a reference to a resource type the profile does not allow', () => {
    const condition = example('Condition-example-01.json') as Resource & { subject: { reference: string } };
    condition.subject.reference = 'Organization/x';
    expect(
      errorLines(validator.validate(condition)).some((l) => l.startsWith('Condition.subject: Reference to Organization is not allowed')),
    ).toBe(true);
  });

  it('an entry resource against a profile it does not claim but its Bundle slice requires', () => {
    const bundle = example<Bundle>('Bundle-ClaimBundle-preauthorization-example-01.json');
    // The ClaimBundle profile needs at least one Claim entry; remove it.
    bundle.entry = bundle.entry?.filter((e) => e.resource?.resourceType !== 'Claim');
    expect(errorLines(validator.validate(bundle)).some((l) => /slice 'Claim' needs 1\.\.\* values, found 0/.test(l))).toBe(true);
  });
});

describe('references inside a Bundle', () => {
  const opConsult = () => example<Bundle>('Bundle-OPConsultNote-example-05.json');
  const entryOf = (bundle: Bundle, type: string) => bundle.entry?.find((e) => e.resource?.resourceType === type);

  it('a urn:uuid reference must name an entry', () => {
    const bundle = opConsult();
    (bundle.entry?.[0]?.resource as Composition).subject = { reference: 'urn:uuid:00000000-0000-4000-8000-000000000000' };
    expect(errorLines(validator.validate(bundle))).toContain(
      'Bundle.entry[0].resource.subject: urn:uuid:00000000-0000-4000-8000-000000000000 does not resolve to any entry of the Bundle',
    );
  });

  it('the entry must be of a type the element allows', () => {
    const bundle = opConsult();
    const composition = bundle.entry?.[0]?.resource as Composition;
    const condition = entryOf(bundle, 'Condition')?.fullUrl as string;
    const allergies = composition.section?.find((s) => s.code?.coding?.[0]?.code === '722446000');
    expect(allergies).toBeDefined();
    (allergies?.entry as { reference?: string }[])[0] = { reference: condition };
    expect(
      errorLines(validator.validate(bundle)).some((l) => /section\[\d+\]\.entry\[0\]: Reference to Condition is not allowed here/.test(l)),
    ).toBe(true);
  });

  it('the entry must meet the profile the reference asks for', () => {
    const bundle = example<Bundle>('Bundle-DiagnosticReport-Imaging-Media-example-02.json');
    const report = entryOf(bundle, 'DiagnosticReport')?.resource as Resource & { conclusion?: string };
    delete report.meta;
    delete report.conclusion;
    const lines = errorLines(validator.validate(bundle));
    expect(
      lines.some((l) => /The referenced DiagnosticReport does not meet any of .*DiagnosticReportLab.*DiagnosticReportImaging/.test(l)),
    ).toBe(true);
  });

  it('IG examples carry no warnings about urn:uuid references', () => {
    const issues = validator.validate(opConsult());
    expect(issues.filter((i) => /urn:uuid/.test(i.details?.text ?? ''))).toEqual([]);
  });
});

describe('profiles asked for by the caller', () => {
  it('name themselves, and say at once what a missing element must carry', () => {
    const patient = { resourceType: 'Patient', name: [{ text: 'Asha' }], identifier: [{ system: 'https://x.in/mrn', value: '1' }] };
    const issues = validator.validate(patient as Resource, { profiles: [`${ABDM}Patient`] });
    expect(errorLines(issues)).toEqual([
      'Patient.identifier[0].type: Patient.identifier.type: minimum required = 1, but only found 0',
      'Patient.identifier[0].type.coding.system: Patient.identifier.type.coding.system: required, and it must have it',
      'Patient.identifier[0].type.coding.code: Patient.identifier.type.coding.code: required, and it must have it',
      'Patient.identifier[0].type.coding.display: Patient.identifier.type.coding.display: required, and it must have it',
    ]);
    // Each names the profile that demanded it.
    expect(new Set(issues.filter((i) => i.severity === 'error').map((i) => i.diagnostics))).toEqual(
      new Set([`Required by the profile ${ABDM}Patient`]),
    );
    expect(issues.filter((i) => i.severity === 'information').map((i) => i.details?.text)).toEqual([
      `Patient does not meet the profile ${ABDM}Patient: the errors above are its rules`,
    ]);
  });

  it('apply on top of those the resource claims', () => {
    const bare = { resourceType: 'Patient', name: [{ family: 'Sharma' }] } as Resource;
    expect(errorLines(validator.validate(bare))).toEqual([]);
    expect(errorLines(validator.validate(bare, { profiles: [`${ABDM}Patient`] }))).toEqual([
      ...NO_IDENTIFIER,
      'Patient.name[0].text: Patient.name.text: minimum required = 1, but only found 0',
    ]);
  });

  it('must be for the resource type', () => {
    const patient = example('Patient-example-01.json');
    expect(errorLines(validator.validate(patient, { profiles: [`${ABDM}Organization`] }))).toEqual([
      `Patient: Profile ${ABDM}Organization is for Organization, not Patient`,
    ]);
  });

  it('an unknown required profile is an error; an unknown claimed one only a warning', () => {
    const patient = example('Patient-example-01.json');
    expect(errorLines(validator.validate(patient, { profiles: ['https://example.org/StructureDefinition/nope'] }))).toHaveLength(1);
    patient.meta = { profile: ['https://example.org/StructureDefinition/nope'] };
    const issues = validator.validate(patient);
    expect(errors(issues)).toEqual([]);
    expect(issues.some((i) => i.severity === 'warning' && i.details?.text?.includes('not known'))).toBe(true);
  });
});

describe('parsed profiles', () => {
  it('are parsed once and reused', () => {
    const c = conformance();
    expect(c.tree(`${ABDM}Patient`)).toBe(c.tree(`${ABDM}Patient|6.0.0`));
  });

  it('the ABDM defaults are the profiles named after their type', () => {
    const defaults = conformance().abdmDefaultProfiles();
    expect(defaults.Patient).toBe(`${ABDM}Patient`);
    expect(defaults.Observation).toBe(`${ABDM}Observation`);
    expect(defaults.Composition).toBeUndefined();
  });
});
