import type { ChargeItemDefinition, Extension, Identifier } from '@medplum/fhirtypes';

/**
 * The demo branches' billing set-up (docs/billing.md): a GSTIN and invoice prefix per branch, and a
 * starter tariff (ChargeItemDefinition per billable code, SAC/HSN and rate plans). Demo GSTINs are
 * made up in the right shape; prices are illustrative.
 */

const HOPS = 'https://hospital-ops.in/fhir';
const DEMO_GSTIN: Record<string, string> = { PUN: '27AAECS4321M1Z7', JAI: '08AAECS4321M1Z3' };

export function branchBilling(code: string): { identifier: Identifier[]; extension: Extension[] } {
  return {
    identifier: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'TAX', display: 'Tax ID number' }] },
        system: `${HOPS}/sid/gstin`,
        value: DEMO_GSTIN[code] ?? '27AAECS4321M1Z7',
      },
    ],
    extension: [{ url: `${HOPS}/StructureDefinition/invoice-prefix`, valueString: code }],
  };
}

/** code, title, SAC/HSN, extra tax extensions, { plan: rupees } */
const STARTER: [string, string, string, Extension[], Record<string, number>][] = [
  ['consultation', 'OPD consultation', '999312', [], { general: 500, staff: 250, corporate: 450 }],
  ['consultation-follow-up', 'Follow-up consultation (within 7 days)', '999312', [], { general: 200, staff: 0 }],
  ['registration', 'Registration', '999312', [], { general: 100, staff: 0 }],
  ['26604007', 'Complete blood count', '999316', [], { general: 350, staff: 175 }],
  ['16254007', 'Lipid panel', '999316', [], { general: 800, staff: 400 }],
  ['43396009', 'HbA1c', '999316', [], { general: 550 }],
  [
    'bed-day-general',
    'General ward bed-day',
    '999311',
    [{ url: `${HOPS}/StructureDefinition/tax-category`, valueCode: 'room-rent' }],
    { general: 1800 },
  ],
  [
    'bed-day-private',
    'Private room bed-day',
    '999311',
    [{ url: `${HOPS}/StructureDefinition/tax-category`, valueCode: 'room-rent' }],
    { general: 6000 },
  ],
  [
    'bed-day-icu',
    'ICU bed-day',
    '999311',
    [
      { url: `${HOPS}/StructureDefinition/tax-category`, valueCode: 'room-rent' },
      { url: `${HOPS}/StructureDefinition/icu`, valueBoolean: true },
    ],
    { general: 9000 },
  ],
];

/**
 * Doctors with a consultation fee of their own (docs/billing.md, "Consultation fees per doctor"):
 * branch id -> [Practitioner id, title, { plan: rupees }]. The url is the branch's consultation
 * url plus `/Practitioner/<id>`; the bot prefers it to the branch's fee for that doctor.
 */
const DOCTOR_FEES: Record<string, [string, string, Record<string, number>][]> = {
  'demo-branch-pune': [['demo-dr-anand-joshi', 'OPD consultation, Dr. Anand Joshi (senior physician)', { general: 800, staff: 400 }]],
};

export function demoTariff(branchId: string): { slug: string; resource: ChargeItemDefinition }[] {
  const own: typeof STARTER = (DOCTOR_FEES[branchId] ?? []).map(([practitioner, title, plans]) => [
    `consultation/Practitioner/${practitioner}`,
    title,
    '999312',
    // The url names the doctor; the seed's references must point into its own bundle, so no tariff-practitioner extension here.
    [],
    plans,
  ]);
  return [...STARTER, ...own].map(([code, title, sac, extra, plans]) => ({
    slug: `${branchId.replace(/^demo-/, '')}-tariff-${code.replace('/Practitioner/demo-', '-')}`,
    resource: {
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
    },
  }));
}
