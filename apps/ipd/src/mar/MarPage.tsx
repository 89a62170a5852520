import { describeError, ErrorView } from '@hospital-ops/app-shell';
import { formatDate, formatTime, todayInIndia } from '@hospital-ops/app-shell/format/index.ts';
import { useLanguage } from '@hospital-ops/app-shell/i18n/index.ts';
import { Alert, Badge, Button, Group, Loader, Modal, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Encounter, Parameters, Patient, Reference } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { type KeyboardEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { isConflict } from '../fhir/operations.ts';
import {
  actionsFor,
  DOSE_LOOK,
  type Dose,
  type DoseAction,
  doseRecord,
  KEY_ACTIONS,
  type MarDay,
  type MarOrder,
  NOT_GIVEN_REASONS,
  type NotGivenReason,
  parseMar,
  shiftDate,
  timeline,
} from './mar.ts';

function StatusBadge({ dose }: { dose: Dose }) {
  const { t } = useTranslation('ipd');
  const look = DOSE_LOOK[dose.status];
  return (
    <Group gap={4}>
      <Badge color={look.color} variant={dose.status === 'due' ? 'light' : 'filled'} data-testid="dose-status" data-status={dose.status}>
        <span aria-hidden>{look.icon}</span> {t(`mar.status.${dose.status}`)}
      </Badge>
      {dose.flag && (
        <Badge color="red" variant="outline" data-testid="dose-flag">
          {t(`mar.flagged.${dose.flag}`, { defaultValue: dose.flag })}
        </Badge>
      )}
    </Group>
  );
}

/** The day's medication administration record of one stay: doses by time, recorded in one click (or G / N / H on a row). */
export function MarPage() {
  const { encounterId = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const date = search.get('date') ?? todayInIndia();
  const { t } = useTranslation('ipd');
  const [lang] = useLanguage();
  const medplum = useMedplum();
  const navigate = useNavigate();
  const [encounter, setEncounter] = useState<Encounter>();
  const [day, setDay] = useState<MarDay>();
  const [error, setError] = useState<unknown>();
  const [failure, setFailure] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [asking, setAsking] = useState<{ order: MarOrder; dose: Dose }>();
  const [reason, setReason] = useState<NotGivenReason | null>(null);

  const load = useCallback(async () => {
    try {
      const [enc, result] = await Promise.all([
        medplum.readResource('Encounter', encounterId, { cache: 'no-cache' }),
        medplum.get<Parameters>(`${medplum.fhirUrl('Encounter', encounterId, '$mar')}?date=${date}`, { cache: 'no-cache' }),
      ]);
      setEncounter(enc);
      setDay(parseMar(result));
    } catch (err) {
      setError(err);
    }
  }, [medplum, encounterId, date]);
  useEffect(() => void load(), [load]);

  const record = async (action: DoseAction, order: MarOrder, dose?: Dose, why?: NotGivenReason) => {
    if (!encounter?.subject) return;
    const profile = medplum.getProfile();
    setBusy(dose?.slot ?? order.request.reference);
    try {
      await medplum.createResource(
        doseRecord(
          action,
          order,
          dose,
          {
            patient: encounter.subject as Reference<Patient>,
            encounterId,
            performer: profile?.resourceType === 'Practitioner' ? { reference: `Practitioner/${profile.id}` } : undefined,
            now: Date.now(),
            reasonText: why ? t(`mar.reason.${why}`) : undefined,
          },
          why,
        ),
      );
      notifications.show({ color: 'green', message: t(`mar.done.${action}`, { medication: order.medication }) });
      setFailure(undefined);
    } catch (err) {
      setFailure(isConflict(err) ? t('mar.conflict') : describeError(err, t));
    } finally {
      setBusy(undefined);
      setAsking(undefined);
      setReason(null);
      await load();
    }
  };

  const act = (action: DoseAction, order: MarOrder, dose: Dose) => {
    if (action === 'not-given') setAsking({ order, dose });
    else void record(action, order, dose);
  };

  const onRowKey = (e: KeyboardEvent, order: MarOrder, dose: Dose) => {
    const action = KEY_ACTIONS[e.key.toLowerCase()];
    if (!action || !day || e.target !== e.currentTarget || !actionsFor(day, dose).includes(action)) return;
    e.preventDefault();
    act(action, order, dose);
  };

  if (error) return <ErrorView error={error} />;
  if (!encounter || !day) return <Loader />;
  const rows = timeline(day);
  const prn = day.orders.filter((o) => o.prn);
  return (
    <Stack maw={1000}>
      <Group justify="space-between">
        <Title order={2}>{t('mar.title', { patient: encounter.subject?.display ?? '' })}</Title>
        <Button variant="default" onClick={() => navigate('/')}>
          {t('vitals.back')}
        </Button>
      </Group>
      <Group data-testid="mar-date-nav">
        <Button variant="default" onClick={() => setSearch({ date: shiftDate(date, -1) })} aria-label={t('mar.previousDay')}>
          ←
        </Button>
        <Text fw={600} data-testid="mar-date">
          {formatDate(date)}
        </Text>
        <Button variant="default" onClick={() => setSearch({ date: shiftDate(date, 1) })} aria-label={t('mar.nextDay')}>
          →
        </Button>
        <Button variant="subtle" onClick={() => setSearch({})} disabled={date === todayInIndia()}>
          {t('mar.today')}
        </Button>
      </Group>
      {!day.open && <Alert color="gray">{t('mar.closed')}</Alert>}
      {failure && (
        <Alert color="red" role="alert" data-testid="mar-error">
          {failure}
        </Alert>
      )}
      <Text size="sm" c="dimmed">
        {t('mar.keys')}
      </Text>
      {rows.length === 0 ? (
        <Text c="dimmed">{t('mar.none')}</Text>
      ) : (
        <Table data-testid="mar-doses" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('mar.time')}</Table.Th>
              <Table.Th>{t('mar.medication')}</Table.Th>
              <Table.Th>{t('mar.statusLabel')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map(({ order, dose }) => (
              <Table.Tr
                key={dose.slot}
                tabIndex={0}
                data-testid={`dose-${order.medication}-${dose.time.slice(11, 16)}`}
                onKeyDown={(e) => onRowKey(e, order, dose)}
                style={{
                  background:
                    dose.status === 'missed'
                      ? 'var(--mantine-color-red-0)'
                      : dose.status === 'late'
                        ? 'var(--mantine-color-orange-0)'
                        : undefined,
                }}
              >
                <Table.Td fw={700}>{formatTime(dose.time, lang)}</Table.Td>
                <Table.Td>
                  <Text fw={600}>{order.medication}</Text>
                  <Text size="sm" c="dimmed">
                    {[dose.kind === 'stat' ? t('mar.stat') : '', ...order.instructions].filter(Boolean).join(' · ')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <StatusBadge dose={dose} />
                  {dose.reason && <Text size="sm">{dose.reason.text ?? dose.reason.coding?.[0]?.code}</Text>}
                  {dose.recordedAt && (
                    <Text size="xs" c="dimmed">
                      {t('mar.recordedAt', { time: formatTime(dose.recordedAt, lang) })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap={6}>
                    {actionsFor(day, dose).map((action) => (
                      <Button
                        key={action}
                        size="xs"
                        variant={action === 'given' ? 'filled' : 'light'}
                        color={action === 'given' ? 'green' : action === 'held' ? 'yellow' : 'grape'}
                        loading={busy === dose.slot}
                        onClick={() => act(action, order, dose)}
                      >
                        {t(`mar.action.${action}`)}
                      </Button>
                    ))}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {prn.length > 0 && (
        <>
          <Title order={3}>{t('mar.prn')}</Title>
          {prn.map((order) => (
            <Paper key={order.request.reference} withBorder p="sm" data-testid={`prn-${order.medication}`}>
              <Group justify="space-between">
                <div>
                  <Text fw={600}>{order.medication}</Text>
                  <Text size="sm" c="dimmed">
                    {order.instructions.join(' · ')}
                  </Text>
                  <Text size="sm">
                    {order.doses.length
                      ? t('mar.prnGiven', { times: order.doses.map((d) => formatTime(d.time, lang)).join(', ') })
                      : t('mar.prnNone')}
                  </Text>
                </div>
                {day.open && date === todayInIndia() && (
                  <Button color="green" loading={busy === order.request.reference} onClick={() => void record('given', order)}>
                    {t('mar.giveNow')}
                  </Button>
                )}
              </Group>
            </Paper>
          ))}
        </>
      )}
      <Modal
        opened={!!asking}
        onClose={() => {
          setAsking(undefined);
          setReason(null);
        }}
        title={asking ? t('mar.notGivenTitle', { medication: asking.order.medication, time: formatTime(asking.dose.time, lang) }) : ''}
      >
        <Stack>
          <Select
            data-autofocus
            label={t('mar.reasonLabel')}
            data-testid="mar-reason"
            value={reason}
            onChange={(v) => setReason(v as NotGivenReason | null)}
            data={NOT_GIVEN_REASONS.map((r) => ({ value: r, label: t(`mar.reason.${r}`) }))}
          />
          <Group justify="end">
            <Button variant="default" onClick={() => setAsking(undefined)}>
              {t('cancel')}
            </Button>
            <Button
              data-testid="mar-reason-submit"
              disabled={!reason}
              onClick={() => asking && reason && void record('not-given', asking.order, asking.dose, reason)}
            >
              {t('mar.action.not-given')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
