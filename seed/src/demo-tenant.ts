import type { Bundle, BundleEntry, Identifier, Resource } from '@medplum/fhirtypes';
import { branchBilling, demoTariff } from './demo-tariff.ts';

/** The demo tenant: a hospital chain with two branches, its doctors and some patients. */
/** The chain's slug: its Organization is `Organization/demo-sanjeevani-hospitals`. */
export const DEMO_CHAIN_SLUG = 'sanjeevani-hospitals';
export const DEMO_TENANT_NAME = 'Sanjeevani Hospitals';
/** Identifier system for the demo's own business identifiers; every demo resource has one. */
export const DEMO_ID_SYSTEM = 'https://hospital-ops.in/fhir/sid/demo';
export const ABHA_NUMBER_SYSTEM = 'https://healthid.ndhm.gov.in';
export const ABHA_ADDRESS_SYSTEM = 'https://healthid.ndhm.gov.in/health-id';
/**
 * The UHID: the medical record number the branch where the patient registered issued, `<branch
 * prefix>-<six characters>` (SH-PUN-001001). One system for every tenant (row-level security keeps
 * tenants apart), the same the OPD app writes.
 */
export const UHID_SYSTEM = 'https://hospital-ops.in/fhir/sid/uhid';
/** The Healthcare Professionals Registry namespace, which the ABDM IG's examples pair with the v2-0203 MD type. */
const REGISTRATION_SYSTEM = 'https://doctor.ndhm.gov.in';
const SNOMED = 'http://snomed.info/sct';

// Identifier types, from the ABDM IG 6.5.0 ValueSet ndhm-identifier-type-code (the NRCeS codes and HL7 v2 table 0203).
const V2_0203 = 'http://terminology.hl7.org/CodeSystem/v2-0203';
const NDHM_IDENTIFIER_TYPE = 'https://nrces.in/ndhm/fhir/r4/CodeSystem/ndhm-identifier-type-code';
/** The demo's slug: an identifier of the resource itself, not of the person or organization it is about. */
const RESOURCE_IDENTIFIER = { coding: [{ system: V2_0203, code: 'RI', display: 'Resource identifier' }] };
const MEDICAL_RECORD_NUMBER = { coding: [{ system: V2_0203, code: 'MR', display: 'Medical record number' }], text: 'UHID' };
const MEDICAL_LICENSE_NUMBER = {
  coding: [{ system: V2_0203, code: 'MD', display: 'Medical License number' }],
  text: 'Medical council registration',
};
/** The 14-digit ABHA number: the IG's "Health ID issued by NDHM" ("a 14 digit number"). */
const ABHA_NUMBER_TYPE = {
  coding: [{ system: NDHM_IDENTIFIER_TYPE, code: 'HIN', display: 'Health ID issued by NDHM' }],
  text: 'ABHA number',
};
/** The ABHA address (name@abdm): the IG's ABHA code, defined as the self-declared username. */
const ABHA_ADDRESS_TYPE = {
  coding: [{ system: NDHM_IDENTIFIER_TYPE, code: 'ABHA', display: 'Ayushman Bharat Health Account (ABHA) ID' }],
  text: 'ABHA address',
};
const PROVIDER = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }],
};

const urn = (n: number) => `urn:uuid:5a0e6c2e-0d1b-4c6a-8f3e-${n.toString(16).padStart(12, '0')}`;

/** The demo's fixed resource id for a slug. */
export const demoResourceId = (slug: string) => `demo-${slug}`;

/** How a pharmacy store is typed (HL7 v3 ServiceDeliveryLocationRoleType PHARM): the Pharmacy app lists these Locations. */
export const PHARMACY_TYPE = { system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'PHARM' } as const;

/**
 * A PUT to a fixed id (the server creates it on first load; an unchanged PUT writes nothing), and
 * the slug as a business identifier too. Not a conditional create: @medplum/fhir-router allows a
 * transaction with conditional entries at most 8 entries (and any transaction at most 50 updates).
 */
