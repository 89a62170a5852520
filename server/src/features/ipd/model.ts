import type { CodeableConcept, Coding, Extension, Location } from '@medplum/fhirtypes';
import { HOPS } from '../opd/fhir.ts';

/**
 * How IPD models wards and beds (docs/ipd.md): Locations branch -> ward (wa) -> room (ro) -> bed (bd),
 * the bed's status in operationalStatus from HL7 v2 table 0116. The class sits in `type` under the
 * ward-class system billing reads for bed-day tariffs (on the bed, or on its ward).
 */
export const PHYSICAL_TYPE = 'http://terminology.hl7.org/CodeSystem/location-physical-type';
export const BED_STATUS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0116';
export const WARD_CLASS_SYSTEM = `${HOPS}/CodeSystem/ward-class`;
export const BED_TAG_SYSTEM = `${HOPS}/CodeSystem/bed-tag`;
export const BED_POSITION_URL = `${HOPS}/StructureDefinition/bed-position`;
export const EXPECTED_STAY_URL = `${HOPS}/StructureDefinition/expected-length-of-stay`;
export const ADMIT_SOURCE = 'http://terminology.hl7.org/CodeSystem/admit-source';
export const DISCHARGE_DISPOSITION = 'http://terminology.hl7.org/CodeSystem/discharge-disposition';

export const BED_CLASSES = ['general', 'semi-private', 'private', 'icu'] as const;
export type BedClass = (typeof BED_CLASSES)[number];

export const BED_STATUS = {
  O: 'Occupied',
  U: 'Unoccupied',
  H: 'Housekeeping',
  C: 'Closed',
  I: 'Isolated',
  K: 'Contaminated',
} as const;
export type BedStatus = keyof typeof BED_STATUS;

export const isBedStatus = (code: string | undefined): code is BedStatus => !!code && code in BED_STATUS;

export function bedStatusCoding(code: BedStatus): Coding {
  return { system: BED_STATUS_SYSTEM, code, display: BED_STATUS[code] };
}

export const physicalTypeOf = (l: Location): string | undefined => l.physicalType?.coding?.find((c) => c.system === PHYSICAL_TYPE)?.code;

export const statusOf = (l: Location): BedStatus | undefined => {
  const code = l.operationalStatus?.system === BED_STATUS_SYSTEM ? l.operationalStatus.code : undefined;
  return isBedStatus(code) ? code : undefined;
};

const codesOf = (types: CodeableConcept[] | undefined, system: string): string[] =>
  (types ?? [])
    .flatMap((t) => t.coding ?? [])
    .filter((c) => c.system === system && c.code)
    .map((c) => c.code as string);

export const ownClassOf = (l: Location): string | undefined => codesOf(l.type, WARD_CLASS_SYSTEM)[0];
export const tagsOf = (l: Location): string[] => codesOf(l.type, BED_TAG_SYSTEM);

export function positionOf(l: Location): { row: number; column: number } | undefined {
  const ext = l.extension?.find((e) => e.url === BED_POSITION_URL);
  const row = ext?.extension?.find((e) => e.url === 'row')?.valueInteger;
  const column = ext?.extension?.find((e) => e.url === 'column')?.valueInteger;
  return row !== undefined && column !== undefined ? { row, column } : undefined;
}

export function positionExtension(row: number, column: number): Extension {
  return {
    url: BED_POSITION_URL,
    extension: [
      { url: 'row', valueInteger: row },
      { url: 'column', valueInteger: column },
    ],
  };
}

const physical = (code: string, display: string): CodeableConcept => ({ coding: [{ system: PHYSICAL_TYPE, code, display }] });

/** A ward under a branch: its class is the default for its beds. */
export function wardLocation(branchId: string, name: string, bedClass: BedClass): Location {
  return {
    resourceType: 'Location',
    status: 'active',
    name,
    mode: 'instance',
    physicalType: physical('wa', 'Ward'),
    type: [{ coding: [{ system: WARD_CLASS_SYSTEM, code: bedClass, display: bedClass }] }],
    managingOrganization: { reference: `Organization/${branchId}` },
  };
}

export function roomLocation(branchId: string, wardId: string, name: string): Location {
  return {
    resourceType: 'Location',
    status: 'active',
    name,
    mode: 'instance',
    physicalType: physical('ro', 'Room'),
    partOf: { reference: `Location/${wardId}` },
    managingOrganization: { reference: `Organization/${branchId}` },
  };
}

export function bedLocation(
  branchId: string,
  parentId: string,
  name: string,
  opts: { bedClass?: BedClass; tags?: string[]; row?: number; column?: number; status?: BedStatus } = {},
): Location {
  const type: CodeableConcept[] = [];
  if (opts.bedClass) type.push({ coding: [{ system: WARD_CLASS_SYSTEM, code: opts.bedClass, display: opts.bedClass }] });
  for (const tag of opts.tags ?? []) type.push({ coding: [{ system: BED_TAG_SYSTEM, code: tag, display: tag }] });
  return {
    resourceType: 'Location',
    status: 'active',
    name,
    mode: 'instance',
    physicalType: physical('bd', 'Bed'),
    operationalStatus: bedStatusCoding(opts.status ?? 'U'),
    ...(type.length ? { type } : {}),
    ...(opts.row !== undefined && opts.column !== undefined ? { extension: [positionExtension(opts.row, opts.column)] } : {}),
    partOf: { reference: `Location/${parentId}` },
    managingOrganization: { reference: `Organization/${branchId}` },
  };
}
