import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { bedClasses, countByStatus, filterBoard, findBed, freeBedsNear, gridRows, occupancyPercent, readBoard } from './board.ts';

const bed = (name: string, status: string, extra: ParametersParameter[] = []): ParametersParameter => ({
  name: 'bed',
  part: [
    { name: 'bed', valueReference: { reference: `Location/${name.toLowerCase()}`, display: name } },
    { name: 'status', valueCode: status },
    ...extra,
  ],
});
const pos = (row: number, column: number) => [
  { name: 'row', valueInteger: row },
  { name: 'column', valueInteger: column },
];
const ward = (id: string, name: string, bedClass: string, beds: ParametersParameter[], occupied: number): ParametersParameter => ({
  name: 'ward',
  part: [
    { name: 'ward', valueReference: { reference: `Location/${id}`, display: name } },
    { name: 'branch', valueReference: { reference: 'Organization/pune' } },
    { name: 'class', valueCode: bedClass },
    { name: 'beds', valueInteger: beds.length },
    { name: 'occupied', valueInteger: occupied },
    ...beds,
  ],
});

// The shape docs/ipd.md gives for `Location/$bed-board`.
const BOARD: Parameters = {
  resourceType: 'Parameters',
  parameter: [
    ward(
      'gw',
      'General ward',
      'general',
      [
        bed('G1-2', 'U', pos(1, 2)),
        bed('G1-1', 'O', [
          ...pos(1, 1),
          { name: 'tag', valueCode: 'oxygen' },
          { name: 'room', valueReference: { reference: 'Location/r1', display: 'Room 1' } },
          { name: 'encounter', valueReference: { reference: 'Encounter/e1' } },
          { name: 'patient', valueReference: { reference: 'Patient/p1', display: 'Sunita Deshmukh' } },
          { name: 'attending', valueReference: { reference: 'Practitioner/d1', display: 'Dr. Anand Joshi' } },
          { name: 'daysAdmitted', valueInteger: 2 },
        ]),
        bed('G2-1', 'H', pos(2, 1)),
        bed('G2-2', 'X', pos(2, 2)),
        bed('Spare', 'C'),
      ],
      1,
    ),
    ward('icu', 'ICU', 'icu', [bed('ICU-1', 'O', [{ name: 'class', valueCode: 'icu' }]), bed('ICU-2', 'U')], 1),
    ward('pw', 'Private wing', 'private', [bed('P201', 'U', [{ name: 'class', valueCode: 'general' }])], 0),
    { name: 'branch', part: [{ name: 'branch', valueReference: { reference: 'Organization/pune' } }] },
  ],
};

describe('readBoard', () => {
  const wards = readBoard(BOARD);

  it('reads wards in order with their totals, and each bed with its stay', () => {
    expect(wards.map((w) => [w.id, w.name, w.bedClass, w.total, w.occupied])).toEqual([
      ['gw', 'General ward', 'general', 5, 1],
      ['icu', 'ICU', 'icu', 2, 1],
      ['pw', 'Private wing', 'private', 1, 0],
    ]);
    expect(findBed(wards, 'g1-1')).toMatchObject({
      name: 'G1-1',
      status: 'O',
      bedClass: 'general',
      tags: ['oxygen'],
      room: { display: 'Room 1' },
      row: 1,
      column: 1,
      encounterId: 'e1',
      patient: { display: 'Sunita Deshmukh' },
      attending: { display: 'Dr. Anand Joshi' },
      daysAdmitted: 2,
      wardId: 'gw',
    });
  });

  it('takes the ward class when the bed has none, the bed’s own otherwise, and an unknown status as free', () => {
    expect(findBed(wards, 'icu-2')?.bedClass).toBe('icu');
    expect(findBed(wards, 'p201')?.bedClass).toBe('general');
    expect(findBed(wards, 'g2-2')?.status).toBe('U');
    expect(findBed(wards, 'g1-2')?.encounterId).toBeUndefined();
  });

  it('reads an empty answer as no wards', () => {
    expect(readBoard({ resourceType: 'Parameters' })).toEqual([]);
  });

  it('counts occupancy and statuses', () => {
    expect(occupancyPercent(1, 3)).toBe(33);
    expect(occupancyPercent(2, 3)).toBe(67);
    expect(occupancyPercent(0, 0)).toBe(0);
    expect(countByStatus(wards[0].beds)).toEqual({ U: 2, O: 1, H: 1, C: 1, I: 0, K: 0 });
  });

  it('lays beds out by row and column, unplaced beds last', () => {
    expect(gridRows(wards[0].beds).map((r) => r.map((b) => b.name))).toEqual([['G1-1', 'G1-2'], ['G2-1', 'G2-2'], ['Spare']]);
  });

  it('filters by ward, class and status, dropping wards left empty', () => {
    expect(filterBoard(wards, { ward: 'icu' }).map((w) => w.id)).toEqual(['icu']);
    expect(filterBoard(wards, { bedClass: 'general' }).map((w) => [w.id, w.beds.length])).toEqual([
      ['gw', 5],
      ['pw', 1],
    ]);
    expect(filterBoard(wards, { status: 'H' }).flatMap((w) => w.beds.map((b) => b.name))).toEqual(['G2-1']);
    expect(filterBoard(wards, { ward: 'pw', status: 'O' }).map((w) => [w.id, w.beds.length])).toEqual([['pw', 0]]);
    expect(filterBoard(wards, {})).toHaveLength(3);
    expect(bedClasses(wards)).toEqual(['general', 'icu']);
  });

  it('offers the free beds of the same ward first, then of the same class elsewhere, never the taken bed', () => {
    const taken = findBed(wards, 'g1-2');
    if (!taken) throw new Error('no bed');
    expect(freeBedsNear(wards, taken).map((b) => b.name)).toEqual(['G2-2', 'P201']);
    expect(freeBedsNear(wards, taken, 1).map((b) => b.name)).toEqual(['G2-2']);
    const icu = findBed(wards, 'icu-1');
    if (!icu) throw new Error('no bed');
    expect(freeBedsNear(wards, icu).map((b) => b.name)).toEqual(['ICU-2']);
  });
});
