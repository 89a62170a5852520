import { useSession } from '@hospital-ops/app-shell';
import { formatDateTime, parseIndianDate } from '@hospital-ops/app-shell/format/index.ts';
import { Alert, Button, Group, SegmentedControl, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadRegister } from '../fhir/pharmacy-api.ts';
import type { RegisterLine } from '../pharmacy/alerts.ts';
import './print.css';

/** The Schedule H1 (or X) register kept by the server, for a date range, printable (Drugs and Cosmetics Rules). */
export function RegisterPage() {
  const { t, i18n } = useTranslation('pharmacy');
  const { medplum } = useSession();
  const [schedule, setSchedule] = useState<'H1' | 'X'>('H1');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [lines, setLines] = useState<RegisterLine[]>();
  const [error, setError] = useState<string>();
  const lang = i18n.language === 'hi' ? 'hi' : 'en';
  const show = useCallback(() => {
    setError(undefined);
    loadRegister(medplum, schedule, parseIndianDate(from), parseIndianDate(to)).then(setLines, () => setError(t('errors.load')));
  }, [medplum, schedule, from, to, t]);
  useEffect(show, [schedule]);
  return (
    <Stack>
      <Group justify="space-between" className="no-print">
        <Title order={2}>{t('register.title', { schedule })}</Title>
        <SegmentedControl
          aria-label={t('register.schedule')}
          value={schedule}
          onChange={(v) => setSchedule(v as 'H1' | 'X')}
          data={[
            { value: 'H1', label: 'H1' },
            { value: 'X', label: 'X' },
          ]}
        />
      </Group>
      <Group align="end" className="no-print">
        <TextInput label={t('register.from')} value={from} onChange={(e) => setFrom(e.currentTarget.value)} w={180} />
        <TextInput label={t('register.to')} value={to} onChange={(e) => setTo(e.currentTarget.value)} w={180} />
        <Button variant="light" onClick={show}>
          {t('register.show')}
        </Button>
        <Button onClick={() => window.print()} data-testid="print-register">
          {t('register.print')}
        </Button>
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      <div className="print-area">
        <Title order={3} className="print-only">
          {t('register.title', { schedule })}
        </Title>
        {lines && !lines.length && <Text c="dimmed">{t('register.empty')}</Text>}
        {lines && lines.length > 0 && (
          <Table withTableBorder withColumnBorders data-testid="register-table">
            <Table.Thead>
              <Table.Tr>
                {(['serial', 'date', 'patient', 'prescriber', 'medicine', 'batch', 'quantity'] as const).map((c) => (
                  <Table.Th key={c}>{t(`register.column.${c}`)}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {lines.map((l) => (
                <Table.Tr key={l.serial} data-testid="register-row">
                  <Table.Td>{l.serial}</Table.Td>
                  <Table.Td>{formatDateTime(l.date, lang)}</Table.Td>
                  <Table.Td>{l.patient}</Table.Td>
                  <Table.Td>{l.prescriber}</Table.Td>
                  <Table.Td>{l.medication}</Table.Td>
                  <Table.Td>{l.batch}</Table.Td>
                  <Table.Td>{l.quantity}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </div>
    </Stack>
  );
}
