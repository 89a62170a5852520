import { Group, Text } from '@mantine/core';
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

/** A suggestion with its code beside it; the typed-text option says, in the user's language, what it does. */
function Item({ resource, active }: AsyncAutocompleteOption<ValueSetExpansionContains> & { active?: boolean }) {
  const { t } = useTranslation('opd');
  if (!resource.code) return <Text fw={active ? 600 : undefined}>{t('terms.asTyped', { text: resource.display })}</Text>;
  return (
    <Group gap="xs" wrap="nowrap">
      <Text fw={active ? 600 : undefined}>{resource.display}</Text>
      <Text size="xs" c="dimmed">
        {resource.code}
      </Text>
    </Group>
  );
}

/**
 * Type-ahead over a value set's `$expand`, for the desk and the doctor. When suggestions cannot be
 * had (a code system not loaded, the network), it says so in a plain sentence and still takes what
 * is typed as text; the server's own message goes to the console for whoever runs the server.
 */
/** The suggestions, then what was typed as a last option (medplum's own "+ Create" is English only). */
function withTyped(found: ValueSetExpansionContains[], input: string): ValueSetExpansionContains[] {
  const typed = input.trim();
  if (!typed || found.some((c) => c.display?.toLowerCase() === typed.toLowerCase())) return found;
  return [...found, asText(typed)];
}

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
        const found = (vs.expansion?.contains ?? []).filter((c) => {
          const key = toOption(c).value;
          if (!c.code || seen.has(key)) return false;
          seen.add(key);
          return true;
        });
        return withTyped(found, input);
      } catch (err) {
        if (signal.aborted) return [];
        console.warn(`Suggestions from ${binding} failed`, err);
        setUnavailable(true);
        return withTyped([], input);
      }
    },
    [medplum, binding],
  );
  return (
    <AsyncAutocomplete<ValueSetExpansionContains>
      {...rest}
      clearable
      toOption={toOption}
      loadOptions={load}
      itemComponent={Item}
      description={unavailable ? <span data-testid="term-picker-unavailable">{t('terms.unavailable')}</span> : undefined}
    />
  );
}
