// @vitest-environment jsdom
import type { Encounter, Patient } from '@medplum/fhirtypes';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithServer } from '../test/render.tsx';
import { slipData } from './slip.ts';
import { TokenSlipModal } from './TokenSlip.tsx';

const encounter: Encounter = {
  resourceType: 'Encounter',
  id: 'e1',
  status: 'arrived',
  class: { code: 'AMB' },
  subject: { reference: 'Patient/p1', display: 'Sneha Kulkarni' },
  participant: [{ individual: { reference: 'Practitioner/d1', display: 'Dr. Anand Joshi' } }],
  period: { start: '2026-12-06T10:05:00+05:30' },
  serviceProvider: { reference: 'Organization/b1', display: 'Sanjeevani Pune' },
  extension: [
    {
      url: 'https://hospital-ops.in/fhir/StructureDefinition/opd-queue-token',
      extension: [
        { url: 'number', valuePositiveInt: 7 },
        { url: 'date', valueDate: '2026-12-06' },
      ],
    },
  ],
};
const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  name: [{ given: ['Sneha'], family: 'Kulkarni' }],
  identifier: [{ type: { coding: [{ code: 'MR' }] }, value: 'SH-PUN-001005' }],
};

describe('the token slip', () => {
  afterEach(cleanup);

  it('carries the token, patient, UHID, doctor, branch and time', () => {
    expect(slipData(encounter, patient)).toEqual({
      token: 7,
      patient: 'Sneha Kulkarni',
      uhid: 'SH-PUN-001005',
      doctor: 'Dr. Anand Joshi',
      branch: 'Sanjeevani Pune',
      issued: '2026-12-06T10:05:00+05:30',
    });
  });

  it('shows every label in English and Hindi with a QR of the UHID, and prints', async () => {
    const print = vi.fn();
    window.print = print;
    renderWithServer(<TokenSlipModal encounter={encounter} onClose={vi.fn()} />, (req) => (req.url.endsWith('/Patient/p1') ? patient : {}));
    const slip = (await screen.findAllByTestId('token-slip'))[0];
    expect(slip.textContent).toContain('Token / टोकन');
    expect(slip.textContent).toContain('Doctor / डॉक्टर');
    expect(slip.textContent).toContain('Time / समय');
    expect(slip.textContent).toContain('SH-PUN-001005');
    expect(slip.textContent).not.toContain('UHID / UHID');
    expect(screen.getAllByTestId('slip-token')[0].textContent).toBe('7');
    await waitFor(() => expect(screen.getAllByTestId('slip-qr')[0].innerHTML).toContain('<svg'));
    // The printable copy sits outside the app's root, for the print stylesheet.
    expect(document.querySelector('body > .token-slip-print [data-testid=token-slip]')).not.toBeNull();
    fireEvent.click(screen.getByTestId('print-slip'));
    expect(print).toHaveBeenCalled();
  });
});
