import { useSession } from '@hospital-ops/app-shell';
import { formatDateTime } from '@hospital-ops/app-shell/format/index.ts';
import { Alert, Badge, Button, Card, Checkbox, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import type { Task } from '@medplum/fhirtypes';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { loadAlerts, markAlertDone } from '../fhir/pharmacy-api.ts';
import { type AlertRow, isOpen } from '../pharmacy/alerts.ts';
import { refusalMessage } from './refusal.ts';

const KIND_COLOUR: Record<AlertRow['kind'], string> = {
  expired: 'red',
  'near-expiry-30': 'orange',
  'near-expiry-60': 'yellow',
  'near-expiry-90': 'yellow',
  'low-stock': 'orange',
  'dead-stock': 'gray',
  other: 'gray',
};

/** The alerts the morning checks raised for the pharmacist (Tasks), most pressing first; each marked done with a note. */
export function AlertsPage() {
  const { t, i18n } = useTranslation('pharmacy');
  const { medplum, fhirUser } = useSession();
  const [rows, setRows] = useState<AlertRow[]>();
  const [tasks, setTasks] = useState<Map<string, Task>>(new Map());
  const [showDone, setShowDone] = useState(false);
  const [error, setError] = useState<string>();
  const reload = useCallback(() => {
    loadAlerts(medplum).then(
      (a) => {
        setRows(a.rows);
        setTasks(a.tasks);
      },
      () => setError(t('errors.load')),
    );
  }, [medplum, t]);
  useEffect(reload, []);
  const done = async (row: AlertRow, note: string) => {
    const task = tasks.get(row.id);
    if (!task) return;
    setError(undefined);
    try {
      await markAlertDone(medplum, task, note, fhirUser);
      reload();
    } catch (e) {
      setError(refusalMessage(e, t, 'errors.alert'));
      reload();
    }
  };
  const lang = i18n.language === 'hi' ? 'hi' : 'en';
  const shown = (rows ?? []).filter((r) => showDone || isOpen(r.status));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('alerts.title')}</Title>
        <Checkbox label={t('alerts.showDone')} checked={showDone} onChange={(e) => setShowDone(e.currentTarget.checked)} />
      </Group>
      {error && <Alert color="red">{error}</Alert>}
      {rows && !shown.length && <Text c="dimmed">{t('alerts.empty')}</Text>}
      {shown.map((r) => (
        <AlertCard key={r.id} row={r} lang={lang} onDone={(note) => done(r, note)} />
      ))}
    </Stack>
  );
}

function AlertCard({ row, lang, onDone }: { row: AlertRow; lang: 'en' | 'hi'; onDone: (note: string) => Promise<void> }) {
  const { t } = useTranslation('pharmacy');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const open = isOpen(row.status);
  const finish = async () => {
    setBusy(true);
    await onDone(note);
    setBusy(false);
  };
  return (
    <Card withBorder data-testid="alert" data-kind={row.kind} data-open={open}>
      <Group justify="space-between" align="start">
        <Stack gap={2}>
          <Group gap="xs">
            <Badge color={KIND_COLOUR[row.kind]}>{t(`alerts.kind.${row.kind}`)}</Badge>
            <Badge variant="outline" color="gray">
              {t(`alerts.priority.${row.priority}`)}
            </Badge>
          </Group>
          <Text data-testid="alert-text">{row.description}</Text>
          {row.raised && (
            <Text size="sm" c="dimmed">
              {t('alerts.raised', { date: formatDateTime(row.raised, lang) })}
            </Text>
          )}
        </Stack>
        {open ? (
          <Group align="end">
            <TextInput
              label={t('alerts.note')}
              value={note}
              onChange={(e) => setNote(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  void finish();
                }
              }}
              data-testid="alert-note"
            />
            <Button loading={busy} onClick={() => void finish()} data-testid="alert-done">
              {t('alerts.done')}
            </Button>
          </Group>
        ) : (
          <Badge color="green" size="lg">
            {t('alerts.closed')}
          </Badge>
        )}
      </Group>
    </Card>
  );
}
