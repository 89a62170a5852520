// @vitest-environment jsdom
import type { Bundle, Encounter, Observation } from '@medplum/fhirtypes';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithServer } from '../test/render.tsx';
import { VitalsCard } from './VitalsCard.tsx';

const encounter: Encounter = {
  resourceType: 'Encounter',
  id: 'e1',
  status: 'in-progress',
  class: { code: 'AMB' },
  subject: { reference: 'Patient/p1' },
};

describe('VitalsCard', () => {
  afterEach(cleanup);

  it('flags an out-of-range value as it is typed and saves the signs as one transaction', async () => {
    const onSaved = vi.fn();
    const { sent } = renderWithServer(<VitalsCard encounter={encounter} saved={[]} onSaved={onSaved} onError={vi.fn()} />, () => ({
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: [],
    }));
    fireEvent.change(screen.getByLabelText('BP systolic (mmHg)'), { target: { value: '165' } });
    fireEvent.change(screen.getByLabelText('BP diastolic (mmHg)'), { target: { value: '85' } });
    fireEvent.change(screen.getByLabelText('SpO₂ (%)'), { target: { value: '91' } });
    expect(await screen.findByText('Above normal')).toBeTruthy();
    expect(screen.getByText('Below normal')).toBeTruthy();

    fireEvent.click(screen.getByText('Save vitals'));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    const post = sent.find((r) => r.method === 'POST');
    const bundle = post?.body as Bundle;
    expect(post?.url).toBe('http://hospital.test/fhir/R4');
    expect(bundle.type).toBe('transaction');
    const codes = bundle.entry?.map((e) => (e.resource as Observation).code.coding?.[0]?.code);
    expect(codes).toEqual(['85354-9', '2708-6']);
    const spo2 = bundle.entry?.[1]?.resource as Observation;
    expect(spo2.interpretation?.[0]?.coding?.[0]?.code).toBe('L');
    expect(spo2.encounter?.reference).toBe('Encounter/e1');
  });
});
