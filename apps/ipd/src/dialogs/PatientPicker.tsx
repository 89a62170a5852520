import { formatPhone } from '@hospital-ops/app-shell/format/index.ts';
import { patientQueries } from '@hospital-ops/app-shell/patients/search.ts';
import { Button, CloseButton, Group, Paper, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { mobileOf, patientName, uhidOf } from '../fhir/patient.ts';

export interface PickedPatient {
  id: string;
  name: string;
}

/** Type-ahead patient search by name, UHID or mobile (the OPD's rules, from the shell); the results are buttons. */
export function PatientPicker({ value, onChange }: { value?: PickedPatient; onChange: (p?: PickedPatient) => void }) {
  const { t } = useTranslation('ipd');
  const medplum = useMedplum();
  const [text, setText] = useState('');
  const [debounced] = useDebouncedValue(text, 250);
  const [results, setResults] = useState<Patient[]>();

  useEffect(() => {
    const queries = patientQueries(debounced);
    if (!queries || value) return setResults(undefined);
    const controller = new AbortController();
    Promise.all(queries.map((q) => medplum.search('Patient', { ...q, _count: '8' }, { signal: controller.signal, cache: 'no-cache' })))
      .then((bundles: Bundle<Patient>[]) => {
        const seen = new Map<string, Patient>();
        for (const p of bundles.flatMap((b) => b.entry?.map((e) => e.resource as Patient) ?? []))
          if (p.id && !seen.has(p.id)) seen.set(p.id, p);
        setResults([...seen.values()].slice(0, 8));
      })
      .catch(() => {
        if (!controller.signal.aborted) setResults([]);
      });
    return () => controller.abort();
  }, [debounced, medplum, value]);

  if (value)
    return (
      <Paper withBorder p="xs">
        <Group justify="space-between">
          <Text fw={600} data-testid="admit-patient-chosen">
            {value.name}
          </Text>
          <CloseButton aria-label={t('cancel')} onClick={() => onChange(undefined)} />
        </Group>
      </Paper>
    );
  return (
    <Stack gap={4}>
      <TextInput
        data-autofocus
        label={t('admit.patient')}
        placeholder={t('admit.patientPlaceholder')}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        data-testid="admit-patient"
      />
      {results?.length === 0 && <Text c="dimmed">{t('admit.patientNone')}</Text>}
      {results?.map((p) => (
        <Button
          key={p.id}
          variant="light"
          justify="space-between"
          fullWidth
          onClick={() => onChange({ id: p.id as string, name: patientName(p) })}
          rightSection={<Text size="xs">{[uhidOf(p), mobileOf(p) && formatPhone(mobileOf(p))].filter(Boolean).join(' · ')}</Text>}
          data-testid="admit-patient-option"
        >
          {patientName(p)}
        </Button>
      ))}
    </Stack>
  );
}
