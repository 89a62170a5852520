// @vitest-environment jsdom
import type { ValueSetExpansionContains } from '@medplum/fhirtypes';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { getI18n } from 'react-i18next';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hi } from '../i18n/hi.ts';
import { renderWithServer } from '../test/render.tsx';
import { TermPicker } from './TermPicker.tsx';

// What the server answers for a value set whose code system is not loaded.
const refused = () =>
  new Response(
    JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'not-supported',
          details: { text: 'The value set draws on http://snomed.info/sct, which is not loaded here; import it with npm run terminology' },
        },
      ],
    }),
    { status: 422, headers: { 'content-type': 'application/fhir+json' } },
  );

function picker(answer: Parameters<typeof renderWithServer>[1]) {
  const onChange = vi.fn<(items: ValueSetExpansionContains[]) => void>();
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  const { sent } = renderWithServer(
    <TermPicker binding="http://hl7.org/fhir/ValueSet/allergyintolerance-code" label="Add allergy" name="allergy" onChange={onChange} />,
    answer,
  );
  return { onChange, sent, input: screen.getByRole('searchbox') as HTMLInputElement };
}

describe('TermPicker', () => {
  afterEach(async () => {
    cleanup();
    vi.restoreAllMocks();
    await getI18n()?.changeLanguage('en');
  });

  it('shows suggestions from $expand', async () => {
    const { input, sent } = picker(() => ({
      resourceType: 'ValueSet',
      expansion: { contains: [{ system: 'http://snomed.info/sct', code: '764146007', display: 'Penicillin' }] },
    }));
    fireEvent.change(input, { target: { value: 'peni' } });
    expect(await screen.findByText('Penicillin')).toBeTruthy();
    expect(decodeURIComponent(sent[0]?.url ?? '')).toContain('filter=peni');
  });

  it('never shows the server message when suggestions fail: a plain sentence, and typed text is still taken', async () => {
    const { input, onChange } = picker(refused);
    fireEvent.change(input, { target: { value: 'Sulfa drugs' } });
    expect((await screen.findByTestId('term-picker-unavailable')).textContent).toBe(
      'No suggestions right now. Type the name in full and choose “Record as written”.',
    );
    expect(document.body.textContent).not.toMatch(/npm run|not loaded|snomed\.info|OperationOutcome|422/);
    const create = await waitFor(() => {
      const option = document.querySelector('[data-combobox-option]');
      expect(option?.textContent).toBe('Record as written: Sulfa drugs');
      return option as HTMLElement;
    });
    fireEvent.click(create);
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    // Free text stays text: no code that would pretend to come from SNOMED CT.
    expect(onChange.mock.lastCall?.[0]).toEqual([{ display: 'Sulfa drugs' }]);
  });

  it('says it in Hindi to a Hindi user', async () => {
    const { input } = picker(refused);
    await getI18n()?.changeLanguage('hi');
    fireEvent.change(input, { target: { value: 'dawa' } });
    expect((await screen.findByTestId('term-picker-unavailable')).textContent).toBe(hi.terms.unavailable);
    // The typed-text option speaks Hindi too (medplum's own would say "+ Create").
    await waitFor(() => expect(document.querySelector('[data-combobox-option]')?.textContent).toBe('जैसा लिखा है वैसा दर्ज करें: dawa'));
    expect(document.body.textContent).not.toMatch(/Create/);
  });
});
