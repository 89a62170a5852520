import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

/** The demo tenant: a hospital chain with two branches, its doctors and some patients. */
export const DEMO_TENANT_NAME = 'Sanjeevani Hospitals';
/** Identifier system for the demo's own business identifiers. */
export const DEMO_ID_SYSTEM = 'https://hospital-ops.in/fhir/sid/demo';
export const ABHA_NUMBER_SYSTEM = 'https://healthid.ndhm.gov.in';
export const ABHA_ADDRESS_SYSTEM = 'https://healthid.ndhm.gov.in/health-id';
const REGISTRATION_SYSTEM = 'https://doctor.ndhm.gov.in';
const SNOMED = 'http://snomed.info/sct';

const urn = (n: number) => `urn:uuid:5a0e6c2e-0d1b-4c6a-8f3e-${n.toString(16).padStart(12, '0')}`;
const demoId = (slug: string) => ({ system: DEMO_ID_SYSTEM, value: slug });

/** The demo's fixed resource id for a slug: PUT with it is idempotent (an unchanged PUT writes nothing). */
export const demoResourceId = (slug: string) => `demo-${slug}`;

function entry(n: number, slug: string, resource: Resource & { identifier?: unknown[] }): BundleEntry {
  const id = demoResourceId(slug);
  return {
    fullUrl: urn(n),
    resource: { ...resource, id, identifier: [demoId(slug), ...(resource.identifier ?? [])] } as Resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${id}` },
  };
}

const branches = [
  {
    slug: 'branch-pune',
    name: 'Sanjeevani Hospital, Pune',
    line: '12 Prabhat Road, Erandwane',
    city: 'Pune',
    district: 'Pune',
    state: 'Maharashtra',
    pin: '411004',
    phone: '+912025671234',
  },
  {
    slug: 'branch-jaipur',
    name: 'Sanjeevani Hospital, Jaipur',
    line: '45 MI Road',
    city: 'Jaipur',
    district: 'Jaipur',
    state: 'Rajasthan',
    pin: '302001',
    phone: '+911412367890',
  },
];

const doctors = [
  {
    slug: 'dr-anand-joshi',
    family: 'Joshi',
    given: 'Anand',
    gender: 'male',
    reg: 'MMC-2009-45871',
    branch: 0,
    specialty: ['394802001', 'General medicine'],
    phone: '+919822012345',
  },
  {
    slug: 'dr-kavita-deshpande',
    family: 'Deshpande',
    given: 'Kavita',
    gender: 'female',
    reg: 'MMC-2012-61234',
    branch: 0,
    specialty: ['394537008', 'Paediatric specialty'],
    phone: '+919823098765',
  },
  {
    slug: 'dr-farhan-qureshi',
    family: 'Qureshi',
    given: 'Farhan',
    gender: 'male',
    reg: 'MMC-2015-70112',
    branch: 0,
    specialty: ['394585009', 'Obstetrics and gynecology'],
    phone: '+919860011223',
  },
  {
    slug: 'dr-meenakshi-rathore',
    family: 'Rathore',
    given: 'Meenakshi',
    gender: 'female',
    reg: 'RMC-2011-33456',
    branch: 1,
    specialty: ['394802001', 'General medicine'],
    phone: '+919829045678',
  },
  {
    slug: 'dr-vikram-shekhawat',
    family: 'Shekhawat',
    given: 'Vikram',
    gender: 'male',
    reg: 'RMC-2016-41290',
    branch: 1,
    specialty: ['394537008', 'Paediatric specialty'],
    phone: '+919414056789',
  },
];

const patients = [
  {
    slug: 'pt-priya-kulkarni',
    family: 'Kulkarni',
    given: 'Priya',
    gender: 'female',
    birth: '1990-05-14',
    phone: '+919876543210',
    branch: 0,
    lang: 'mr',
    abha: '91-1234-5678-9012',
    address: 'priya.kulkarni@sbx',
  },
  {
    slug: 'pt-rajesh-patil',
    family: 'Patil',
    given: 'Rajesh',
    gender: 'male',
    birth: '1978-11-02',
    phone: '+919823456701',
    branch: 0,
    lang: 'mr',
  },
  {
    slug: 'pt-sunita-sharma',
    family: 'Sharma',
    given: 'Sunita',
    gender: 'female',
    birth: '1965-01-26',
    phone: '+918806543219',
    branch: 0,
    lang: 'hi',
    abha: '91-4567-8901-2345',
    address: 'sunita.sharma@sbx',
  },
  {
    slug: 'pt-arjun-iyer',
    family: 'Iyer',
    given: 'Arjun',
    gender: 'male',
    birth: '2016-08-19',
    phone: '+917045678123',
    branch: 0,
    lang: 'ta',
  },
  {
    slug: 'pt-fatima-shaikh',
    family: 'Shaikh',
    given: 'Fatima',
    gender: 'female',
    birth: '1995-03-08',
    phone: '+919158765432',
    branch: 0,
    lang: 'hi',
  },
  {
    slug: 'pt-ramesh-meena',
    family: 'Meena',
    given: 'Ramesh',
    gender: 'male',
    birth: '1982-07-30',
    phone: '+919414123456',
    branch: 1,
    lang: 'hi',
    abha: '91-7890-1234-5678',
    address: 'ramesh.meena@sbx',
  },
  {
    slug: 'pt-kamla-choudhary',
    family: 'Choudhary',
    given: 'Kamla',
    gender: 'female',
    birth: '1958-12-12',
    phone: '+919785012345',
    branch: 1,
    lang: 'hi',
  },
  {
    slug: 'pt-aditya-singh',
    family: 'Singh',
    given: 'Aditya',
    gender: 'male',
    birth: '2001-04-05',
    phone: '+918290123456',
    branch: 1,
    lang: 'en-IN',
  },
  {
    slug: 'pt-lakshmi-nair',
    family: 'Nair',
    given: 'Lakshmi',
    gender: 'female',
    birth: '1973-09-21',
    phone: '+919602345678',
    branch: 1,
    lang: 'en-IN',
    abha: '91-2345-6789-0123',
    address: 'lakshmi.nair@sbx',
  },
  {
    slug: 'pt-mohan-agarwal',
    family: 'Agarwal',
    given: 'Mohan',
    gender: 'male',
    birth: '1949-02-17',
    phone: '+919460987654',
    branch: 1,
    lang: 'hi',
  },
];

/**
 * The demo tenant as one FHIR transaction Bundle. Deterministic, and every entry is a PUT to a fixed
 * id, so posting it twice creates nothing the second time.
 */
export function demoTenantBundle(): Bundle {
  const entries: BundleEntry[] = [];
  const chain = 1;
  entries.push(
    entry(chain, 'chain', {
      resourceType: 'Organization',
      active: true,
      name: DEMO_TENANT_NAME,
      type: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] },
      ],
      telecom: [
        { system: 'phone', value: '+912025670000', use: 'work' },
        { system: 'email', value: 'contact@sanjeevani.example.in' },
      ],
      address: [
        { line: ['12 Prabhat Road, Erandwane'], city: 'Pune', district: 'Pune', state: 'Maharashtra', postalCode: '411004', country: 'IN' },
      ],
    }),
  );
  branches.forEach((b, i) => {
    const address = [{ line: [b.line], city: b.city, district: b.district, state: b.state, postalCode: b.pin, country: 'IN' }];
    entries.push(
      entry(10 + i, b.slug, {
        resourceType: 'Organization',
        active: true,
        name: b.name,
        type: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }] },
        ],
        partOf: { reference: urn(chain), display: DEMO_TENANT_NAME },
        telecom: [{ system: 'phone', value: b.phone, use: 'work' }],
        address,
      }),
      entry(20 + i, `${b.slug}-building`, {
        resourceType: 'Location',
        status: 'active',
        name: `${b.name} - main building`,
        mode: 'instance',
        physicalType: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/location-physical-type', code: 'bu', display: 'Building' }],
        },
        address: address[0],
        managingOrganization: { reference: urn(10 + i) },
      }),
    );
  });
  doctors.forEach((d, i) => {
    entries.push(
      entry(100 + i, d.slug, {
        resourceType: 'Practitioner',
        active: true,
        identifier: [{ system: REGISTRATION_SYSTEM, value: d.reg }],
        name: [{ use: 'official', prefix: ['Dr.'], family: d.family, given: [d.given], text: `Dr. ${d.given} ${d.family}` }],
        gender: d.gender as 'male' | 'female',
        telecom: [{ system: 'phone', value: d.phone, use: 'mobile' }],
        qualification: [{ code: { text: 'MBBS, MD' } }],
      }),
      entry(200 + i, `${d.slug}-role`, {
        resourceType: 'PractitionerRole',
        active: true,
        practitioner: { reference: urn(100 + i) },
        organization: { reference: urn(10 + d.branch) },
        location: [{ reference: urn(20 + d.branch) }],
        code: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor', display: 'Doctor' }] }],
        specialty: [{ coding: [{ system: SNOMED, code: d.specialty[0], display: d.specialty[1] }] }],
      }),
    );
  });
  patients.forEach((p, i) => {
    const b = branches[p.branch];
    const identifier = p.abha
      ? [
          {
            type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }], text: 'ABHA number' },
            system: ABHA_NUMBER_SYSTEM,
            value: p.abha,
          },
          { type: { text: 'ABHA address' }, system: ABHA_ADDRESS_SYSTEM, value: p.address as string },
        ]
      : [];
    entries.push(
      entry(300 + i, p.slug, {
        resourceType: 'Patient',
        active: true,
        identifier,
        name: [{ use: 'official', family: p.family, given: [p.given], text: `${p.given} ${p.family}` }],
        gender: p.gender as 'male' | 'female',
        birthDate: p.birth,
        telecom: [{ system: 'phone', value: p.phone, use: 'mobile' }],
        address: [{ use: 'home', city: b.city, district: b.district, state: b.state, postalCode: b.pin, country: 'IN' }],
        communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: p.lang }] }, preferred: true }],
        managingOrganization: { reference: urn(10 + p.branch) },
      }),
    );
  });
  return { resourceType: 'Bundle', type: 'transaction', entry: entries };
}