function entry(n: number, slug: string, resource: Resource & { identifier?: Identifier[] }): BundleEntry {
  const id = demoResourceId(slug);
  return {
    fullUrl: urn(n),
    resource: {
      ...resource,
      id,
      identifier: [{ type: RESOURCE_IDENTIFIER, system: DEMO_ID_SYSTEM, value: slug }, ...(resource.identifier ?? [])],
    } as Resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${id}` },
  };
}

type Place = { line: string; city: string; district: string; state: string; pin: string };
const address = (p: Place) => ({ line: [p.line], city: p.city, district: p.district, state: p.state, postalCode: p.pin, country: 'IN' });

const branches: { slug: string; code: string; name: string; phone: string; council: string; place: Place }[] = [
  {
    slug: 'branch-pune',
    code: 'PUN',
    name: 'Sanjeevani Hospital, Pune',
    phone: '+912025671234',
    council: 'Maharashtra Medical Council',
    place: { line: '12 Prabhat Road, Erandwane', city: 'Pune', district: 'Pune', state: 'Maharashtra', pin: '411004' },
  },
  {
    slug: 'branch-jaipur',
    code: 'JAI',
    name: 'Sanjeevani Hospital, Jaipur',
    phone: '+911412367890',
    council: 'Rajasthan Medical Council',
    place: { line: '45 MI Road', city: 'Jaipur', district: 'Jaipur', state: 'Rajasthan', pin: '302001' },
  },
];

const GENERAL_MEDICINE = { code: '394802001', display: 'General medicine', degree: 'MD (General Medicine)' };
const PAEDIATRICS = { code: '394537008', display: 'Paediatric specialty', degree: 'MD (Paediatrics)' };
const OBSTETRICS = { code: '394585009', display: 'Obstetrics and gynecology', degree: 'MS (Obstetrics and Gynaecology)' };

// Registration numbers are state medical council style (MMC: Maharashtra, RMC: Rajasthan).
const doctors: {
  slug: string;
  given: string;
  family: string;
  gender: 'male' | 'female';
  reg: string;
  branch: number;
  phone: string;
  specialty: typeof PAEDIATRICS;
}[] = [
  {
    slug: 'dr-anand-joshi',
    given: 'Anand',
    family: 'Joshi',
    gender: 'male',
    reg: 'MMC-2009-45871',
    branch: 0,
    phone: '+919822012345',
    specialty: GENERAL_MEDICINE,
  },
  {
    slug: 'dr-kavita-deshpande',
    given: 'Kavita',
    family: 'Deshpande',
    gender: 'female',
    reg: 'MMC-2012-61234',
    branch: 0,
    phone: '+919823098765',
    specialty: PAEDIATRICS,
  },
  {
    slug: 'dr-farhan-qureshi',
    given: 'Farhan',
    family: 'Qureshi',
    gender: 'male',
    reg: 'MMC-2015-70112',
    branch: 0,
    phone: '+919860011223',
    specialty: OBSTETRICS,
  },
  {
    slug: 'dr-meenakshi-rathore',
    given: 'Meenakshi',
    family: 'Rathore',
    gender: 'female',
    reg: 'RMC-2011-33456',
    branch: 1,
    phone: '+919829045678',
    specialty: GENERAL_MEDICINE,
  },
  {
    slug: 'dr-vikram-shekhawat',
    given: 'Vikram',
    family: 'Shekhawat',
    gender: 'male',
    reg: 'RMC-2016-41290',
    branch: 1,
    phone: '+919414056789',
    specialty: PAEDIATRICS,
  },
];

const LANGUAGES: Record<string, string> = { hi: 'Hindi', mr: 'Marathi', ta: 'Tamil', 'en-IN': 'English (India)' };

const patients: {
  slug: string;
  given: string;
  family: string;
  gender: 'male' | 'female';
  birth: string;
  phone: string;
  lang: string;
  branch: number;
  home: Place;
  abha?: [number: string, address: string];
}[] = [
  {
    slug: 'pt-priya-kulkarni',
    given: 'Priya',
    family: 'Kulkarni',
    gender: 'female',
    birth: '1990-05-14',
    phone: '+919876543210',
    lang: 'mr',
    branch: 0,
    home: { line: '7 Karve Road, Kothrud', city: 'Pune', district: 'Pune', state: 'Maharashtra', pin: '411038' },
    abha: ['91-1234-5678-9012', 'priya.kulkarni@sbx'],
  },
  {
    slug: 'pt-rajesh-patil',
    given: 'Rajesh',
    family: 'Patil',
    gender: 'male',
    birth: '1978-11-02',
    phone: '+919823456701',
    lang: 'mr',
    branch: 0,
    home: { line: '21 Magarpatta Road, Hadapsar', city: 'Pune', district: 'Pune', state: 'Maharashtra', pin: '411028' },
  },
  {
    slug: 'pt-sunita-sharma',
    given: 'Sunita',
    family: 'Sharma',
    gender: 'female',
    birth: '1965-01-26',
    phone: '+918806543219',
    lang: 'hi',
    branch: 0,
    home: { line: '3 ITI Road, Aundh', city: 'Pune', district: 'Pune', state: 'Maharashtra', pin: '411007' },
    abha: ['91-4567-8901-2345', 'sunita.sharma@abdm'],
  },
  {
    slug: 'pt-arjun-iyer',
    given: 'Arjun',
    family: 'Iyer',
    gender: 'male',
    birth: '2016-08-19',
    phone: '+917045678123',
    lang: 'ta',
    branch: 0,
    home: { line: '14 Model Colony, Shivajinagar', city: 'Pune', district: 'Pune', state: 'Maharashtra', pin: '411005' },
  },
  {
    slug: 'pt-fatima-shaikh',
    given: 'Fatima',
    family: 'Shaikh',
    gender: 'female',
    birth: '1995-03-08',
    phone: '+919158765432',
    lang: 'hi',
    branch: 0,
    home: { line: '9 Link Road, Pimpri', city: 'Pimpri-Chinchwad', district: 'Pune', state: 'Maharashtra', pin: '411018' },
  },
  {
    slug: 'pt-ramesh-meena',
    given: 'Ramesh',
    family: 'Meena',
    gender: 'male',
    birth: '1982-07-30',
    phone: '+919414123456',
    lang: 'hi',
    branch: 1,
    home: { line: '56 Tonk Road, Sanganer', city: 'Jaipur', district: 'Jaipur', state: 'Rajasthan', pin: '302029' },
    abha: ['91-7890-1234-5678', 'ramesh.meena@abdm'],
  },
  {
    slug: 'pt-kamla-choudhary',
    given: 'Kamla',
    family: 'Choudhary',
    gender: 'female',
    birth: '1958-12-12',
    phone: '+919785012345',
    lang: 'hi',
    branch: 1,
    home: { line: '112 Shipra Path, Mansarovar', city: 'Jaipur', district: 'Jaipur', state: 'Rajasthan', pin: '302020' },
  },
  {
    slug: 'pt-aditya-singh',
    given: 'Aditya',
    family: 'Singh',
    gender: 'male',
    birth: '2001-04-05',
    phone: '+918290123456',
    lang: 'en-IN',
    branch: 1,
    home: { line: '8 JLN Marg, Malviya Nagar', city: 'Jaipur', district: 'Jaipur', state: 'Rajasthan', pin: '302017' },
  },
  {
    slug: 'pt-lakshmi-nair',
    given: 'Lakshmi',
    family: 'Nair',
    gender: 'female',
    birth: '1973-09-21',
    phone: '+919602345678',
    lang: 'en-IN',
    branch: 1,
    home: { line: '30 Gandhi Path, Vaishali Nagar', city: 'Jaipur', district: 'Jaipur', state: 'Rajasthan', pin: '302021' },
    abha: ['91-2345-6789-0123', 'lakshmi.nair@sbx'],
  },
  {
    slug: 'pt-mohan-agarwal',
    given: 'Mohan',
    family: 'Agarwal',
    gender: 'male',
    birth: '1949-02-17',
    phone: '+919460987654',
    lang: 'hi',
    branch: 1,
    home: { line: '5 Station Road', city: 'Ajmer', district: 'Ajmer', state: 'Rajasthan', pin: '305001' },
  },
];

/**
 * The demo tenant as one FHIR transaction Bundle of PUTs to fixed ids, referring to each other by
 * fixed urn:uuid fullUrls. Deterministic, so loading it again changes nothing.
 */
export function demoTenantBundle(): Bundle {
  const CHAIN = 1;
  const branchUrn = (i: number) => urn(10 + i);
  const buildingUrn = (i: number) => urn(20 + i);
  const entries: BundleEntry[] = [
    entry(CHAIN, DEMO_CHAIN_SLUG, {
      resourceType: 'Organization',
      active: true,
      name: DEMO_TENANT_NAME,
      type: [PROVIDER],
      telecom: [
        { system: 'phone', value: '+912025670000', use: 'work' },
        { system: 'email', value: 'contact@sanjeevani.example.in', use: 'work' },
      ],
      address: [address(branches[0].place)],
    }),
  ];
  branches.forEach((b, i) => {
    entries.push(
      entry(10 + i, b.slug, {
        resourceType: 'Organization',
        active: true,
        name: b.name,
        // The prefix of the UHIDs this branch issues (the OPD app reads it when registering).
        alias: [`SH-${b.code}`],
        type: [PROVIDER],
        partOf: { reference: urn(CHAIN), display: DEMO_TENANT_NAME },
        telecom: [{ system: 'phone', value: b.phone, use: 'work' }],
        address: [address(b.place)],
        ...branchBilling(b.code),
      }),
      entry(20 + i, `${b.slug}-building`, {
        resourceType: 'Location',
        status: 'active',
        name: `${b.name} - main building`,
        mode: 'instance',
        physicalType: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'bu', display: 'Building' }],
        },
        address: address(b.place),
        managingOrganization: { reference: branchUrn(i) },
      }),
      // The branch pharmacy's main store, where stock is received and dispensed (docs/pharmacy.md).
      entry(30 + i, `${b.slug}-pharmacy`, {
        resourceType: 'Location',
        status: 'active',
        name: `${b.name} - pharmacy`,
        mode: 'instance',
        type: [{ coding: [{ system: PHARMACY_TYPE.system, code: PHARMACY_TYPE.code, display: 'Pharmacy' }] }],
        physicalType: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'ro', display: 'Room' }],
        },
        managingOrganization: { reference: branchUrn(i) },
      }),
    );
  });
  doctors.forEach((d, i) => {
    const { code, display, degree } = d.specialty;
    entries.push(
      entry(100 + i, d.slug, {
        resourceType: 'Practitioner',
        active: true,
        identifier: [
          { type: MEDICAL_LICENSE_NUMBER, system: REGISTRATION_SYSTEM, value: d.reg, assigner: { display: branches[d.branch].council } },
        ],
        name: [{ use: 'official', prefix: ['Dr.'], family: d.family, given: [d.given], text: `Dr. ${d.given} ${d.family}` }],
        gender: d.gender,
        telecom: [{ system: 'phone', value: d.phone, use: 'mobile' }],
        qualification: [{ code: { text: 'MBBS' } }, { code: { text: degree } }],
      }),
      entry(200 + i, `${d.slug}-role`, {
        resourceType: 'PractitionerRole',
        active: true,
        practitioner: { reference: urn(100 + i) },
        organization: { reference: branchUrn(d.branch) },
        location: [{ reference: buildingUrn(d.branch) }],
        // The IG fixes PractitionerRole.code.coding.system to SNOMED CT (occupations): "Consultant", as in its
        // ndhm-care-team-role value set and its CoverageEligibilityRequest bundle example.
        code: [{ coding: [{ system: SNOMED, code: '768839008', display: 'Consultant' }] }],
        specialty: [{ coding: [{ system: SNOMED, code, display }], text: display }],
        // A typical Indian OPD day: a morning and an evening session, Monday to Saturday.
        availableTime: [
          { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], availableStartTime: '09:30:00', availableEndTime: '13:30:00' },
          { daysOfWeek: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], availableStartTime: '17:00:00', availableEndTime: '20:00:00' },
        ],
      }),
    );
  });
  patients.forEach((p, i) => {
    // ABHA: the 14-digit health account number and the user-chosen address (name@abdm, or @sbx in the sandbox).
    const abha = p.abha
      ? [
          { type: ABHA_NUMBER_TYPE, system: ABHA_NUMBER_SYSTEM, value: p.abha[0] },
          { type: ABHA_ADDRESS_TYPE, system: ABHA_ADDRESS_SYSTEM, value: p.abha[1] },
        ]
      : [];
    // The UHID the registration desk gave the patient at their branch.
    const uhid = {
      type: MEDICAL_RECORD_NUMBER,
      system: UHID_SYSTEM,
      value: `SH-${branches[p.branch].code}-${String(1001 + i).padStart(6, '0')}`,
    };
    entries.push(
      entry(300 + i, p.slug, {
        resourceType: 'Patient',
        active: true,
        identifier: [uhid, ...abha],
        name: [{ use: 'official', family: p.family, given: [p.given], text: `${p.given} ${p.family}` }],
        gender: p.gender,
        birthDate: p.birth,
        telecom: [{ system: 'phone', value: p.phone, use: 'mobile' }],
        address: [{ use: 'home', ...address(p.home) }],
        communication: [
          { language: { coding: [{ system: 'urn:ietf:bcp:47', code: p.lang, display: LANGUAGES[p.lang] }] }, preferred: true },
        ],
        managingOrganization: { reference: branchUrn(p.branch), display: branches[p.branch].name },
      }),
    );
  });
  branches.forEach((b, i) => {
    demoTariff(demoResourceId(b.slug)).forEach((t, k) => {
      entries.push(entry(900 + i * 50 + k, t.slug, t.resource));
    });
  });
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}

/** A demo sign-in: front desks, ward nurses, pharmacists and administrators per branch, every demo doctor and the Pune lab, for trying the apps. */
export interface DemoStaff {
  email: string;
  name: string;
  role: 'receptionist' | 'doctor' | 'nurse' | 'lab_tech' | 'pharmacist' | 'branch_admin';
  /** Organization ids of the branches the login works in. */
  branchIds: string[];
  /** The Practitioner the login is, for clinicians. */
  practitionerId?: string;
}

export function demoStaff(): DemoStaff[] {
  const desks: DemoStaff[] = branches.map((b) => ({
    email: `desk.${b.slug.replace('branch-', '')}@sanjeevani.demo`,
    name: `Front desk, ${b.name}`,
    role: 'receptionist',
    branchIds: [demoResourceId(b.slug)],
  }));
  const clinicians: DemoStaff[] = doctors.map((d) => ({
    email: `${d.slug.replace('dr-', '')}@sanjeevani.demo`,
    name: `Dr. ${d.given} ${d.family}`,
    role: 'doctor',
    branchIds: [demoResourceId(branches[d.branch].slug)],
    practitionerId: demoResourceId(d.slug),
  }));
  // The IPD app's night shift: bed board, transfers, beds made ready (admission and discharge are the doctor's).
  const nurses: DemoStaff[] = branches.map((b) => ({
    email: `nurse.${b.slug.replace('branch-', '')}@sanjeevani.demo`,
    name: `Ward nurse, ${b.name}`,
    role: 'nurse',
    branchIds: [demoResourceId(b.slug)],
  }));
  // Two in the Pune lab: results entered by one are verified by the other (docs/lab.md).
  const pune = [demoResourceId('branch-pune')];
  const lab: DemoStaff[] = [
    { email: 'lab.pune@sanjeevani.demo', name: 'Sunita Pawar (lab technician)', role: 'lab_tech', branchIds: pune },
    { email: 'lab2.pune@sanjeevani.demo', name: 'Rahul Deshmukh (lab technician)', role: 'lab_tech', branchIds: pune },
  ];
  // The Pharmacy app: each branch's pharmacist (dispensing, goods receipt, stock, alerts).
  const pharmacists: DemoStaff[] = branches.map((b) => ({
    email: `pharmacist.${b.slug.replace('branch-', '')}@sanjeevani.demo`,
    name: `Pharmacist, ${b.name}`,
    role: 'pharmacist',
    branchIds: [demoResourceId(b.slug)],
  }));
  // Each branch's administrator: sets up its wards and beds in the IPD app (docs/ipd.md).
  const admins: DemoStaff[] = branches.map((b) => ({
    email: `admin.${b.slug.replace('branch-', '')}@sanjeevani.demo`,
    name: `Administrator, ${b.name}`,
    role: 'branch_admin',
    branchIds: [demoResourceId(b.slug)],
  }));
  return [...desks, ...clinicians, ...nurses, ...lab, ...pharmacists, ...admins];
}
