import { bedLocation, roomLocation, wardLocation } from '../../src/features/ipd/model.ts';
import { branch, create, doctor, type Fhir } from '../opd/fixtures.ts';

/** An IPD directory: a branch with a general ward (a room of three beds) and an ICU of two beds. */
export interface Wards {
  branch: string;
  general: string;
  room: string;
  icu: string;
  beds: string[];
  icuBeds: string[];
}

export async function wards(fhir: Fhir, name = 'Sanjeevani Aundh', existingBranch?: string): Promise<Wards> {
  const branchId = existingBranch ?? (await create(fhir, branch(name)));
  const general = await create(fhir, wardLocation(branchId, 'General ward 3', 'general'));
  const room = await create(fhir, roomLocation(branchId, general, 'Room 301'));
  const beds: string[] = [];
  for (let i = 1; i <= 3; i++) {
    beds.push(await create(fhir, bedLocation(branchId, room, `GW3-${i}`, { row: 1, column: i, tags: i === 1 ? ['oxygen'] : [] })));
  }
  const icu = await create(fhir, wardLocation(branchId, 'Medical ICU', 'icu'));
  const icuBeds: string[] = [];
  for (let i = 1; i <= 2; i++) {
    icuBeds.push(await create(fhir, bedLocation(branchId, icu, `MICU-${i}`, { row: 1, column: i, tags: ['oxygen', 'isolation'] })));
  }
  return { branch: branchId, general, room, icu, beds, icuBeds };
}

export async function patient(fhir: Fhir, name: string): Promise<string> {
  const [given, family] = name.split(' ');
  return create(fhir, { resourceType: 'Patient', name: [{ text: name, given: [given], family }], gender: 'female' });
}

export const practitioner = (fhir: Fhir, name: string) => create(fhir, doctor(name));

export const ref = (reference: string) => ({ valueReference: { reference } });

export function admitParams(patientId: string, bedId: string, attendingId: string, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'patient', ...ref(`Patient/${patientId}`) },
      { name: 'bed', ...ref(`Location/${bedId}`) },
      { name: 'attending', ...ref(`Practitioner/${attendingId}`) },
      ...Object.entries(extra).map(([name, value]) => ({ name, ...(value as object) })),
    ],
  };
}

export const bedParams = (bedId: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Parameters',
  parameter: [
    { name: 'bed', ...ref(`Location/${bedId}`) },
    ...Object.entries(extra).map(([name, value]) => ({ name, ...(value as object) })),
  ],
});

export const status = async (fhir: Fhir, bedId: string) => (await fhir.get(`Location/${bedId}`)).body.operationalStatus?.code;
