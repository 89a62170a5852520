// @vitest-environment jsdom
import type { AppSession } from '@hospital-ops/app-shell';
import { SessionProvider } from '@hospital-ops/app-shell/session.tsx';
import type { Patient } from '@medplum/fhirtypes';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithServer } from '../test/render.tsx';
import { PatientFormPage } from './PatientFormPage.tsx';

const CARD = JSON.stringify({
  hidn: '91-1234-5678-9012',
  hid: 'meera.iyer@abdm',
  name: 'MEERA LAKSHMI IYER',
  gender: 'F',
  statelgd: '27',
  distlgd: '521',
  dob: '7/3/1988',
  address: '12, Karve Road, Kothrud',
});

function renderForm() {
  const session = { branches: [], fhirUser: 'Practitioner/r1', role: 'receptionist' } as unknown as AppSession;
  return renderWithServer(
    <SessionProvider session={session}>
      <MemoryRouter initialEntries={['/patients/new']}>
        <Routes>
          <Route path="/patients/new" element={<PatientFormPage />} />
          <Route path="/patients/:id" element={<p>patient page</p>} />
        </Routes>
      </MemoryRouter>
    </SessionProvider>,
    (req) => (req.method === 'POST' && req.url.endsWith('/Patient') ? { ...(req.body as Patient), id: 'p-new' } : {}),
  );
}

const field = (id: string) => screen.getByTestId(id) as HTMLInputElement;

describe('registering a patient from an ABHA card', () => {
  afterEach(() => {
    cleanup();
    sessionStorage.clear();
  });

  it('fills the form from the scanned QR code, and registers the patient with the card’s ABHA', async () => {
    const { sent } = renderForm();
    const card = field('field-abha-card');
    fireEvent.change(card, { target: { value: CARD } });
    fireEvent.keyDown(card, { key: 'Enter' });
    await waitFor(() => expect(field('field-given').value).toBe('Meera Lakshmi'));
    expect(field('field-family').value).toBe('Iyer');
    expect(field('field-birthDate').value).toBe('07/03/1988');
    expect(field('field-abhaNumber').value).toBe('91-1234-5678-9012');
    expect(field('field-abhaAddress').value).toBe('meera.iyer@abdm');
    expect(field('field-line').value).toBe('12, Karve Road, Kothrud');
    expect(card.value).toBe('');
    expect(screen.getAllByText('From the ABHA card: check it').length).toBeGreaterThan(0);
    expect(sent.filter((r) => r.method === 'POST')).toHaveLength(0);

    fireEvent.click(screen.getByTestId('save-patient'));
    await waitFor(() => expect(sent.some((r) => r.method === 'POST' && r.url.endsWith('/Patient'))).toBe(true));
    const patient = sent.find((r) => r.method === 'POST' && r.url.endsWith('/Patient'))?.body as Patient;
    expect(patient).toMatchObject({ gender: 'female', birthDate: '1988-03-07', address: [{ state: 'Maharashtra' }] });
    expect(patient.identifier?.map((i) => i.value)).toEqual(expect.arrayContaining(['91123456789012', 'meera.iyer@abdm']));
  });

  it('says so when the scan is not an ABHA card, and changes nothing', async () => {
    renderForm();
    const card = field('field-abha-card');
    fireEvent.change(card, { target: { value: 'SH-PUN-001001' } });
    fireEvent.keyDown(card, { key: 'Enter' });
    expect(await screen.findByText('This is not an ABHA card QR code. Scan the QR code on the front of the card.')).toBeTruthy();
    expect(field('field-given').value).toBe('');
    expect(field('field-abhaNumber').value).toBe('');
  });
});
