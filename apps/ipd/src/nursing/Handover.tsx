import { formatDate, formatDateTime, formatTime } from '@hospital-ops/app-shell/format/index.ts';
import { useLanguage } from '@hospital-ops/app-shell/i18n/index.ts';
import { Badge, Button, Group, List, Paper, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import type { Observation } from '@medplum/fhirtypes';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { News2Risk } from '../vitals/news2.ts';
import { RISK_LOOK } from '../vitals/VitalsPage.tsx';
import { handoverOf } from './handover.ts';
import { previousShift, type Shift, type ShiftName, shiftAt, shiftOf } from './shifts.ts';

const number = new Intl.NumberFormat('en-IN');
const signed = new Intl.NumberFormat('en-IN', { signDisplay: 'exceptZero' });
const LATEST = ['temperature', 'pulse', 'respiration', 'systolic', 'diastolic', 'spo2', 'pain'] as const;

/** The last week of shifts, newest first, as the handover's choices. */
function recentShifts(now: Date): Shift[] {
  const out = [shiftOf(now)];
  while (out.length < 21) out.push(previousShift(out.at(-1) as Shift));
  return out;
}

/** A read-only summary of one shift that the outgoing nurse reads out or prints at handover. */
export function Handover({ observations }: { observations: Observation[] }) {
  const { t } = useTranslation('ipd');
  const [lang] = useLanguage();
  const shifts = recentShifts(new Date());
  const [key, setKey] = useState(`${shifts[0]?.day}|${shifts[0]?.name}`);
  const [day, name] = key.split('|') as [string, ShiftName];
  const h = handoverOf(observations, shiftAt(day, name));
  const ml = (v: number, sign = false) => t('io.ml', { value: (sign ? signed : number).format(v) });
  const shiftLabel = t(`nursing.shift.${name}`);

  return (
    <Stack data-testid="handover">
      <Group justify="space-between" align="end">
        <Select
          label={t('nursing.handover.shift')}
          data={shifts.map((s) => ({ value: `${s.day}|${s.name}`, label: `${formatDate(s.day)} · ${t(`nursing.shift.${s.name}`)}` }))}
          value={key}
          onChange={(v) => v && setKey(v)}
          allowDeselect={false}
          w={300}
          data-testid="handover-shift"
        />
        <Button variant="default" onClick={() => window.print()}>
          {t('nursing.handover.print')}
        </Button>
      </Group>
      <Title order={3}>{t('nursing.handover.title', { shift: shiftLabel, day: formatDate(day) })}</Title>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="md" data-testid="handover-vitals">
          <Title order={4}>{t('nursing.handover.latest')}</Title>
          {h.latest ? (
            <>
              <Text size="sm" c="dimmed">
                {formatDateTime(h.latest.when, lang)} · {t('nursing.handover.rounds', { count: h.rounds })}
              </Text>
              <Table>
                <Table.Tbody>
                  {LATEST.filter((k) => h.latest?.[k] !== undefined).map((k) => (
                    <Table.Tr key={k}>
                      <Table.Th scope="row">{t(`nursing.chart.${k}`)}</Table.Th>
                      <Table.Td>{h.latest?.[k]}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {h.worstNews2 && (
                <Group mt="xs">
                  <Text fw={600}>{t('nursing.handover.worst')}:</Text>
                  <Badge color={RISK_LOOK[(h.worstNews2.risk ?? 'low') as News2Risk]?.color ?? 'gray'} data-testid="handover-news2">
                    NEWS2 {h.worstNews2.total}
                  </Badge>
                  {h.worstNews2.risk && <Text>{t(`vitals.risk.${h.worstNews2.risk}`, { defaultValue: h.worstNews2.risk })}</Text>}
                </Group>
              )}
              <Title order={5} mt="sm">
                {t('nursing.handover.alerts')}
              </Title>
              {h.alerts.length === 0 ? (
                <Text c="dimmed">{t('nursing.handover.noAlerts')}</Text>
              ) : (
                <List data-testid="handover-alerts">
                  {h.alerts.map((a) => (
                    <List.Item key={`${a.when}-${a.series}`}>
                      {formatTime(a.when, lang)}: {t(`nursing.chart.${a.series}`)} {a.value} ({t(`nursing.flag.${a.flag}`)})
                    </List.Item>
                  ))}
                </List>
              )}
            </>
          ) : (
            <Text c="dimmed">{t('nursing.handover.noRounds')}</Text>
          )}
        </Paper>
        <Paper withBorder p="md" data-testid="handover-io">
          <Title order={4}>{t('nursing.handover.io')}</Title>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th />
                <Table.Th scope="col">{t('io.intake')}</Table.Th>
                <Table.Th scope="col">{t('io.output')}</Table.Th>
                <Table.Th scope="col">{t('io.balance')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              <Table.Tr>
                <Table.Th scope="row">{t('nursing.handover.thisShift')}</Table.Th>
                <Table.Td>{ml(h.io.intake)}</Table.Td>
                <Table.Td>{ml(h.io.output)}</Table.Td>
                <Table.Td>{ml(h.io.balance, true)}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th scope="row">{t('nursing.handover.daySoFar')}</Table.Th>
                <Table.Td>{ml(h.io.running.intake)}</Table.Td>
                <Table.Td>{ml(h.io.running.output)}</Table.Td>
                <Table.Td>{ml(h.io.running.balance, true)}</Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Paper>
      </SimpleGrid>
      <Paper withBorder p="md" data-testid="handover-notes">
        <Title order={4}>{t('nursing.handover.notes')}</Title>
        {h.notes.length === 0 ? (
          <Text c="dimmed">{t('nursing.note.none')}</Text>
        ) : (
          <List>
            {h.notes.map((n) => (
              <List.Item key={n.id ?? n.when}>
                {formatTime(n.when, lang)}: {n.text}
                {n.author ? ` (${n.author})` : ''}
              </List.Item>
            ))}
          </List>
        )}
      </Paper>
      <Paper withBorder p="md" data-testid="handover-concerns">
        <Title order={4}>{t('nursing.handover.concerns')}</Title>
        {h.concerns.length === 0 ? (
          <Text c="dimmed">{t('nursing.handover.noConcerns')}</Text>
        ) : (
          <List>
            {h.concerns.map((n) => (
              <List.Item key={n.id ?? n.when}>
                {formatDateTime(n.when, lang)}: {n.text}
              </List.Item>
            ))}
          </List>
        )}
      </Paper>
    </Stack>
  );
}
