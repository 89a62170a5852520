// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import type { DiagnosticReport, Observation } from '@medplum/fhirtypes';
import { cleanup, render, screen } from '@testing-library/react';
import type { i18n as I18n } from 'i18next';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initLabI18n } from '../i18n/index.ts';
import { ReportView } from './ReportView.tsx';

const V3 = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
const report: DiagnosticReport = { resourceType: 'DiagnosticReport', status: 'preliminary', code: { text: 'KFT' } };
const creatinine: Observation = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'preliminary',
  code: { coding: [{ system: 'http://loinc.org', code: '2160-0' }], text: 'Creatinine' },
  valueQuantity: { value: 1.6, unit: 'mg/dL' },
  interpretation: [{ coding: [{ system: V3, code: 'H' }] }, { coding: [{ system: V3, code: 'U' }] }],
  note: [{ text: 'Delta check: previous 1 mg/dL on 05/12/2026 (+60%)' }],
};
const sodium: Observation = {
  ...creatinine,
  id: 'o2',
  code: { coding: [{ system: 'http://loinc.org', code: '2951-2' }], text: 'Sodium' },
  interpretation: [{ coding: [{ system: V3, code: 'N' }] }],
  note: undefined,
};

function show() {
  window.matchMedia ??= (() => ({ matches: false, addEventListener() {}, removeEventListener() {} })) as never;
  render(
    <MantineProvider>
      <ReportView report={report} observations={[creatinine, sodium]} />
    </MantineProvider>,
  );
}

let i18n: I18n;

describe('the report as the verifier sees it', () => {
  beforeAll(() => {
    i18n = initLabI18n();
  });
  afterEach(async () => {
    cleanup();
    await i18n.changeLanguage('en');
  });

  it('marks a result the delta check flagged, with the previous value on hover, and no other', () => {
    show();
    const badges = screen.getAllByTestId('delta-badge');
    expect(badges).toHaveLength(1);
    expect(badges[0].textContent).toBe('↑ Sharp rise since the last result');
    expect(badges[0].getAttribute('title')).toMatch(/previous 1 mg\/dL/);
    expect(screen.getByTestId('report-row-2951-2').querySelector('[data-testid="delta-badge"]')).toBeNull();
  });

  it('says it in Hindi', async () => {
    await i18n.changeLanguage('hi');
    show();
    expect(screen.getByTestId('delta-badge').textContent).toBe('↑ पिछली जाँच से तेज़ बढ़त');
  });
});
