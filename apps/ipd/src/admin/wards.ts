import type { Bundle, CodeableConcept, Location } from '@medplum/fhirtypes';
import { BED_STATUSES, type BedStatus } from '../board/board.ts';
import {
  BED_CLASSES,
  BED_POSITION_URL,
  BED_STATUS_SYSTEM,
  BED_TAG_SYSTEM,
  type BedClass,
  bedLocation,
  PHYSICAL_TYPE,
  WARD_CLASS_SYSTEM,
} from './locations.ts';

/** The admin screen's view of a branch: wards, their rooms, and the beds under each. */
export interface AdminBed {
  resource: Location;
  id: string;
  name: string;
  status: BedStatus;
  /** The bed's own class; `effectiveClass` falls back to its room's or ward's. */
  bedClass?: BedClass;
  effectiveClass?: BedClass;
  tags: string[];
  row?: number;
  column?: number;
  parentId: string;
}
export interface AdminRoom {
  resource: Location;
  id: string;
  name: string;
  beds: AdminBed[];
}
export interface AdminWard {
  resource: Location;
  id: string;
  name: string;
  bedClass?: BedClass;
  rooms: AdminRoom[];
  /** Beds directly under the ward (no room). */
  beds: AdminBed[];
}

const physicalOf = (l: Location) => l.physicalType?.coding?.find((c) => c.system === PHYSICAL_TYPE)?.code;
const parentOf = (l: Location) => l.partOf?.reference?.split('/')[1];
const codes = (types: CodeableConcept[] | undefined, system: string) =>
  (types ?? [])
    .flatMap((t) => t.coding ?? [])
    .filter((c) => c.system === system && c.code)
    .map((c) => c.code as string);
const classOf = (l: Location): BedClass | undefined =>
  codes(l.type, WARD_CLASS_SYSTEM).find((c): c is BedClass => BED_CLASSES.includes(c as BedClass));

function readBed(l: Location, inherited: BedClass | undefined): AdminBed {
  const code = l.operationalStatus?.system === BED_STATUS_SYSTEM ? l.operationalStatus.code : undefined;
  const pos = l.extension?.find((e) => e.url === BED_POSITION_URL)?.extension;
  const own = classOf(l);
  return {
    resource: l,
    id: l.id ?? '',
    name: l.name ?? '',
    // A bed with no status counts as free (docs/ipd.md).
    status: BED_STATUSES.includes(code as BedStatus) ? (code as BedStatus) : 'U',
    bedClass: own,
    effectiveClass: own ?? inherited,
    tags: codes(l.type, BED_TAG_SYSTEM),
    row: pos?.find((e) => e.url === 'row')?.valueInteger,
    column: pos?.find((e) => e.url === 'column')?.valueInteger,
    parentId: parentOf(l) ?? '',
  };
}

const byPlace = (a: AdminBed, b: AdminBed) =>
  (a.row ?? Number.MAX_SAFE_INTEGER) - (b.row ?? Number.MAX_SAFE_INTEGER) ||
  (a.column ?? 0) - (b.column ?? 0) ||
  a.name.localeCompare(b.name, 'en-IN', { numeric: true });

/** The branch's active Locations as wards of rooms and beds, wards and rooms by name, beds by row, column, name. */
export function readWards(locations: Location[]): AdminWard[] {
  const active = locations.filter((l) => l.status !== 'inactive');
  const of = (code: string) => active.filter((l) => physicalOf(l) === code);
  const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name, 'en-IN', { numeric: true });
  return of('wa')
    .map((w) => {
      const wardClass = classOf(w);
      const rooms = of('ro')
        .filter((r) => parentOf(r) === w.id)
        .map((r) => {
          const roomClass = classOf(r) ?? wardClass;
          const beds = of('bd')
            .filter((b) => parentOf(b) === r.id)
            .map((b) => readBed(b, roomClass))
            .sort(byPlace);
          return { resource: r, id: r.id ?? '', name: r.name ?? '', beds };
        })
        .sort(byName);
      const beds = of('bd')
        .filter((b) => parentOf(b) === w.id)
        .map((b) => readBed(b, wardClass))
        .sort(byPlace);
      return { resource: w, id: w.id ?? '', name: w.name ?? '', bedClass: wardClass, rooms, beds };
    })
    .sort(byName);
}

export const allBeds = (w: AdminWard): AdminBed[] => [...w.rooms.flatMap((r) => r.beds), ...w.beds];

export interface BulkBeds {
  prefix: string;
  count: number;
  /** Beds per row on the board. */
  columns: number;
  /** The first number (default 1). */
  start?: number;
  /** The first row (default 1): below the ward's existing beds. */
  firstRow?: number;
}

/** Names and positions for "add N beds": PREFIX-1..N (from `start`), laid out left to right in rows of `columns`. */
export function bulkNumbering({
  prefix,
  count,
  columns,
  start = 1,
  firstRow = 1,
}: BulkBeds): { name: string; row: number; column: number }[] {
  const base = prefix.trim().replace(/-+$/, '');
  return Array.from({ length: count }, (_, i) => ({
    name: `${base}-${start + i}`,
    row: firstRow + Math.floor(i / columns),
    column: (i % columns) + 1,
  }));
}

/** What is wrong with a bulk request, as an i18n key under `admin.problem`, or undefined when it can be saved. */
export function bulkProblem(b: BulkBeds, existingNames: string[]): string | undefined {
  if (!b.prefix.trim().replace(/-+$/, '')) return 'prefix';
  if (!Number.isInteger(b.count) || b.count < 1 || b.count > 100) return 'count';
  if (!Number.isInteger(b.columns) || b.columns < 1 || b.columns > 20) return 'columns';
  const taken = new Set(existingNames.map((n) => n.toLowerCase()));
  if (bulkNumbering(b).some((x) => taken.has(x.name.toLowerCase()))) return 'duplicate';
  return undefined;
}

/** The next free row under a ward (after every bed of the ward, rooms included), so new beds never overlap old ones. */
export const nextRow = (w: AdminWard): number => Math.max(0, ...allBeds(w).map((b) => b.row ?? 0)) + 1;

/** The next number for a prefix: after the highest PREFIX-n among the beds given (the branch's: bed names are unique in it). */
export function nextNumber(beds: AdminBed[], prefix: string): number {
  const base = prefix.trim().replace(/-+$/, '').toLowerCase();
  const numbers = beds
    .map((b) => b.name.toLowerCase())
    .filter((n) => n.startsWith(`${base}-`))
    .map((n) => Number(n.slice(base.length + 1)))
    .filter((n) => Number.isInteger(n));
  return Math.max(0, ...numbers) + 1;
}

/** One transaction creating every bed: all are added or none. */
export function bulkBedsBundle(branchId: string, parentId: string, b: BulkBeds, bedClass?: BedClass, tags: string[] = []): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: bulkNumbering(b).map((x) => ({
      resource: bedLocation(branchId, parentId, x.name, { bedClass, tags, row: x.row, column: x.column }),
      request: { method: 'POST', url: 'Location' },
    })),
  };
}

/** The statuses an administrator sets by hand: closed, isolated, contaminated, and free again. */
export const ADMIN_STATUSES = ['U', 'C', 'I', 'K'] as const;
export type AdminStatus = (typeof ADMIN_STATUSES)[number];

/** Why the admin may not change this bed (an i18n key under `admin.locked`), or undefined. An occupied bed is the stay's. */
export const bedLocked = (bed: Pick<AdminBed, 'status'>): string | undefined => (bed.status === 'O' ? 'occupied' : undefined);
