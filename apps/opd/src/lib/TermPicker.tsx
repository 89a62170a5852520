import type { ValueSetExpansionContains } from '@medplum/fhirtypes';
import { AsyncAutocomplete, type AsyncAutocompleteOption, useMedplum } from '@medplum/react';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';

export interface TermPickerProps {
  /** The value set to expand (its canonical URL, or an implicit one such as `http://loinc.org?fhir_vs`). */
  binding: string;
  name?: string;
  label?: string;
  placeholder?: string;
  maxValues?: number;
  onChange: (items: ValueSetExpansionContains[]) => void;
  'data-testid'?: string;
}

const toOption = (c: ValueSetExpansionContains): AsyncAutocompleteOption<ValueSetExpansionContains> => ({
  value: c.system && c.code ? `${c.system}|${c.code}` : `text|${c.display ?? ''}`,
  label: c.display ?? c.code ?? '',
  resource: c,
});

// What the person typed, kept as text: no code, so nothing pretends it came from a code system.
const asText = (input: string): ValueSetExpansionContains => ({ display: input.trim() });

/**
 * Type-ahead over a value set's `$expand`, for the desk and the doctor. When suggestions cannot be
 * had (a code system not loaded, the network), it says so in a plain sentence and still takes what
 * is typed as text; the server's own message goes to the console for whoever runs the server.
 */
export function TermPicker({ binding, ...rest }: TermPickerProps) {
  const medplum = useMedplum();
  const { t } = useTranslation('opd');
  const [unavailable, setUnavailable] = useState(false);
  const load = useCallback(
    async (input: string, signal: AbortSignal): Promise<ValueSetExpansionContains[]> => {
      try {
        const vs = await medplum.valueSetExpand({ url: binding, filter: input, count: 10 }, { signal });
        setUnavailable(false);
        const seen = new Set<string>();
        return (vs.expansion?.contains ?? []).filter((c) => {
          const key = toOption(c).value;
          if (!c.code || seen.has(key)) return false;
          seen.add(key);
          return true;
        });
      } catch (err) {
        if (signal.aborted) return [];
        console.warn(`Suggestions from ${binding} failed`, err);
        setUnavailable(true);
        return [];
      }
    },
    [medplum, binding],
  );
  return (
    <AsyncAutocomplete<ValueSetExpansionContains>
      {...rest}
      creatable
      clearable
      toOption={toOption}
      loadOptions={load}
      onCreate={asText}
      description={unavailable ? <span data-testid="term-picker-unavailable">{t('terms.unavailable')}</span> : undefined}
    />
  );
}
