import { patientQueries, useSession } from '@hospital-ops/app-shell';
import { formatDate, formatInr } from '@hospital-ops/app-shell/format/index.ts';
import { Alert, Button, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import type { Patient } from '@medplum/fhirtypes';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadPrescriptions } from '../fhir/pharmacy-api.ts';
import { type DispenseOutcome, lotOf, type PrescriptionRow } from '../pharmacy/dispense.ts';
import { DispensePanel } from './DispensePanel.tsx';
import { refusalMessage } from './refusal.ts';
import { NoStore, StorePicker, useStores } from './stores.tsx';

const UHID_SYSTEM = 'https://hospital-ops.in/fhir/sid/uhid';
const nameOf = (p: Patient) => p.name?.[0]?.text ?? [p.name?.[0]?.given?.join(' '), p.name?.[0]?.family].filter(Boolean).join(' ');
const uhidOf = (p: Patient) => p.identifier?.find((i) => i.system === UHID_SYSTEM)?.value;

/** The counter: find the patient, their active prescriptions with what is pending, and dispense one. */
export function DispensePage() {
  const { t } = useTranslation('pharmacy');
  const { medplum } = useSession();
  const { loaded, store } = useStores();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Patient[]>();
  const [patient, setPatient] = useState<Patient>();
  const [rows, setRows] = useState<PrescriptionRow[]>();
  const [open, setOpen] = useState<string>();
  const [message, setMessage] = useState<string>();
  const [result, setResult] = useState<{ label: string; outcome: DispenseOutcome }>();
  const search = useRef<HTMLInputElement>(null);
  useEffect(() => search.current?.focus(), []);

  const reload = useCallback(
    (p: Patient) => {
      loadPrescriptions(medplum, p).then(setRows, (e) => setMessage(refusalMessage(e, t, 'errors.dispense')));
    },
    [medplum, t],
  );

  const choose = (p: Patient) => {
    setPatient(p);
    setFound(undefined);
    setOpen(undefined);
    setRows(undefined);
    setResult(undefined);
    reload(p);
  };

  const find = async () => {
    const queries = patientQueries(query);
    setMessage(undefined);
    if (!queries) return;
    try {
      const results = await Promise.all(queries.map((q) => medplum.searchResources('Patient', { ...q, _count: '10' })));
      const unique = [...new Map(results.flat().map((p) => [p.id, p])).values()];
      if (unique.length === 1) choose(unique[0]);
      else if (!unique.length) setMessage(t('dispense.noPatient', { value: query }));
      else setFound(unique);
    } catch (e) {
      setMessage(refusalMessage(e, t, 'errors.dispense'));
    }
  };

  if (loaded && !store) return <NoStore />;
  return (
    <Stack>
      <Group justify="space-between" align="end">
        <Title order={2}>{t('dispense.title')}</Title>
        <StorePicker />
      </Group>
      <TextInput
        ref={search}
        size="lg"
        data-testid="patient-search"
        label={t('dispense.patientSearch')}
        placeholder={t('dispense.patientPlaceholder')}
        value={query}
        autoComplete="off"
        onChange={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            void find();
          }
        }}
      />
      {message && (
        <Alert color="red" data-testid="dispense-message">
          {message}
        </Alert>
      )}
      {found && (
        <Stack gap="xs">
          <Text fw={600}>{t('dispense.choosePatient')}</Text>
          {found.map((p) => (
            <Button key={p.id} variant="light" justify="start" onClick={() => choose(p)} data-testid="patient-choice">
              {nameOf(p)} {uhidOf(p) ? `· ${uhidOf(p)}` : ''}
            </Button>
          ))}
        </Stack>
      )}
      {patient && (
        <Title order={3} data-testid="patient-name">
          {nameOf(patient)} {uhidOf(patient) ? `· ${uhidOf(patient)}` : ''}
        </Title>
      )}
      {result && <DispenseResult label={result.label} outcome={result.outcome} />}
      {rows && !rows.length && <Text c="dimmed">{t('dispense.noPrescriptions')}</Text>}
      {rows && rows.length > 0 && (
        <Table withTableBorder data-testid="prescriptions">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('dispense.column.medicine')}</Table.Th>
              <Table.Th>{t('dispense.column.doctor')}</Table.Th>
              <Table.Th>{t('dispense.column.date')}</Table.Th>
              <Table.Th ta="right">{t('dispense.column.prescribed')}</Table.Th>
              <Table.Th ta="right">{t('dispense.column.given')}</Table.Th>
              <Table.Th ta="right">{t('dispense.column.pending')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <PrescriptionLine
                key={r.id}
                row={r}
                open={open === r.id}
                onOpen={() => {
                  setOpen(open === r.id ? undefined : r.id);
                  setResult(undefined);
                }}
                onDone={(outcome) => {
                  setResult({ label: r.label, outcome });
                  setOpen(undefined);
                  if (patient) reload(patient);
                }}
              />
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

/** What the server handed over, batch by batch, and what stays pending. */
function DispenseResult({ label, outcome }: { label: string; outcome: DispenseOutcome }) {
  const { t, i18n } = useTranslation('pharmacy');
  const lang = i18n.language === 'hi' ? 'hi' : 'en';
  const amount = outcome.lines.reduce((n, l) => n + Math.round((l.unitPrice ?? 0) * 100) * l.quantity, 0) / 100;
  return (
    <Alert color={outcome.pending ? 'orange' : 'green'} title={label} data-testid="dispense-result">
      <Text>
        {outcome.pending
          ? t('dispense.resultPending', { dispensed: outcome.dispensed, pending: outcome.pending })
          : t('dispense.result', { dispensed: outcome.dispensed })}
      </Text>
      {outcome.lines.map((l) => (
        <Text key={l.id} size="sm" data-testid="dispense-line">
          {t('dispense.resultLine', { quantity: l.quantity, lot: lotOf(l.display) ?? '', price: formatInr(l.unitPrice ?? 0, lang) })}
        </Text>
      ))}
      <Text size="sm" fw={600}>
        {t('dispense.total', { amount: formatInr(amount, lang) })}
      </Text>
    </Alert>
  );
}

function PrescriptionLine({
  row,
  open,
  onOpen,
  onDone,
}: {
  row: PrescriptionRow;
  open: boolean;
  onOpen: () => void;
  onDone: (o: DispenseOutcome) => void;
}) {
  const { t } = useTranslation('pharmacy');
  const finished = row.pending === 0;
  return (
    <>
      <Table.Tr data-testid="rx-row" data-rx={row.id}>
        <Table.Td>
          <Text fw={600}>{row.label}</Text>
          {row.dosage && (
            <Text size="sm" c="dimmed">
              {row.dosage}
            </Text>
          )}
        </Table.Td>
        <Table.Td>{row.prescriber ?? ''}</Table.Td>
        <Table.Td>{formatDate(row.authoredOn?.slice(0, 10))}</Table.Td>
        <Table.Td ta="right">{row.prescribed ?? ''}</Table.Td>
        <Table.Td ta="right" data-testid="rx-given">
          {row.dispensed}
        </Table.Td>
        <Table.Td ta="right" data-testid="rx-pending">
          {row.pending ?? ''}
        </Table.Td>
        <Table.Td>
          {finished ? (
            <Text c="green" fw={600}>
              {t('dispense.done')}
            </Text>
          ) : (
            <Button size="sm" variant={open ? 'filled' : 'light'} onClick={onOpen} data-testid="rx-open">
              {t('dispense.open')}
            </Button>
          )}
        </Table.Td>
      </Table.Tr>
      {open && !finished && (
        <Table.Tr>
          <Table.Td colSpan={7}>
            <DispensePanel row={row} onDone={onDone} />
          </Table.Td>
        </Table.Tr>
      )}
    </>
  );
}
