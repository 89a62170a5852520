import { useSession } from '@hospital-ops/app-shell';
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Bundle, Communication, Patient } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { formatDateTime } from '../lib/format.ts';
import { type AlertRow, acknowledged, alertObservationIds, unacknowledgedAlerts } from './results.ts';

/** How often the banner looks for new alerts while the app is open. */
const POLL_MS = 60_000;

/**
 * The signed-in doctor's critical lab values not yet acknowledged (the lab's Communications to
 * the ordering doctor, docs/lab.md), above every screen. Nothing for users who are not a Practitioner.
 */
export function CriticalAlerts() {
  const medplum = useMedplum();
  const session = useSession();
  const navigate = useNavigate();
  const { t, i18n } = useTranslation('opd');
  const [alerts, setAlerts] = useState<AlertRow[]>([]);
  const me = session.fhirUser?.startsWith('Practitioner/') ? session.fhirUser : undefined;

  const load = useCallback(async () => {
    if (!me) return;
    try {
      const bundle: Bundle = await medplum.search(
        'Communication',
        { recipient: me, category: 'alert', _sort: '-sent', _count: '50', _include: 'Communication:subject' },
        { cache: 'no-cache' },
      );
      const resources = bundle.entry?.flatMap((e) => (e.resource ? [e.resource] : [])) ?? [];
      const communications = resources.filter((r): r is Communication => r.resourceType === 'Communication');
      // The results themselves (R4 has no search parameter on Communication.about to include them by).
      const ids = alertObservationIds(communications);
      const observations = ids.length
        ? await medplum
            .searchResources('Observation', { _id: ids.join(','), _count: String(ids.length) }, { cache: 'no-cache' })
            .catch(() => [])
        : [];
      setAlerts(
        unacknowledgedAlerts(
          communications,
          resources.filter((r): r is Patient => r.resourceType === 'Patient'),
          observations,
        ),
      );
    } catch {
      // The banner is a reminder, not the record: a failed look is retried at the next poll.
    }
  }, [medplum, me]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

  async function acknowledge(c: Communication) {
    try {
      await medplum.updateResource(acknowledged(c));
      notifications.show({ color: 'teal', message: t('labResults.alerts.acknowledged') });
    } catch {
      // Someone else (another tab) acknowledged it first, or the network failed: the reload shows which.
    }
    await load();
  }

  if (alerts.length === 0) return null;
  return (
    <Alert color="red" mb="md" title={t('labResults.alerts.title', { count: alerts.length })} data-testid="critical-alerts" role="alert">
      <Stack gap="xs">
        {alerts.map((a) => (
          <Group key={a.communication.id} justify="space-between" wrap="nowrap" data-testid="critical-alert">
            <Stack gap={0}>
              <Text fw={600}>
                {a.patientName ? `${a.patientName}: ` : ''}
                {a.result
                  ? t('labResults.alerts.line', {
                      test: a.result.name,
                      value: a.result.value,
                      unit: a.result.unit,
                      flag: t(`labResults.flag.${a.result.flag}`),
                    })
                  : a.text}
              </Text>
              {a.sent && (
                <Text size="xs" c="dimmed">
                  {t('labResults.alerts.sent', { when: formatDateTime(a.sent, i18n.language) })}
                </Text>
              )}
            </Stack>
            <Group gap="xs" wrap="nowrap">
              {a.patient?.reference?.startsWith('Patient/') && (
                <Button size="xs" variant="default" onClick={() => navigate(`/patients/${a.patient?.reference?.slice('Patient/'.length)}`)}>
                  {t('labResults.alerts.openPatient')}
                </Button>
              )}
              <Button size="xs" color="red" onClick={() => void acknowledge(a.communication)} data-testid="acknowledge-alert">
                {t('labResults.alerts.acknowledge')}
              </Button>
            </Group>
          </Group>
        ))}
      </Stack>
    </Alert>
  );
}
