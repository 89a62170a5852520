// @vitest-environment jsdom
import type { Bundle } from '@medplum/fhirtypes';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithServer } from '../test/render.tsx';
import { ExternalRecordsCard } from './ExternalRecordsCard.tsx';
import { externalRecords, narrativeText } from './external.ts';

const recordBundle = (id: string, title: string, date: string, div: string): Bundle => ({
  resourceType: 'Bundle',
  id,
  type: 'document',
  entry: [
    {
      resource: {
        resourceType: 'Composition',
        status: 'final',
        type: { text: title },
        title,
        date,
        subject: { reference: 'urn:uuid:p' },
        author: [{ display: 'Dr. Anand Joshi' }],
        section: [{ title: 'Chief complaints', text: { status: 'generated', div } }],
      },
    },
  ],
});

const provenance = (bundleId: string, facility: string) => ({
  resourceType: 'Provenance' as const,
  id: `prov-${bundleId}`,
  recorded: '2026-12-01T10:00:00+05:30',
  target: [{ reference: `Bundle/${bundleId}` }, { reference: 'Patient/p1' }],
  agent: [{ who: { identifier: { system: 'https://facility.ndhm.gov.in', value: 'IN2710000101' }, display: facility } }],
});

const search: Bundle = {
  resourceType: 'Bundle',
  type: 'searchset',
  entry: [
    { resource: provenance('b1', 'Sanjeevani Hospitals') },
    { resource: provenance('b2', 'City Clinic') },
    {
      resource: recordBundle(
        'b1',
        'OP Consult Record',
        '2025-09-20T10:00:00+05:30',
        '<div xmlns="http://www.w3.org/1999/xhtml"><p>Fever &amp; cough</p><p>3 days</p></div>',
      ),
    },
    {
      resource: recordBundle(
        'b2',
        'Prescription record',
        '2025-10-02T11:00:00+05:30',
        '<div><script>alert(1)</script><b>Paracetamol</b> 650 mg</div>',
      ),
    },
  ],
};

describe('records from other facilities', () => {
  afterEach(cleanup);

  it('pairs each document with the facility that sent it, newest first', () => {
    const rows = externalRecords(search);
    expect(rows.map((r) => [r.id, r.title, r.facility])).toEqual([
      ['b2', 'Prescription record', 'City Clinic'],
      ['b1', 'OP Consult Record', 'Sanjeevani Hospitals'],
    ]);
    expect(rows[1]?.sections).toEqual([{ title: 'Chief complaints', text: 'Fever & cough\n3 days' }]);
  });

  it('reads a narrative as plain text: no markup, entities decoded', () => {
    expect(narrativeText('<div><table><tr><td>Hb</td><td>9.8 g/dL</td></tr></table>&#8377;&#x20B9;&lt;ok&gt;</div>')).toBe(
      'Hb 9.8 g/dL\n₹₹<ok>',
    );
  });

  it('lists them on the patient page and opens one to its sections, showing markup as text, never running it', async () => {
    const { sent } = renderWithServer(<ExternalRecordsCard patientId="p1" onError={() => undefined} />, (req) =>
      req.url.includes('/Provenance?') ? search : {},
    );
    const row = await screen.findByTestId('external-record-b1');
    expect(row.textContent).toContain('OP Consult Record');
    expect(row.textContent).toContain('Sanjeevani Hospitals');
    expect(row.textContent).toContain('20/09/2025');
    expect(decodeURIComponent(sent[0]?.url ?? '')).toContain('patient=Patient/p1');
    fireEvent.click(screen.getAllByTestId('toggle-external-record')[1] as HTMLElement);
    await waitFor(() => expect(screen.getByTestId('external-record-b1').textContent).toContain('Fever & cough'));
    expect(document.querySelector('script')).toBeNull();
    expect(screen.getByTestId('external-record-b2').querySelector('b')).toBeNull();
  });

  it('asks for records through ABDM: the kinds and dates chosen, the doctor named; the server’s refusal shown as its sentence', async () => {
    let refuse = false;
    const { sent } = renderWithServer(
      <ExternalRecordsCard patientId="p1" doctorName="Dr. Anand Joshi" onError={() => undefined} />,
      (req) => {
        if (req.url.includes('$abdm-consent-request') && refuse)
          return new Response(
            JSON.stringify({
              resourceType: 'OperationOutcome',
              id: 'business-rule',
              issue: [
                {
                  severity: 'error',
                  code: 'business-rule',
                  details: {
                    coding: [{ system: 'https://hospital-ops.in/fhir/CodeSystem/hops-business-error', code: 'PATIENT_HAS_NO_ABHA' }],
                    text: 'The patient has no ABHA address (name@abdm) to ask consent of.',
                  },
                },
              ],
            }),
            { status: 422, headers: { 'content-type': 'application/fhir+json' } },
          );
        if (req.url.includes('$abdm-consent-request')) return { resourceType: 'Parameters', parameter: [] };
        return { resourceType: 'Bundle', type: 'searchset' };
      },
    );
    fireEvent.click(await screen.findByTestId('ask-for-records'));
    fireEvent.click(await screen.findByLabelText('Bills'));
    fireEvent.click(screen.getByLabelText('Prescriptions'));
    fireEvent.change(screen.getByTestId('records-from'), { target: { value: '01/01/2024' } });
    fireEvent.change(screen.getByTestId('records-to'), { target: { value: '31/12/2025' } });
    fireEvent.click(screen.getByTestId('send-records-request'));
    await waitFor(() => expect(sent.some((r) => r.url.includes('Patient/p1/$abdm-consent-request'))).toBe(true));
    const body = sent.find((r) => r.url.includes('$abdm-consent-request'))?.body as {
      parameter: { name: string; valueCode?: string; valueDateTime?: string; valueString?: string }[];
    };
    expect(body.parameter.filter((p) => p.name === 'hiType').map((p) => p.valueCode)).toEqual([
      'OPConsultation',
      'DiagnosticReport',
      'DischargeSummary',
      'Invoice',
    ]);
    expect(body.parameter.find((p) => p.name === 'from')?.valueDateTime).toBe('2024-01-01T00:00:00+05:30');
    expect(body.parameter.find((p) => p.name === 'to')?.valueDateTime).toBe('2025-12-31T23:59:59+05:30');
    expect(body.parameter.find((p) => p.name === 'requester')?.valueString).toBe('Dr. Anand Joshi');

    refuse = true;
    fireEvent.click(await screen.findByTestId('ask-for-records'));
    fireEvent.change(await screen.findByTestId('records-from'), { target: { value: '31/02/2024' } });
    fireEvent.click(screen.getByTestId('send-records-request'));
    expect((await screen.findByTestId('request-problem')).textContent).toBe(
      'Give the dates as DD/MM/YYYY, the first not after the second.',
    );
    fireEvent.change(screen.getByTestId('records-from'), { target: { value: '01/01/2024' } });
    fireEvent.click(screen.getByTestId('send-records-request'));
    await waitFor(() =>
      expect(screen.getByTestId('request-problem').textContent).toBe(
        'The patient has no ABHA address. Add or verify their ABHA on the registration first.',
      ),
    );
  });

  it('says when nothing was received', async () => {
    renderWithServer(<ExternalRecordsCard patientId="p1" onError={() => undefined} />, () => ({
      resourceType: 'Bundle',
      type: 'searchset',
    }));
    expect(await screen.findByText(/None received/)).toBeTruthy();
  });
});
