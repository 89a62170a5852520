import { ErrorView, useSession } from '@hospital-ops/app-shell';
import { Badge, Button, Card, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Encounter } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { checkInAppointment, tokenOf } from '../fhir/opd-operations.ts';
import { formatTime } from '../lib/format.ts';
import { advanced, NEXT_STATUS, nextToCall, type QueueEntry, queuesFor } from './queue.ts';
import { TokenSlipModal } from './TokenSlip.tsx';
import { useQueue } from './useQueue.ts';

/** The desk's and the doctor's view of today's OPD: tokens per doctor, check-in of bookings, calling the next patient. */
export function QueuePage() {
  const medplum = useMedplum();
  const session = useSession();
  const navigate = useNavigate();
  const { t, i18n } = useTranslation('opd');
  const { queues, expected, error, refresh } = useQueue();
  const [actionError, setActionError] = useState<unknown>();
  const [slip, setSlip] = useState<Encounter>();

  async function act(fn: () => Promise<unknown>) {
    try {
      setActionError(undefined);
      await fn();
      refresh();
    } catch (err) {
      setActionError(err);
    }
  }

  const advance = (e: Encounter, status: Encounter['status']) => medplum.updateResource(advanced(e, status));
  const shown = queues && queuesFor(queues, session.role, session.fhirUser);

  async function call(entry: QueueEntry) {
    await act(async () => {
      await advance(entry.encounter, 'in-progress');
      notifications.show({ color: 'teal', message: t('queue.called', { token: entry.token }) });
      if (session.fhirUser === entry.practitioner) navigate(`/encounters/${entry.encounter.id}`);
    });
  }

  const row = (e: QueueEntry) => (
    <Table.Tr key={e.encounter.id} data-testid={`queue-row-${e.token}`}>
      <Table.Td>
        <Text fw={700} size="lg">
          {e.token}
        </Text>
      </Table.Td>
      <Table.Td>
        <Button variant="subtle" size="compact-sm" onClick={() => navigate(`/patients/${e.patient?.id}`)}>
          {e.patient?.name?.[0]?.text ?? e.encounter.subject?.display}
        </Button>
      </Table.Td>
      <Table.Td>
        <Badge variant="light">{t(`encounter.status.${e.encounter.status}`)}</Badge>
      </Table.Td>
      <Table.Td>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={() => navigate(`/encounters/${e.encounter.id}`)}>
            {t('queue.open')}
          </Button>
          {e.encounter.status === 'arrived' && (
            <Button size="xs" variant="default" onClick={() => void act(() => advance(e.encounter, 'triaged'))}>
              {t('queue.markTriaged')}
            </Button>
          )}
          {e.encounter.status === 'in-progress' && (
            <Button
              size="xs"
              variant="default"
              onClick={() => void act(() => advance(e.encounter, NEXT_STATUS['in-progress'] ?? 'finished'))}
            >
              {t('queue.finish')}
            </Button>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );

  return (
    <Stack>
      <TokenSlipModal encounter={slip} onClose={() => setSlip(undefined)} />
      <Group justify="space-between">
        <Title order={2}>{t('queue.title')}</Title>
        <Button variant="light" component="a" href="/apps/opd/queue/display" target="_blank">
          {t('queue.display')}
        </Button>
      </Group>
      {(error ?? actionError) !== undefined && <ErrorView error={error ?? actionError} />}
      {expected.length > 0 && (
        <Card withBorder>
          <Title order={4}>{t('queue.expected')}</Title>
          <Table data-testid="expected">
            <Table.Tbody>
              {expected.map((a) => (
                <Table.Tr key={a.id}>
                  <Table.Td>{a.start ? formatTime(a.start, i18n.language) : ''}</Table.Td>
                  <Table.Td>{a.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.display}</Table.Td>
                  <Table.Td>{a.participant.find((p) => p.actor?.reference?.startsWith('Practitioner/'))?.actor?.display}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      data-testid="expected-check-in"
                      onClick={() =>
                        void act(async () => {
                          const e = await checkInAppointment(medplum, a);
                          notifications.show({ color: 'teal', message: t('queue.tokenIssued', { token: tokenOf(e) }) });
                          setSlip(e);
                        })
                      }
                    >
                      {t('queue.checkIn')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      {shown && shown.length === 0 && <Text c="dimmed">{t('queue.empty')}</Text>}
      <SimpleGrid cols={{ base: 1, lg: 2 }}>
        {shown?.map((q) => {
          const next = nextToCall(q);
          return (
            <Card key={q.practitioner} withBorder data-testid="doctor-queue">
              <Group justify="space-between">
                <Title order={4}>{q.name || t('queue.yours')}</Title>
                <Button disabled={!next} onClick={() => next && void call(next)} data-testid="call-next">
                  {next ? t('queue.callNext', { token: next.token }) : t('queue.nobodyWaiting')}
                </Button>
              </Group>
              <Table>
                <Table.Tbody>
                  {q.current && row(q.current)}
                  {q.waiting.map(row)}
                  {q.done.map(row)}
                </Table.Tbody>
              </Table>
            </Card>
          );
        })}
      </SimpleGrid>
    </Stack>
  );
}
