import { describe, expect, it } from 'vitest';
import { compileView, ViewError } from '../../../src/analytics/views/compile.ts';
import { runView, ViewRunError } from '../../../src/analytics/views/run.ts';

// Our own checks of the view engine, beside the specification's suite.

const view = (column: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({
  resource: 'Encounter',
  select: [{ column }],
  ...extra,
});
const encounter = {
  resourceType: 'Encounter' as const,
  id: 'e1',
  status: 'finished' as const,
  class: { code: 'AMB' },
  period: { start: '2026-11-25T23:40:00+05:30' },
};

function problem(v: unknown): ViewError {
  try {
    compileView(v);
  } catch (err) {
    if (err instanceof ViewError) return err;
    throw err;
  }
  throw new Error('expected the view to be refused');
}

describe('FHIRPath in views', () => {
  it('library functions whose names are also Object methods (toString) run as FHIRPath', () => {
    const rows = runView(compileView(view([{ name: 'd', path: 'period.start.toString().substring(0, 10)' }])), [encounter]);
    expect(rows).toEqual([{ d: '2026-11-25' }]);
  });

  it('lowBoundary and highBoundary of a partial date', () => {
    const rows = runView(
      compileView({
        resource: 'Patient',
        select: [
          {
            column: [
              { name: 'lo', path: 'birthDate.lowBoundary()' },
              { name: 'hi', path: 'birthDate.highBoundary()' },
            ],
          },
        ],
      }),
      [{ resourceType: 'Patient', birthDate: '2024-02' }],
    );
    expect(rows).toEqual([{ lo: '2024-02-01', hi: '2024-02-29' }]);
  });
});

describe('validation names the element', () => {
  it.each([
    [view([{ name: 'x', path: 'status.nosuch()' }]), 'ViewDefinition.select[0].column[0].path', 'unknown FHIRPath function: nosuch'],
    [view([{ name: 'x', path: 'status', type: 'varchar' }]), 'ViewDefinition.select[0].column[0].type', 'not a FHIR primitive type'],
    [view([{ name: '1x', path: 'status' }]), 'ViewDefinition.select[0].column[0].name', 'start with a letter'],
    [view([{ name: 'x', path: '%missing' }]), 'ViewDefinition.select[0].column[0].path', 'no constant of the view defines'],
    [view([{ name: 'x', path: 'status' }], { resource: 'Nonsense' }), 'ViewDefinition.resource', 'not a FHIR R4 resource type'],
    [view([{ name: 'x', path: 'status' }], { where: [{ path: 'status = ' }] }), 'ViewDefinition.where[0].path', 'not a valid FHIRPath'],
    [
      { resource: 'Encounter', select: [{ repeat: 'item', column: [{ name: 'x', path: 'id' }] }] },
      'ViewDefinition.select[0].repeat',
      'must be an array',
    ],
    [
      view([{ name: 'x', path: 'status' }], { constant: [{ name: 'c', valueString: 'a', valueInteger: 1 }] }),
      'ViewDefinition.constant[0]',
      'exactly one value[x]',
    ],
  ])('%#', (v, element, text) => {
    const err = problem(v);
    expect(err.element).toBe(element);
    expect(err.message).toContain(text);
  });
});

describe('running', () => {
  it('a where that is not boolean fails with a sentence of ours', () => {
    const compiled = compileView(view([{ name: 'x', path: 'status' }], { where: [{ path: 'status' }] }));
    expect(() => runView(compiled, [encounter])).toThrow(ViewRunError);
    expect(() => runView(compiled, [encounter])).toThrow(/where\[0\]\.path .* must give true or false/);
  });
});
