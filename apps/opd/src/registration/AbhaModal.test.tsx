// @vitest-environment jsdom
import type { AppSession } from '@hospital-ops/app-shell';
import { SessionProvider } from '@hospital-ops/app-shell/session.tsx';
import type { Parameters, Patient } from '@medplum/fhirtypes';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithServer, type Sent } from '../test/render.tsx';
import { PatientFormPage } from './PatientFormPage.tsx';

// The desk creates a patient's ABHA from Aadhaar with the OTP they read out, picks an ABHA
// address, and the registration form fills with the verified details.
const AADHAAR = '499123456783';
const VERIFIED: Patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'https://healthid.ndhm.gov.in', value: '91512345678906' }],
  name: [{ text: 'Savitri Devi Kulkarni', given: ['Savitri', 'Devi'], family: 'Kulkarni' }],
  gender: 'female',
  birthDate: '1961-08-14',
  telecom: [{ system: 'phone', value: '+919822012345' }],
  address: [{ line: ['14 Shaniwar Peth'], district: 'Pune', state: 'Maharashtra', postalCode: '411030', country: 'IN' }],
};

// A refusal as the server sends it: the business code in details.coding, the field in expression.
const outcome = (status: number, code: string, expression: string, text: string) =>
  new Response(
    JSON.stringify({
      resourceType: 'OperationOutcome',
      id: 'business-rule',
      issue: [
        {
          severity: 'error',
          code: 'business-rule',
          expression: [expression],
          details: { coding: [{ system: 'https://hospital-ops.in/fhir/CodeSystem/hops-business-error', code }], text },
        },
      ],
    }),
    { status, headers: { 'content-type': 'application/fhir+json' } },
  );
const param = (req: Sent, name: string) => (req.body as Parameters).parameter?.find((p) => p.name === name)?.valueString;

function server(req: Sent): unknown {
  if (req.url.endsWith('/$abha-otp')) {
    return {
      resourceType: 'Parameters',
      parameter: [
        { name: 'transaction', valueString: 'txn-1' },
        { name: 'mobileEnding', valueString: '2345' },
      ],
    };
  }
  if (req.url.endsWith('/$abha-verify')) {
    if (param(req, 'otp') !== '246810') return outcome(422, 'ABHA_OTP_WRONG', 'otp', 'The OTP is not the one sent.');
    return {
      resourceType: 'Parameters',
      parameter: [
        { name: 'patient', resource: VERIFIED },
        { name: 'isNew', valueBoolean: true },
        { name: 'suggestion', valueString: 'savitri.kulkarni' },
        { name: 'suggestion', valueString: 'savitri_1961' },
        { name: 'existing', valueReference: { reference: 'Patient/p-old' } },
        { name: 'transaction', valueString: 'txn-1' },
      ],
    };
  }
  if (req.url.endsWith('/$abha-address')) {
    return { resourceType: 'Parameters', parameter: [{ name: 'abhaAddress', valueString: `${param(req, 'abhaAddress')}@sbx` }] };
  }
  return {};
}

function renderForm() {
  const session = { branches: [], fhirUser: 'Practitioner/r1', role: 'receptionist' } as unknown as AppSession;
  return renderWithServer(
    <SessionProvider session={session}>
      <MemoryRouter initialEntries={['/patients/new']}>
        <Routes>
          <Route path="/patients/new" element={<PatientFormPage />} />
        </Routes>
      </MemoryRouter>
    </SessionProvider>,
    server,
  );
}

const field = (id: string) => screen.getByTestId(id) as HTMLInputElement;
const type = (id: string, value: string) => fireEvent.change(field(id), { target: { value } });

