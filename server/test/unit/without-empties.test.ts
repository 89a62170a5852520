import { describe, expect, it } from 'vitest';
import { withoutEmpties } from '../../src/http/without-empties.ts';

describe('withoutEmpties', () => {
  it('drops empty arrays and objects at any depth, and what they leave empty', () => {
    expect(
      withoutEmpties({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [],
        link: [{ relation: 'self', url: 'x', extension: [] }],
        meta: { tag: [{}] },
      }),
    ).toEqual({ resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'self', url: 'x' }] });
  });

  it('keeps nulls in arrays (primitive extension alignment), falsy values, and clean input as the same object', () => {
    const clean = {
      resourceType: 'Patient',
      active: false,
      multipleBirthInteger: 0,
      name: [{ given: ['A', 'B'] }],
      _given: [null, { id: 'x' }],
    };
    expect(withoutEmpties(clean)).toBe(clean);
    expect(withoutEmpties({ a: [null, {}], b: '' })).toEqual({ a: [null], b: '' });
  });
});
