import { describe, expect, it } from 'vitest';
import { actionsFor } from './BedCard.tsx';
import type { Bed, BedStatus } from './board.ts';

const bed = (status: BedStatus, encounterId?: string): Bed => ({ id: 'b', name: 'B', status, tags: [], wardId: 'w', encounterId });

describe('what can be done to a bed', () => {
  it('lets a doctor admit to a free bed, chart, transfer and discharge an occupied one, and ready a cleaned one', () => {
    expect(actionsFor(bed('U'), 'doctor')).toEqual(['admit']);
    expect(actionsFor(bed('O', 'e1'), 'doctor')).toEqual(['vitals', 'mar', 'transfer', 'discharge']);
    expect(actionsFor(bed('H'), 'doctor')).toEqual(['ready']);
    expect(actionsFor(bed('K'), 'branch_admin')).toEqual(['ready']);
  });

  it('gives a nurse no admission or discharge (the server refuses them too)', () => {
    expect(actionsFor(bed('U'), 'nurse')).toEqual([]);
    expect(actionsFor(bed('O', 'e1'), 'nurse')).toEqual(['vitals', 'mar', 'transfer']);
    expect(actionsFor(bed('H'), 'nurse')).toEqual(['ready']);
  });

  it('offers nothing on a closed or isolated bed, or an occupied one whose stay it cannot see', () => {
    for (const s of ['C', 'I'] as const) expect(actionsFor(bed(s), 'doctor')).toEqual([]);
    expect(actionsFor(bed('O'), 'doctor')).toEqual([]);
  });
});