describe('ABHA with OTP at registration', () => {
  afterEach(() => {
    cleanup();
    sessionStorage.clear();
  });

  it('creates the ABHA from Aadhaar, takes the chosen address, and fills the form with the verified details', async () => {
    const { sent } = renderForm();
    fireEvent.click(screen.getByTestId('open-abha'));

    // A mistyped Aadhaar (check digit) and a missing consent are caught before anything is sent.
    type('abha-aadhaar', '4991 2345 6784');
    fireEvent.click(screen.getByTestId('abha-send-otp'));
    expect((await screen.findByTestId('abha-problem')).textContent).toBe('Check the Aadhaar number: 12 digits, as on the card.');
    type('abha-aadhaar', '4991 2345 6783');
    fireEvent.click(screen.getByTestId('abha-send-otp'));
    expect((await screen.findByTestId('abha-problem')).textContent).toBe('Tick that the patient agrees before the OTP is sent.');
    expect(sent.filter((r) => r.method === 'POST')).toHaveLength(0);

    fireEvent.click(field('abha-consent'));
    fireEvent.click(screen.getByTestId('abha-send-otp'));
    expect((await screen.findByTestId('abha-otp-sent')).textContent).toContain('ending 2345');
    // The dialog's submit stays in the dialog: the half-filled registration is not validated.
    expect(screen.queryByText('Enter the patient’s name')).toBeNull();
    expect(param(sent.find((r) => r.url.endsWith('/$abha-otp')) as Sent, 'aadhaar')).toBe(AADHAAR);

    // A wrong OTP is said in the desk's words; the right one moves on to the address.
    type('abha-otp', '111111');
    type('abha-mobile', '98220 12345');
    fireEvent.click(screen.getByTestId('abha-verify-otp'));
    expect((await screen.findByTestId('abha-problem')).textContent).toBe('That is not the OTP sent. Ask the patient to read it again.');
    type('abha-otp', '246810');
    fireEvent.click(screen.getByTestId('abha-verify-otp'));
    expect((await screen.findByTestId('abha-created')).textContent).toContain('91-5123-4567-8906');
    const verify = sent.filter((r) => r.url.endsWith('/$abha-verify')).at(-1) as Sent;
    expect([param(verify, 'transaction'), param(verify, 'mobile'), param(verify, 'purpose')]).toEqual(['txn-1', '+919822012345', 'enrol']);

    type('abha-address', 'savitri_1961');
    fireEvent.click(screen.getByTestId('abha-create-address'));
    await waitFor(() => expect(field('field-given').value).toBe('Savitri Devi'));
    expect(field('field-family').value).toBe('Kulkarni');
    expect(field('field-birthDate').value).toBe('14/08/1961');
    expect(field('field-abhaNumber').value).toBe('91-5123-4567-8906');
    expect(field('field-abhaAddress').value).toBe('savitri_1961@sbx');
    expect(field('field-district').value).toBe('Pune');
    expect(screen.getAllByText('From ABHA, verified with OTP').length).toBeGreaterThan(0);
    // Someone here already holds this ABHA: the desk is shown them before registering twice.
    expect(screen.getByTestId('abha-holders').textContent).toContain('already registered here');

    // The Aadhaar went in one request body, and nowhere else.
    expect(sent.filter((r) => JSON.stringify(r).includes(AADHAAR))).toHaveLength(1);
    expect(sent.some((r) => r.url.includes(AADHAAR))).toBe(false);
  });

  it('verifies an ABHA number typed on the form with an OTP to the ABHA mobile', async () => {
    const { sent } = renderForm();
    type('field-abhaNumber', '91-5123-4567-8906');
    fireEvent.click(screen.getByTestId('open-abha'));
    expect(field('abha-number').value).toBe('91-5123-4567-8906');
    fireEvent.click(field('abha-otp-abdm'));
    fireEvent.click(screen.getByTestId('abha-send-otp'));
    await screen.findByTestId('abha-otp');
    const otp = sent.find((r) => r.url.endsWith('/$abha-otp')) as Sent;
    expect([param(otp, 'purpose'), param(otp, 'abhaNumber'), param(otp, 'otpSystem')]).toEqual(['verify', '91512345678906', 'abdm']);
  });
});
