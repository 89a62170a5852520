// @vitest-environment jsdom
import type { Encounter } from '@medplum/fhirtypes';
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithServer } from '../test/render.tsx';
import { VisitLock } from './VisitLock.tsx';
import { VitalsCard } from './VitalsCard.tsx';

const encounter = (status: Encounter['status']): Encounter => ({
  resourceType: 'Encounter',
  id: 'e1',
  status,
  class: { code: 'AMB' },
  subject: { reference: 'Patient/p1' },
});

function visit(status: Encounter['status']) {
  renderWithServer(
    <VisitLock encounter={encounter(status)}>
      <VitalsCard encounter={encounter(status)} saved={[]} onSaved={vi.fn()} onError={vi.fn()} />
    </VisitLock>,
  );
}

describe('VisitLock', () => {
  afterEach(cleanup);

  it('a finished visit is read-only: every input and button disabled, and says so', () => {
    visit('finished');
    expect(screen.getByTestId('visit-read-only').textContent).toMatch(/finished/);
    expect((screen.getByLabelText('BP systolic (mmHg)') as HTMLInputElement).matches(':disabled')).toBe(true);
    expect((screen.getByTestId('save-vitals') as HTMLButtonElement).matches(':disabled')).toBe(true);
  });

  it('a visit in progress can be edited', () => {
    visit('in-progress');
    expect(screen.queryByTestId('visit-read-only')).toBeNull();
    expect((screen.getByLabelText('BP systolic (mmHg)') as HTMLInputElement).matches(':disabled')).toBe(false);
  });
});
