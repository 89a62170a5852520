import { prng } from '@hospital-ops/seed';
import type { Resource } from '@medplum/fhirtypes';

/** Seeded generators for the differential search test: varied resources and queries over them. */

const FAMILIES = ['Sharma', 'Shah', 'Shaikh', 'Patil', 'Iyer', 'Iyengar', 'Nair', 'Naik', 'Reddy', 'Rao', 'Rathore', 'Das', 'Desai'];
const GIVENS = ['Asha', 'Ashok', 'Anil', 'Anita', 'Ravi', 'Rekha', 'Sunil', 'Sunita', 'Priya', 'Kiran', 'Meera', 'Mohan'];
const CITIES = ['Pune', 'Mumbai', 'Jaipur', 'Chennai', 'Kochi'];
const CODES = [
  ['http://loinc.org', '8867-4'],
  ['http://loinc.org', '8310-5'],
  ['http://loinc.org', '29463-7'],
  ['http://snomed.info/sct', '38341003'],
];
const STATUSES = ['final', 'preliminary', 'amended', 'cancelled'];

export function generateResources(seed: number, patients: number): Resource[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const out: Resource[] = [];
  for (let i = 0; i < patients; i++) {
    const pid = `p${i}`;
    // Full dates only: partial dates are where MemoryRepository's range arithmetic differs (docs/search.md).
    const birthDate = `${1940 + Math.floor(rand() * 80)}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 10)}`;
    out.push({
      resourceType: 'Patient',
      id: pid,
      active: rand() < 0.8,
      gender: pick(['male', 'female', 'other', 'unknown'] as const),
      ...(rand() < 0.95 ? { birthDate } : {}),
      name: [{ family: pick(FAMILIES), given: [pick(GIVENS), ...(rand() < 0.3 ? [pick(GIVENS)] : [])] }],
      ...(rand() < 0.9 ? { telecom: [{ system: 'phone', value: `+9198${String(Math.floor(rand() * 1e8)).padStart(8, '0')}` }] } : {}),
      identifier: [{ system: 'urn:mrn', value: `MRN-${i % 600}` }],
      ...(rand() < 0.7 ? { address: [{ city: pick(CITIES), postalCode: `4110${Math.floor(rand() * 90) + 10}` }] } : {}),
    } as Resource);
    const observations = Math.floor(rand() * 3);
    for (let j = 0; j < observations; j++) {
      const [system, code] = pick(CODES);
      const day = 1 + Math.floor(rand() * 28);
      const hour = Math.floor(rand() * 24);
      out.push({
        resourceType: 'Observation',
        id: `o${i}-${j}`,
        status: pick(STATUSES),
        code: { coding: [{ system, code }] },
        subject: { reference: `Patient/${pid}` },
        effectiveDateTime: `2024-0${1 + Math.floor(rand() * 9)}-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:30:00Z`,
        ...(rand() < 0.85
          ? {
              valueQuantity: {
                value: Math.round(rand() * 2000) / 10,
                unit: 'u',
                system: 'http://unitsofmeasure.org',
                code: pick(['/min', 'Cel', 'kg']),
              },
            }
          : {}),
      } as Resource);
    }
  }
  return out;
}

/**
 * Each query is [what MemoryRepository is asked, what we are asked]: they differ only where
 * MemoryRepository's default string match is "contains", which we ask for with :contains.
 */
export function generateQueries(seed: number, n: number): [string, string][] {
  const rand = prng(seed + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  // No 'ne': MemoryRepository counts a resource without the element as "not equal"; we do not (docs/search.md).
  const prefix = () => pick(['', 'eq', 'gt', 'lt', 'ge', 'le']);
  const contains = (param: string, value: string): [string, string] => [`Patient?${param}=${value}`, `Patient?${param}:contains=${value}`];
  const same = (q: string): [string, string] => [q, q];
  const makers: (() => [string, string])[] = [
    () => contains('family', pick(FAMILIES).slice(0, 1 + Math.floor(rand() * 4))),
    () =>
      contains(
        'given',
        pick(GIVENS)
          .toLowerCase()
          .slice(1, 2 + Math.floor(rand() * 3)),
      ),
    () => contains('name', pick([...FAMILIES, ...GIVENS]).slice(0, 3)),
    () => contains('address-city', pick(CITIES).slice(1, 4).toLowerCase()),
  ];
  const plain: (() => string)[] = [
    () => `Patient?family:exact=${pick(FAMILIES)}`,
    () => `Patient?gender=${pick(['male', 'female', 'other', 'unknown'])}`,
    () => `Patient?gender:not=${pick(['male', 'female'])}`,
    () => `Patient?gender=${pick(['male', 'female'])},${pick(['other', 'unknown'])}`,
    () => `Patient?active=${pick(['true', 'false'])}`,
    () => `Patient?birthdate=${prefix()}${1940 + Math.floor(rand() * 80)}`,
    () => `Patient?birthdate=${prefix()}${1940 + Math.floor(rand() * 80)}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 10)}`,
    () => `Patient?birthdate=ge${1950 + Math.floor(rand() * 30)}&birthdate=lt${1980 + Math.floor(rand() * 30)}`,
    () => `Patient?identifier=urn:mrn|MRN-${Math.floor(rand() * 650)}`,
    () => `Patient?identifier=MRN-${Math.floor(rand() * 650)}`,
    () => `Patient?address-city=${pick(CITIES).toLowerCase()}`,
    () => `Patient?gender=${pick(['male', 'female'])}&address-city=${pick(CITIES)}`,
    () => `Observation?code=${pick(CODES).join('|')}`,
    () => `Observation?code=${pick(CODES)[1]}`,
    () => `Observation?status=${pick(STATUSES)}`,
    () => `Observation?status:not=${pick(STATUSES)}`,
    () => `Observation?subject=Patient/p${Math.floor(rand() * 700)}`,
    () => `Observation?date=${prefix()}2024-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}`,
    () => `Observation?date=${pick(['gt', 'lt', 'ge', 'le'])}2024-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 9)}T12:00:00Z`,
    () => `Observation?status=${pick(STATUSES)}&date=ge2024-0${1 + Math.floor(rand() * 9)}-01`,
    () => `Patient?_id=p${Math.floor(rand() * 700)},p${Math.floor(rand() * 700)}`,
  ];
  for (const q of plain) makers.push(() => same(q()));
  return Array.from({ length: n }, () => pick(makers)());
}
