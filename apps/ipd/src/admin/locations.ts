import type { CodeableConcept, Coding, Extension, Location } from '@medplum/fhirtypes';
import type { BedStatus } from '../board/board.ts';

/**
 * The Location shapes the admin screen writes through the FHIR API: the same as the server's
 * `wardLocation`, `roomLocation`, `bedLocation` (server/src/features/ipd/model.ts, docs/ipd.md),
 * which the board, the operations and billing's bed-day tariff read. locations.test.ts compares them.
 */
const HOPS = 'https://hospital-ops.in/fhir';
export const PHYSICAL_TYPE = 'http://terminology.hl7.org/CodeSystem/location-physical-type';
export const BED_STATUS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0116';
export const WARD_CLASS_SYSTEM = `${HOPS}/CodeSystem/ward-class`;
export const BED_TAG_SYSTEM = `${HOPS}/CodeSystem/bed-tag`;
export const BED_POSITION_URL = `${HOPS}/StructureDefinition/bed-position`;

export const BED_CLASSES = ['general', 'semi-private', 'private', 'icu'] as const;
export type BedClass = (typeof BED_CLASSES)[number];
export const BED_TAGS = ['oxygen', 'isolation', 'ventilator'] as const;

const STATUS_DISPLAY: Record<BedStatus, string> = {
  O: 'Occupied',
  U: 'Unoccupied',
  H: 'Housekeeping',
  C: 'Closed',
  I: 'Isolated',
  K: 'Contaminated',
};

export const bedStatusCoding = (code: BedStatus): Coding => ({ system: BED_STATUS_SYSTEM, code, display: STATUS_DISPLAY[code] });

const physical = (code: string, display: string): CodeableConcept => ({ coding: [{ system: PHYSICAL_TYPE, code, display }] });

export function positionExtension(row: number, column: number): Extension {
  return {
    url: BED_POSITION_URL,
    extension: [
      { url: 'row', valueInteger: row },
      { url: 'column', valueInteger: column },
    ],
  };
}

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

export interface BedOptions {
  bedClass?: BedClass;
  tags?: string[];
  row?: number;
  column?: number;
  status?: BedStatus;
}

/** The class and tag codings of a bed, in the server's order (class first). */
function bedTypes(opts: BedOptions): CodeableConcept[] {
  const type: CodeableConcept[] = [];
  if (opts.bedClass) type.push({ coding: [{ system: WARD_CLASS_SYSTEM, code: opts.bedClass, display: opts.bedClass }] });
  for (const tag of opts.tags ?? []) type.push({ coding: [{ system: BED_TAG_SYSTEM, code: tag, display: tag }] });
  return type;
}

export function bedLocation(branchId: string, parentId: string, name: string, opts: BedOptions = {}): Location {
  const type = bedTypes(opts);
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

/**
 * A bed with its class, tags and position replaced; everything else (status, parent, id, version,
 * other extensions and type codings) is kept, so the update changes only what the admin edited.
 */
export function withBedDetails(bed: Location, details: { bedClass?: BedClass; tags: string[]; row?: number; column?: number }): Location {
  const ours = (t: CodeableConcept) => t.coding?.some((c) => c.system === WARD_CLASS_SYSTEM || c.system === BED_TAG_SYSTEM);
  const type = [...(bed.type ?? []).filter((t) => !ours(t)), ...bedTypes(details)];
  const extension = [
    ...(bed.extension ?? []).filter((e) => e.url !== BED_POSITION_URL),
    ...(details.row !== undefined && details.column !== undefined ? [positionExtension(details.row, details.column)] : []),
  ];
  const { type: _t, extension: _e, ...rest } = bed;
  return { ...rest, ...(type.length ? { type } : {}), ...(extension.length ? { extension } : {}) };
}

export const withBedStatus = (bed: Location, status: BedStatus): Location => ({ ...bed, operationalStatus: bedStatusCoding(status) });
