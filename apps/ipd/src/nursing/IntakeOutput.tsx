import { describeError } from '@hospital-ops/app-shell';
import { formatDate, formatTime } from '@hospital-ops/app-shell/format/index.ts';
import { useLanguage } from '@hospital-ops/app-shell/i18n/index.ts';
import { Alert, Button, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Encounter, Observation, Patient, Reference } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { dayBalance, daysWithEntries, INTAKE_ROUTES, ioEntries, ioObservation, OUTPUT_ROUTES, type Route } from './io.ts';
import { nursingDayOf } from './shifts.ts';
import { chartTime } from './when.ts';

const number = new Intl.NumberFormat('en-IN');
const signed = new Intl.NumberFormat('en-IN', { signDisplay: 'exceptZero' });

/** Intake/output entry and the 24-hour balance (08:00–08:00 IST) with per-shift running totals. */
export function IntakeOutput({
  encounter,
  observations,
  onSaved,
}: {
  encounter: Encounter;
  observations: Observation[];
  onSaved: () => Promise<void>;
}) {
  const { t } = useTranslation('ipd');
  const [lang] = useLanguage();
  const medplum = useMedplum();
  const [route, setRoute] = useState<Route>('oral');
  const [volume, setVolume] = useState<number | string>('');
  const [when, setWhen] = useState('');
  const [remark, setRemark] = useState('');
  const [busy, setBusy] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const today = nursingDayOf(new Date()).day;
  const [day, setDay] = useState(today);

  const entries = ioEntries(observations);
  const balance = dayBalance(entries, `${day}T12:00:00+05:30`);
  const days = [...new Set([today, ...daysWithEntries(entries)])].sort().reverse();
  const timeProblem = chartTime(when, encounter.period?.start).problem;
  const volumeOk = typeof volume === 'number' && volume >= 1 && volume <= 5000;
  const ml = (v: number, sign = false) => t('io.ml', { value: (sign ? signed : number).format(v) });

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const { at } = chartTime(when, encounter?.period?.start);
    if (!at || timeProblem || !volumeOk || !encounter.subject) return;
    setBusy(true);
    try {
      await medplum.createResource(
        ioObservation(
          route,
          volume as number,
          encounter.subject as Reference<Patient>,
          { reference: `Encounter/${encounter.id}` },
          at,
          remark.trim() || undefined,
        ),
      );
      notifications.show({ color: 'green', message: t('io.saved') });
      setVolume('');
      setRemark('');
      setSaveError(undefined);
      setDay(nursingDayOf(at).day);
      await onSaved();
    } catch (err) {
      setSaveError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };

  const routeOptions = [
    { group: t('io.intake'), items: INTAKE_ROUTES.map((r) => ({ value: r, label: t(`io.routes.${r}`) })) },
    { group: t('io.output'), items: OUTPUT_ROUTES.map((r) => ({ value: r, label: t(`io.routes.${r}`) })) },
  ];
  const dayEntries = entries.filter((x) => nursingDayOf(x.when).day === day);

  return (
    <Stack>
      <form onSubmit={(e) => void save(e)} data-testid="io-form">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <Select
            label={t('io.route')}
            data={routeOptions}
            value={route}
            onChange={(v) => v && setRoute(v as Route)}
            allowDeselect={false}
            data-testid="io-route"
          />
          <NumberInput
            label={t('io.volume')}
            min={1}
            max={5000}
            decimalScale={0}
            value={volume}
            onChange={setVolume}
            error={volume !== '' && !volumeOk ? t('io.volumeRange') : undefined}
            data-testid="io-volume"
          />
          <TextInput
            label={t('nursing.when')}
            placeholder={t('nursing.now')}
            value={when}
            onChange={(e) => setWhen(e.currentTarget.value)}
            error={timeProblem ? t(`nursing.whenProblem.${timeProblem}`) : undefined}
            data-testid="io-when"
          />
          <TextInput label={t('io.remark')} value={remark} onChange={(e) => setRemark(e.currentTarget.value)} data-testid="io-remark" />
        </SimpleGrid>
        {saveError && (
          <Alert color="red" role="alert" mt="sm">
            {saveError}
          </Alert>
        )}
        <Group justify="end" mt="sm">
          <Button type="submit" disabled={!volumeOk || !!timeProblem} loading={busy} data-testid="io-add">
            {t('io.add')}
          </Button>
        </Group>
      </form>

      <Group align="end" justify="space-between">
        <Select
          label={t('io.day')}
          data={days.map((d) => ({ value: d, label: formatDate(d) }))}
          value={day}
          onChange={(v) => v && setDay(v)}
          allowDeselect={false}
          data-testid="io-day"
        />
        <Text size="sm" c="dimmed">
          {t('io.dayRule')}
        </Text>
      </Group>
      <Paper withBorder p="md" data-testid="io-balance">
        <Title order={4} mb="xs">
          {t('io.total24')}
        </Title>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('io.shift')}</Table.Th>
              <Table.Th scope="col">{t('io.intake')}</Table.Th>
              <Table.Th scope="col">{t('io.output')}</Table.Th>
              <Table.Th scope="col">{t('io.balance')}</Table.Th>
              <Table.Th scope="col">{t('io.running')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {balance.shifts.map((s) => (
              <Table.Tr key={s.shift} data-testid={`io-shift-${s.shift}`}>
                <Table.Th scope="row">{t(`nursing.shift.${s.shift}`)}</Table.Th>
                <Table.Td>{ml(s.intake)}</Table.Td>
                <Table.Td>{ml(s.output)}</Table.Td>
                <Table.Td>{ml(s.balance, true)}</Table.Td>
                <Table.Td>{ml(s.running.balance, true)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
          <Table.Tfoot>
            <Table.Tr data-testid="io-total">
              <Table.Th scope="row">{t('io.total24')}</Table.Th>
              <Table.Th>{ml(balance.intake)}</Table.Th>
              <Table.Th>{ml(balance.output)}</Table.Th>
              <Table.Th>{ml(balance.balance, true)}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Tfoot>
        </Table>
      </Paper>
      <Title order={4}>{t('io.entries')}</Title>
      {dayEntries.length === 0 ? (
        <Text c="dimmed">{t('io.none')}</Text>
      ) : (
        <Table striped data-testid="io-entries">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('io.time')}</Table.Th>
              <Table.Th scope="col">{t('io.route')}</Table.Th>
              <Table.Th scope="col">{t('io.volume')}</Table.Th>
              <Table.Th scope="col">{t('io.remark')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {dayEntries.map((x) => (
              <Table.Tr key={x.id ?? x.when}>
                <Table.Td>
                  {formatDate(x.when)} {formatTime(x.when, lang)}
                </Table.Td>
                <Table.Td>
                  {t(`io.${x.direction}`)}: {t(`io.routes.${x.route}`)}
                </Table.Td>
                <Table.Td>{ml(x.ml)}</Table.Td>
                <Table.Td>{x.note ?? ''}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
