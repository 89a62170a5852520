import type { DiagnosticReport, Observation, Organization, Patient, Specimen } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { istDateTime, practitionerLine, renderReportPdf, reportView, verifiedLine } from '../../src/features/lab/report-pdf.ts';

const INTERP = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const obs = (name: string, value: number, unit: string, range: string, flag: string): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: name },
  valueQuantity: { value, unit },
  referenceRange: [{ text: `${range} ${unit}` }],
  interpretation: [{ coding: [{ system: INTERP, code: flag }] }],
});

const report: DiagnosticReport = {
  resourceType: 'DiagnosticReport',
  status: 'final',
  code: { text: 'CBC' },
  issued: '2026-12-06T05:30:00Z',
};
const patient: Patient = {
  resourceType: 'Patient',
  name: [{ text: 'Ravi Kulkarni' }],
  gender: 'male',
  birthDate: '1980-03-15',
  identifier: [{ type: { coding: [{ code: 'MR' }] }, value: 'SH-PUN-000123' }],
};
const specimen: Specimen = {
  resourceType: 'Specimen',
  accessionIdentifier: { value: 'PUN2612060007' },
  collection: { collectedDateTime: '2026-12-06T08:15:00+05:30' },
  receivedTime: '2026-12-06T08:40:00+05:30',
};
const lab: Organization = {
  resourceType: 'Organization',
  name: 'Sanjeevani Hospital, Pune',
  address: [{ line: ['12 Prabhat Road'], city: 'Pune', state: 'Maharashtra', postalCode: '411004' }],
  telecom: [{ system: 'phone', value: '+912025671234' }],
};
const observations = [
  obs('Haemoglobin', 6.4, 'g/dL', '13–17', 'LL'),
  obs('Total leucocyte count', 12.5, '10*3/uL', '4–10', 'H'),
  obs('Platelet count', 250, '10*3/uL', '150–410', 'N'),
];

describe('the lab report', () => {
  it('prints the letterhead, patient, sample and each result with its range and flag', () => {
    const view = reportView(report, observations, patient, specimen, lab, undefined);
    expect(view.lab).toEqual({
      name: 'Sanjeevani Hospital, Pune',
      address: '12 Prabhat Road, Pune, Maharashtra, 411004',
      phone: '+912025671234',
    });
    expect(view.patient).toEqual({ name: 'Ravi Kulkarni', uhid: 'SH-PUN-000123', ageSex: '46 y / M' });
    expect([view.accession, view.collected, view.received, view.issued]).toEqual([
      'PUN2612060007',
      '06/12/2026 08:15',
      '06/12/2026 08:40',
      '06/12/2026 11:00',
    ]);
    expect(view.rows).toEqual([
      { name: 'Haemoglobin', value: '6.4', unit: 'g/dL', range: '13–17', flag: 'Critical low', critical: true },
      { name: 'Total leucocyte count', value: '12.5', unit: '10*3/uL', range: '4–10', flag: 'High', critical: false },
      { name: 'Platelet count', value: '250', unit: '10*3/uL', range: '150–410', flag: '', critical: false },
    ]);
    expect(view.verified).toBe(true);
    expect(view.status).toBe('Final / अंतिम');
  });

  it('says a preliminary report is not verified', () => {
    const view = reportView({ ...report, status: 'preliminary' }, observations, patient, specimen, lab, undefined);
    expect(view.verified).toBe(false);
    expect(view.status).toMatch(/^Preliminary, not verified/);
  });

  it('renders an A4 PDF', async () => {
    const pdf = await renderReportPdf(
      reportView(report, observations, patient, specimen, lab, undefined),
      new Date('2026-12-06T06:00:00Z'),
    );
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/\/MediaBox \[0 0 595\.28 841\.89\]/);
    if (process.env.LAB_REPORT_PDF) (await import('node:fs')).writeFileSync(process.env.LAB_REPORT_PDF, pdf);
  });

  it('names the verifier with their qualifications and the verification time in IST', () => {
    const asha = {
      resourceType: 'Practitioner' as const,
      name: [{ prefix: ['Dr'], given: ['Asha'], family: 'Rao' }],
      qualification: [{ code: { text: 'MBBS' } }, { code: { text: 'MD (Pathology)' } }],
    };
    expect(practitionerLine(asha)).toBe('Dr Asha Rao, MBBS, MD (Pathology)');
    const verified = {
      ...report,
      issued: '2026-12-06T09:00:00Z',
      extension: [{ url: 'https://hospital-ops.in/fhir/StructureDefinition/lab-verified-at', valueDateTime: '2026-12-06T06:10:00Z' }],
    };
    expect(reportView(verified, observations, patient, specimen, lab, undefined, asha).verifiedBy).toBe(
      'Verified by Dr Asha Rao, MBBS, MD (Pathology) on 06/12/2026 11:40 IST',
    );
    // Verified by a system client (no person): the time alone, from issued when there is no mark.
    expect(verifiedLine(report, undefined)).toBe('Verified on 06/12/2026 11:00 IST');
    expect(verifiedLine({ ...report, status: 'preliminary' }, asha)).toBe('');
  });

  it('writes times in India whatever the server’s zone', () => {
    expect(istDateTime('2026-12-06T18:45:00Z')).toBe('07/12/2026 00:15');
    expect(istDateTime(undefined)).toBe('');
  });
});
