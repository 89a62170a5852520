import { randomUUID } from 'node:crypto';
import { create } from '../opd/fixtures.ts';

/** A billing directory: a GST-registered branch with its tariff, a doctor, patients in and out of the state. */

type Json = Record<string, any>;
export const HOPS = 'https://hospital-ops.in/fhir';
export const SCT = 'http://snomed.info/sct';
export const CBC = '26604007';
export const LIPID = '16254007';
export const CHARGE_SYSTEM = `${HOPS}/sid/charge`;
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const cc = (system: string, code: string, display: string) => ({ coding: [{ system, code, display }], text: display });

export function gstBranch(name: string, gstin: string, prefix: string, state = 'Maharashtra'): Json {
  return {
    resourceType: 'Organization',
    identifier: [
      { type: cc(V2_0203, 'PRN', 'Provider number'), system: 'https://facility.ndhm.gov.in', value: `IN27${randomUUID().slice(0, 8)}` },
      { type: cc(V2_0203, 'TAX', 'Tax ID number'), system: `${HOPS}/sid/gstin`, value: gstin },
    ],
    extension: [
      { url: `${HOPS}/StructureDefinition/invoice-prefix`, valueString: prefix },
      { url: `${HOPS}/StructureDefinition/upi-vpa`, valueString: `${prefix.toLowerCase()}.billing@okaxis` },
    ],
    type: [cc('http://terminology.hl7.org/CodeSystem/organization-type', 'prov', 'Healthcare Provider')],
    name,
    address: [{ line: ['12 Prabhat Road, Erandwane'], city: 'Pune', state, postalCode: '411004', country: 'IN' }],
  };
}

export function billedPatient(name: string, state: string): Json {
  const [given, family] = name.split(' ');
  return {
    resourceType: 'Patient',
    identifier: [
      { type: cc(V2_0203, 'MR', 'Medical record number'), system: `${HOPS}/sid/uhid`, value: `SH-PUN-${randomUUID().slice(0, 6)}` },
    ],
    name: [{ text: name, given: [given], family }],
    gender: 'female',
    address: [{ use: 'home', city: state === 'Karnataka' ? 'Bengaluru' : 'Pune', state, country: 'IN' }],
  };
}

/** A tariff entry: the branch's price for a billable code, with its SAC/HSN and rate plans. */
export function tariff(
  branchId: string,
  code: string,
  title: string,
  sac: string,
  plans: Record<string, number>,
  extra: Json[] = [],
): Json {
  return {
    resourceType: 'ChargeItemDefinition',
    url: `${HOPS}/tariff/${branchId}/${code}`,
    version: '1',
    title,
    status: 'active',
    extension: [{ url: `${HOPS}/StructureDefinition/hsn-sac`, valueCoding: { system: `${HOPS}/sid/sac`, code: sac } }, ...extra],
    code: { coding: [{ system: `${HOPS}/CodeSystem/tariff`, code }], text: title },
    propertyGroup: Object.entries(plans).map(([plan, rupees]) => ({
      applicability: [{ description: plan, language: 'text/fhirpath', expression: `%ratePlan = '${plan}'` }],
      priceComponent: [{ type: 'base', amount: { value: rupees, currency: 'INR' } }],
    })),
  };
}

export function labOrder(patient: string, encounter: string, code: string, display: string): Json {
  return {
    resourceType: 'ServiceRequest',
    status: 'active',
    intent: 'order',
    category: [cc(SCT, '108252007', 'Laboratory procedure')],
    code: cc(SCT, code, display),
    subject: { reference: `Patient/${patient}` },
    encounter: { reference: `Encounter/${encounter}` },
    authoredOn: new Date().toISOString(),
  };
}

export function medication(hsn: string, name: string): Json {
  return {
    resourceType: 'Medication',
    identifier: [
      {
        type: {
          coding: [
            {
              system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code',
              code: 'HSN',
              display: 'Harmonized System of Nomenclature',
            },
          ],
        },
        value: hsn,
      },
    ],
    // As pharmacy writes it: the HSN coding in code (the ABDM profile allows one coding, with a display).
    code: { coding: [{ system: `${HOPS}/sid/hsn`, code: hsn, display: name }], text: name },
  };
}

export function dispense(
  patient: string,
  encounter: string | undefined,
  medicationId: string,
  quantity: number,
  unitRupees: number,
  location?: string,
): Json {
  return {
    resourceType: 'MedicationDispense',
    extension: [{ url: `${HOPS}/StructureDefinition/unit-price`, valueMoney: { value: unitRupees, currency: 'INR' } }],
    status: 'completed',
    medicationReference: { reference: `Medication/${medicationId}` },
    subject: { reference: `Patient/${patient}` },
    ...(encounter ? { context: { reference: `Encounter/${encounter}` } } : {}),
    ...(location ? { location: { reference: `Location/${location}` } } : {}),
    quantity: { value: quantity, unit: 'tablet' },
    whenHandedOver: new Date().toISOString(),
  };
}

export function account(patient: string, branch: string, extra: Json = {}): Json {
  return {
    resourceType: 'Account',
    identifier: [{ system: `${HOPS}/sid/billing-account`, value: `${branch}/${patient}` }],
    status: 'active',
    subject: [{ reference: `Patient/${patient}` }],
    owner: { reference: `Organization/${branch}` },
    ...extra,
  };
}

/** A ChargeItem as the bot makes it, for tests that need many charges fast. */
export function charge(accountId: string, patient: string, unitRupees: number, sac = '999312', extra: Json = {}): Json {
  return {
    resourceType: 'ChargeItem',
    identifier: [{ system: CHARGE_SYSTEM, value: `test:${randomUUID()}` }],
    extension: [{ url: `${HOPS}/StructureDefinition/hsn-sac`, valueCoding: { system: `${HOPS}/sid/sac`, code: sac } }],
    status: 'billable',
    code: { coding: [{ system: 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-billing-codes', code: '00', display: 'Consultation' }] },
    subject: { reference: `Patient/${patient}` },
    occurrenceDateTime: new Date().toISOString(),
    quantity: { value: 1 },
    priceOverride: { value: unitRupees, currency: 'INR' },
    account: [{ reference: `Account/${accountId}` }],
    productCodeableConcept: { coding: [{ system: SCT, code: '11429006', display: 'Consultation' }] },
    ...extra,
  };
}

export { create };
