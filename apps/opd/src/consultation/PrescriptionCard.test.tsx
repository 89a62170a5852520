// @vitest-environment jsdom
import type { AppSession } from '@hospital-ops/app-shell';
import { SessionProvider } from '@hospital-ops/app-shell/session.tsx';
import type { Appointment, Encounter, Medication, MedicationRequest } from '@medplum/fhirtypes';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithServer } from '../test/render.tsx';
import { followUpDate, PrescriptionCard } from './PrescriptionCard.tsx';

const encounter: Encounter = {
  resourceType: 'Encounter',
  id: 'e1',
  status: 'in-progress',
  class: { code: 'AMB' },
  subject: { reference: 'Patient/p1' },
};

async function addMedicine(name: RegExp, query: string) {
  const input = screen.getByTestId('medicine-input');
  // The formulary loads first; then the dropdown opens on typing.
  await waitFor(() => {
    input.focus();
    fireEvent.click(input);
    fireEvent.change(input, { target: { value: query } });
    expect(screen.getAllByRole('option', { name, hidden: true }).length).toBeGreaterThan(0);
  });
  fireEvent.click(screen.getAllByRole('option', { name, hidden: true })[0]);
}

describe('PrescriptionCard', () => {
  afterEach(cleanup);

  it("a new medicine starts from the defaults, not the previous medicine's timing", async () => {
    const meds: Medication[] = [
      {
        resourceType: 'Medication',
        id: 'm1',
        status: 'active',
        code: { text: 'Paracetamol 650 mg tablet' },
        form: { text: 'Tablet' },
        ingredient: [{ itemCodeableConcept: { text: 'Paracetamol' }, isActive: true }],
      },
    ];
    const session = { fhirUser: 'Practitioner/d1', role: 'doctor' } as unknown as AppSession;
    renderWithServer(
      <SessionProvider session={session}>
        <PrescriptionCard encounter={encounter} allergies={[]} saved={[]} savedTests={[]} onSaved={vi.fn()} onError={vi.fn()} />
      </SessionProvider>,
      (req) =>
        req.url.includes('/Medication?')
          ? { resourceType: 'Bundle', type: 'searchset', entry: meds.map((resource) => ({ resource })) }
          : {},
    );
    const frequency = screen.getByTestId('frequency-input') as HTMLInputElement;
    const duration = screen.getByTestId('duration-input') as HTMLInputElement;
    const before = screen.getByLabelText('Before food') as HTMLInputElement;
    await addMedicine(/Paracetamol 650/i, 'paracetamol');
    fireEvent.click(before);
    fireEvent.change(frequency, { target: { value: '1-0-0' } });
    fireEvent.change(duration, { target: { value: '3' } });
    await waitFor(() => expect(before.checked).toBe(true));
    fireEvent.click(screen.getByTestId('add-medicine'));
    await waitFor(() => expect(screen.getByTestId('draft-medications').textContent).toMatch(/Paracetamol/i));

    expect(frequency.value).toBe('1-0-1');
    expect(duration.value).toBe('5');
    expect(before.checked).toBe(false);
    expect((screen.getByLabelText('After food') as HTMLInputElement).checked).toBe(true);
  }, 20_000);

  it('for a Hindi reader, takes the instruction in English and Hindi and saves the Hindi as its translation, numbered after the saved lines', async () => {
    const meds: Medication[] = [
      { resourceType: 'Medication', id: 'm1', status: 'active', code: { text: 'Paracetamol 650 mg tablet' }, form: { text: 'Tablet' } },
    ];
    const saved: MedicationRequest[] = [
      {
        resourceType: 'MedicationRequest',
        id: 'r1',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/p1' },
        medicationCodeableConcept: { text: 'Pantoprazole 40 mg tablet' },
        extension: [{ url: 'https://hospital-ops.in/fhir/StructureDefinition/prescription-line', valuePositiveInt: 1 }],
      },
    ];
    const session = { fhirUser: 'Practitioner/d1', role: 'doctor' } as unknown as AppSession;
    const { sent } = renderWithServer(
      <SessionProvider session={session}>
        <PrescriptionCard
          encounter={encounter}
          patientLanguage="hi"
          allergies={[]}
          saved={saved}
          savedTests={[]}
          onSaved={vi.fn()}
          onError={vi.fn()}
        />
      </SessionProvider>,
      (req) =>
        req.url.includes('/Medication?')
          ? { resourceType: 'Bundle', type: 'searchset', entry: meds.map((resource) => ({ resource })) }
          : { resourceType: 'Bundle', type: 'transaction-response', entry: [] },
    );
    await addMedicine(/Paracetamol 650/i, 'paracetamol');
    const english = screen.getByTestId('instruction-input') as HTMLTextAreaElement;
    const hindi = screen.getByTestId('instruction-hi-input') as HTMLTextAreaElement;
    // Both start as the dosage in words, each in its language.
    await waitFor(() => expect(english.value).toMatch(/^Morning 1, Night 1/));
    expect(hindi.value).toMatch(/^सुबह 1, रात 1/);
    fireEvent.change(english, { target: { value: 'Take only if the fever is above 100°F.' } });
    fireEvent.change(hindi, { target: { value: 'बुखार 100°F से ऊपर हो तभी लें।' } });
    fireEvent.click(screen.getByTestId('add-medicine'));
    await waitFor(() => expect(screen.getByTestId('draft-medications').textContent).toContain('बुखार 100°F से ऊपर हो तभी लें।'));
    fireEvent.click(screen.getByTestId('save-prescription'));
    const isTransaction = (r: { method: string; body?: any }) => r.method === 'POST' && r.body?.type === 'transaction';
    await waitFor(() => expect(sent.some(isTransaction)).toBe(true));
    const request = (sent.find(isTransaction) as { body: any }).body.entry[0].resource;
    expect(request.extension).toEqual([{ url: 'https://hospital-ops.in/fhir/StructureDefinition/prescription-line', valuePositiveInt: 2 }]);
    expect(request.dosageInstruction[0].patientInstruction).toBe('Take only if the fever is above 100°F.');
    expect(request.dosageInstruction[0]._patientInstruction.extension[0].extension).toEqual([
      { url: 'lang', valueCode: 'hi' },
      { url: 'content', valueString: 'बुखार 100°F से ऊपर हो तभी लें।' },
    ]);
  }, 20_000);

  it('shows the follow-up already booked from this visit', () => {
    const session = { fhirUser: 'Practitioner/d1', role: 'doctor' } as unknown as AppSession;
    renderWithServer(
      <SessionProvider session={session}>
        <PrescriptionCard
          encounter={encounter}
          allergies={[]}
          saved={[]}
          savedTests={[]}
          savedFollowUp="2026-12-13"
          onSaved={vi.fn()}
          onError={vi.fn()}
        />
      </SessionProvider>,
    );
    expect(screen.getByTestId('saved-follow-up').textContent).toBe('Follow-up on 13/12/2026');
  });

  it('the follow-up date is the earliest one still planned', () => {
    const a = (start: string, status: Appointment['status']) =>
      ({ resourceType: 'Appointment', status, start, participant: [] }) as Appointment;
    expect(followUpDate([a('2026-12-20T09:30:00+05:30', 'proposed'), a('2026-12-13T09:30:00+05:30', 'cancelled')])).toBe('2026-12-20');
    expect(followUpDate([])).toBeUndefined();
  });
});
