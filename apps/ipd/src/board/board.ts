import type { Parameters, ParametersParameter, Reference } from '@medplum/fhirtypes';

/** Bed status codes from HL7 v2 table 0116, as the server writes them (docs/ipd.md). */
export const BED_STATUSES = ['U', 'O', 'H', 'C', 'I', 'K'] as const;
export type BedStatus = (typeof BED_STATUSES)[number];

/** What the board shows for each status: a colour, an icon and a label key, so status never rests on colour alone. */
export const STATUS_LOOK: Record<BedStatus, { color: string; icon: string; key: string }> = {
  U: { color: 'green', icon: '✓', key: 'free' },
  O: { color: 'blue', icon: '●', key: 'occupied' },
  H: { color: 'yellow', icon: '⟳', key: 'cleaning' },
  C: { color: 'gray', icon: '⊘', key: 'blocked' },
  I: { color: 'grape', icon: '⚠', key: 'isolated' },
  K: { color: 'red', icon: '✕', key: 'contaminated' },
};

export interface Bed {
  id: string;
  name: string;
  status: BedStatus;
  bedClass?: string;
  tags: string[];
  room?: Reference;
  row?: number;
  column?: number;
  encounterId?: string;
  patient?: Reference;
  attending?: Reference;
  daysAdmitted?: number;
  wardId: string;
}

export interface Ward {
  id: string;
  name: string;
  branch?: string;
  bedClass?: string;
  beds: Bed[];
  total: number;
  occupied: number;
}

const idOf = (ref: string | undefined) => ref?.split('/')[1] ?? '';
const isStatus = (code: string | undefined): code is BedStatus => BED_STATUSES.includes(code as BedStatus);

function parts(p: ParametersParameter, name: string): ParametersParameter[] {
  return (p.part ?? []).filter((x) => x.name === name);
}
const one = (p: ParametersParameter, name: string) => parts(p, name)[0];

function readBed(p: ParametersParameter, ward: Ward): Bed {
  const ref = one(p, 'bed')?.valueReference;
  const code = one(p, 'status')?.valueCode;
  return {
    id: idOf(ref?.reference),
    name: ref?.display ?? idOf(ref?.reference),
    // A bed with no status counts as free (docs/ipd.md).
    status: isStatus(code) ? code : 'U',
    bedClass: one(p, 'class')?.valueCode ?? ward.bedClass,
    tags: parts(p, 'tag').map((t) => t.valueCode ?? ''),
    room: one(p, 'room')?.valueReference,
    row: one(p, 'row')?.valueInteger,
    column: one(p, 'column')?.valueInteger,
    encounterId: idOf(one(p, 'encounter')?.valueReference?.reference) || undefined,
    patient: one(p, 'patient')?.valueReference,
    attending: one(p, 'attending')?.valueReference,
    daysAdmitted: one(p, 'daysAdmitted')?.valueInteger,
    wardId: ward.id,
  };
}

/** The server's `$bed-board` answer as wards of beds, in the server's order. */
export function readBoard(params: Parameters): Ward[] {
  return (params.parameter ?? [])
    .filter((p) => p.name === 'ward')
    .map((p) => {
      const ref = one(p, 'ward')?.valueReference;
      const ward: Ward = {
        id: idOf(ref?.reference),
        name: ref?.display ?? '',
        branch: one(p, 'branch')?.valueReference?.reference,
        bedClass: one(p, 'class')?.valueCode,
        beds: [],
        total: one(p, 'beds')?.valueInteger ?? 0,
        occupied: one(p, 'occupied')?.valueInteger ?? 0,
      };
      ward.beds = parts(p, 'bed').map((b) => readBed(b, ward));
      return ward;
    });
}

/** Occupied beds as a whole percentage of all beds (0 for a ward with none). */
export function occupancyPercent(occupied: number, total: number): number {
  return total ? Math.round((occupied / total) * 100) : 0;
}

/** Beds per status, for a ward's summary line. */
export function countByStatus(beds: Bed[]): Record<BedStatus, number> {
  const counts = Object.fromEntries(BED_STATUSES.map((s) => [s, 0])) as Record<BedStatus, number>;
  for (const b of beds) counts[b.status]++;
  return counts;
}

export interface BoardFilter {
  ward?: string;
  bedClass?: string;
  status?: BedStatus;
}

/** The wards and beds a filter keeps; a ward left with no beds is dropped (unless chosen by name). */
export function filterBoard(wards: Ward[], f: BoardFilter): Ward[] {
  return wards
    .filter((w) => !f.ward || w.id === f.ward)
    .map((w) => ({ ...w, beds: w.beds.filter((b) => (!f.bedClass || b.bedClass === f.bedClass) && (!f.status || b.status === f.status)) }))
    .filter((w) => w.beds.length > 0 || w.id === f.ward);
}

/** Every bed class on the board, for the filter. */
export function bedClasses(wards: Ward[]): string[] {
  return [...new Set(wards.flatMap((w) => w.beds.map((b) => b.bedClass)).filter((c): c is string => !!c))].sort();
}

/**
 * Free beds to offer when the chosen one was taken: the same ward's first, then the same class
 * elsewhere, at most `limit`.
 */
export function freeBedsNear(wards: Ward[], taken: { wardId: string; bedClass?: string; id: string }, limit = 5): Bed[] {
  const free = wards.flatMap((w) => w.beds).filter((b) => b.status === 'U' && b.id !== taken.id);
  const sameWard = free.filter((b) => b.wardId === taken.wardId);
  const sameClass = free.filter((b) => b.wardId !== taken.wardId && taken.bedClass && b.bedClass === taken.bedClass);
  return [...sameWard, ...sameClass].slice(0, limit);
}

/** Beds laid out as the ward is (rows and columns); beds with no position go at the end in a row of their own. */
export function gridRows(beds: Bed[]): Bed[][] {
  const rows = new Map<number, Bed[]>();
  for (const b of beds) {
    const r = b.row ?? Number.MAX_SAFE_INTEGER;
    rows.set(r, [...(rows.get(r) ?? []), b]);
  }
  return [...rows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, list]) => list.sort((a, b) => (a.column ?? 0) - (b.column ?? 0) || a.name.localeCompare(b.name)));
}

export function findBed(wards: Ward[], id: string): Bed | undefined {
  for (const w of wards) {
    const b = w.beds.find((x) => x.id === id);
    if (b) return b;
  }
  return undefined;
}
