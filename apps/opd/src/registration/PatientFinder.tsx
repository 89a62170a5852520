import { ErrorView } from '@hospital-ops/app-shell';
import { patientQueries } from '@hospital-ops/app-shell/patients/search.ts';
import { Badge, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { abhaNumberOf, phoneOf, uhidOf } from '../fhir/patient.ts';
import { ageOf, formatAbhaNumber, formatPhone } from '../lib/format.ts';

/** Type-ahead patient search: name fragment, phone, UHID or ABHA, as the desk types. */
export function PatientFinder() {
  const medplum = useMedplum();
  const navigate = useNavigate();
  const { t, i18n } = useTranslation('opd');
  const [text, setText] = useState('');
  const [debounced] = useDebouncedValue(text, 200);
  const [results, setResults] = useState<Patient[]>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    const queries = patientQueries(debounced);
    if (!queries) {
      setResults(undefined);
      return;
    }
    const controller = new AbortController();
    // One search per reading of the input (identifier, name, ...); identifier matches come first.
    Promise.all(
      queries.map((query) => medplum.search('Patient', { ...query, _count: '20' }, { signal: controller.signal, cache: 'no-cache' })),
    )
      .then((bundles: Bundle<Patient>[]) => {
        const seen = new Map<string, Patient>();
        for (const p of bundles.flatMap((b) => b.entry?.map((e) => e.resource as Patient) ?? []))
          if (p.id && !seen.has(p.id)) seen.set(p.id, p);
        setResults([...seen.values()].slice(0, 20));
        setError(undefined);
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setError(err);
      });
    return () => controller.abort();
  }, [debounced, medplum]);

  return (
    <Stack>
      <Group align="end">
        <TextInput
          data-autofocus
          autoFocus
          flex={1}
          size="md"
          label={t('search.label')}
          placeholder={t('search.placeholder')}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          data-testid="patient-search"
        />
        <Button size="md" onClick={() => navigate(`/patients/new?q=${encodeURIComponent(text)}`)} data-testid="register-new">
          {t('search.register')}
        </Button>
      </Group>
      {error !== undefined && <ErrorView error={error} />}
      {results && results.length === 0 && <Text c="dimmed">{t('search.none')}</Text>}
      {results && results.length > 0 && (
        <Table highlightOnHover data-testid="patient-results">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('patient.name')}</Table.Th>
              <Table.Th>{t('patient.ageSex')}</Table.Th>
              <Table.Th>{t('patient.phone')}</Table.Th>
              <Table.Th>{t('patient.uhid')}</Table.Th>
              <Table.Th>{t('patient.abhaNumber')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {results.map((p) => (
              <Table.Tr
                key={p.id}
                style={{ cursor: 'pointer' }}
                tabIndex={0}
                onClick={() => navigate(`/patients/${p.id}`)}
                onKeyDown={(e) => e.key === 'Enter' && navigate(`/patients/${p.id}`)}
              >
                <Table.Td>{p.name?.[0]?.text ?? [p.name?.[0]?.given?.join(' '), p.name?.[0]?.family].join(' ')}</Table.Td>
                <Table.Td>
                  {p.birthDate ? ageOf(p.birthDate, i18n.language) : '—'} / {t(`gender.${p.gender ?? 'unknown'}`)}
                </Table.Td>
                <Table.Td>{phoneOf(p) ? formatPhone(phoneOf(p)) : '—'}</Table.Td>
                <Table.Td>{uhidOf(p)}</Table.Td>
                <Table.Td>{abhaNumberOf(p) ? <Badge variant="light">{formatAbhaNumber(abhaNumberOf(p))}</Badge> : '—'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
