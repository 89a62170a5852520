import type { Location } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import * as server from '../../../../server/src/features/ipd/model.ts';
import { bedLocation, roomLocation, wardLocation, withBedDetails, withBedStatus } from './locations.ts';
import { allBeds, bedLocked, bulkBedsBundle, bulkNumbering, bulkProblem, nextNumber, nextRow, readWards } from './wards.ts';

describe('the app-side Location builders', () => {
  it('write exactly the shapes the server builds (docs/ipd.md)', () => {
    expect(wardLocation('b1', 'General ward 2', 'semi-private')).toEqual(server.wardLocation('b1', 'General ward 2', 'semi-private'));
    expect(roomLocation('b1', 'w1', 'Room 4')).toEqual(server.roomLocation('b1', 'w1', 'Room 4'));
    expect(bedLocation('b1', 'w1', 'G2-1')).toEqual(server.bedLocation('b1', 'w1', 'G2-1'));
    const opts = { bedClass: 'icu', tags: ['oxygen', 'ventilator'], row: 2, column: 3, status: 'C' } as const;
    expect(bedLocation('b1', 'r1', 'ICU-3', { ...opts, tags: [...opts.tags] })).toEqual(
      server.bedLocation('b1', 'r1', 'ICU-3', { ...opts, tags: [...opts.tags] }),
    );
  });

  it('edits a bed’s class, tags and position and keeps everything else', () => {
    const bed: Location = {
      ...server.bedLocation('b1', 'w1', 'G2-1', { bedClass: 'general', tags: ['oxygen'], row: 1, column: 1, status: 'H' }),
      id: 'x',
      meta: { versionId: '3' },
      extension: [{ url: 'https://example.org/other', valueString: 'kept' }, server.positionExtension(1, 1)],
    };
    const edited = withBedDetails(bed, { bedClass: 'private', tags: ['isolation'], row: 2, column: 4 });
    expect(edited).toEqual({
      ...server.bedLocation('b1', 'w1', 'G2-1', { bedClass: 'private', tags: ['isolation'], row: 2, column: 4, status: 'H' }),
      id: 'x',
      meta: { versionId: '3' },
      extension: [{ url: 'https://example.org/other', valueString: 'kept' }, server.positionExtension(2, 4)],
    });
    // Back to the ward's class, no tags, not placed: no type and only the other extension left.
    const plain = withBedDetails(edited, { tags: [] });
    expect(plain.type).toBeUndefined();
    expect(plain.extension).toEqual([{ url: 'https://example.org/other', valueString: 'kept' }]);
    expect(withBedStatus(bed, 'K').operationalStatus).toEqual(server.bedStatusCoding('K'));
  });
});

describe('adding beds in bulk', () => {
  it('numbers from the prefix and lays the beds out in rows of K columns', () => {
    expect(bulkNumbering({ prefix: 'PUN-G2', count: 5, columns: 2 })).toEqual([
      { name: 'PUN-G2-1', row: 1, column: 1 },
      { name: 'PUN-G2-2', row: 1, column: 2 },
      { name: 'PUN-G2-3', row: 2, column: 1 },
      { name: 'PUN-G2-4', row: 2, column: 2 },
      { name: 'PUN-G2-5', row: 3, column: 1 },
    ]);
    // A trailing dash is not doubled; numbering and rows can continue after existing beds.
    expect(bulkNumbering({ prefix: ' ICU- ', count: 2, columns: 4, start: 7, firstRow: 3 })).toEqual([
      { name: 'ICU-7', row: 3, column: 1 },
      { name: 'ICU-8', row: 3, column: 2 },
    ]);
  });

  it('makes one transaction of server-shaped beds', () => {
    const bundle = bulkBedsBundle('b1', 'w1', { prefix: 'G2', count: 4, columns: 4 }, 'general', ['oxygen']);
    expect(bundle.type).toBe('transaction');
    expect(bundle.entry?.map((e) => e.request)).toEqual(Array(4).fill({ method: 'POST', url: 'Location' }));
    expect(bundle.entry?.[3].resource).toEqual(
      server.bedLocation('b1', 'w1', 'G2-4', { bedClass: 'general', tags: ['oxygen'], row: 1, column: 4 }),
    );
  });

  it('refuses a missing prefix, silly counts and names the ward already has', () => {
    expect(bulkProblem({ prefix: ' - ', count: 4, columns: 4 }, [])).toBe('prefix');
    expect(bulkProblem({ prefix: 'G2', count: 0, columns: 4 }, [])).toBe('count');
    expect(bulkProblem({ prefix: 'G2', count: 101, columns: 4 }, [])).toBe('count');
    expect(bulkProblem({ prefix: 'G2', count: 4, columns: 0 }, [])).toBe('columns');
    expect(bulkProblem({ prefix: 'G2', count: 4, columns: 4 }, ['g2-3'])).toBe('duplicate');
    expect(bulkProblem({ prefix: 'G2', count: 4, columns: 4, start: 4 }, ['G2-7'])).toBe('duplicate');
    expect(bulkProblem({ prefix: 'G2', count: 4, columns: 4, start: 4 }, ['G2-3', 'G2-8'])).toBeUndefined();
  });
});

describe('reading the branch’s wards', () => {
  const at = (l: Location, id: string): Location => ({ ...l, id });
  const locations = [
    at(server.wardLocation('b1', 'Ward B', 'general'), 'wb'),
    at(server.wardLocation('b1', 'Ward A', 'private'), 'wa'),
    at(server.roomLocation('b1', 'wb', 'R1'), 'r1'),
    at(server.bedLocation('b1', 'r1', 'B-10', { row: 1, column: 2, status: 'O' }), 'b10'),
    at(server.bedLocation('b1', 'r1', 'B-2', { row: 1, column: 1, tags: ['oxygen'] }), 'b2'),
    at(server.bedLocation('b1', 'wb', 'B-11', { bedClass: 'icu', row: 3, column: 1, status: 'C' }), 'b11'),
    { ...at(server.bedLocation('b1', 'wb', 'old'), 'gone'), status: 'inactive' },
  ] as Location[];

  it('gives wards by name with their rooms and beds in board order, classes inherited', () => {
    const wards = readWards(locations);
    expect(wards.map((w) => w.name)).toEqual(['Ward A', 'Ward B']);
    const b = wards[1];
    expect(b.rooms[0].beds.map((x) => [x.name, x.effectiveClass, x.bedClass, x.tags, x.status])).toEqual([
      ['B-2', 'general', undefined, ['oxygen'], 'U'],
      ['B-10', 'general', undefined, [], 'O'],
    ]);
    expect(b.beds.map((x) => [x.name, x.effectiveClass, x.row, x.column, x.status])).toEqual([['B-11', 'icu', 3, 1, 'C']]);
    expect(nextRow(b)).toBe(4);
    expect(nextNumber(wards.flatMap(allBeds), 'B')).toBe(12);
    expect(nextNumber(wards.flatMap(allBeds), 'A')).toBe(1);
  });

  it('locks an occupied bed and only that', () => {
    expect(bedLocked({ status: 'O' })).toBe('occupied');
    for (const status of ['U', 'H', 'C', 'I', 'K'] as const) expect(bedLocked({ status })).toBeUndefined();
  });
});
