import { ErrorView } from '@hospital-ops/app-shell';
import { Button, Group, Loader, Stack, Tabs, Title } from '@mantine/core';
import type { Encounter, Observation } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { Handover } from './Handover.tsx';
import { IntakeOutput } from './IntakeOutput.tsx';
import { NursingNotes } from './NursingNotes.tsx';

type Tab = 'io' | 'notes' | 'handover';

/** The nurse's chart for one stay: intake/output with the 24-hour balance, nursing notes, and the shift handover. */
export function NursingPage() {
  const { encounterId = '' } = useParams();
  const [tab, setTab] = useState<Tab>('io');
  const { t } = useTranslation('ipd');
  const medplum = useMedplum();
  const navigate = useNavigate();
  const [encounter, setEncounter] = useState<Encounter>();
  const [observations, setObservations] = useState<Observation[]>([]);
  const [error, setError] = useState<unknown>();

  // One search for every Observation of the stay (vitals, intake/output, notes), oldest first; each tab reads its part.
  const load = useCallback(async () => {
    try {
      const [enc, all] = await Promise.all([
        medplum.readResource('Encounter', encounterId, { cache: 'no-cache' }),
        medplum.searchResources(
          'Observation',
          { encounter: `Encounter/${encounterId}`, _sort: 'date', _count: '1000' },
          { cache: 'no-cache' },
        ),
      ]);
      setEncounter(enc);
      setObservations(all);
    } catch (err) {
      setError(err);
    }
  }, [medplum, encounterId]);
  useEffect(() => void load(), [load]);

  if (error) return <ErrorView error={error} />;
  if (!encounter) return <Loader />;
  return (
    <Stack maw={1000}>
      <Group justify="space-between">
        <Title order={2}>{t('nursing.title', { patient: encounter.subject?.display ?? '' })}</Title>
        <Group>
          <Button variant="light" onClick={() => navigate(`/vitals/${encounterId}`)}>
            {t('nursing.toVitals')}
          </Button>
          <Button variant="default" onClick={() => navigate('/')}>
            {t('vitals.back')}
          </Button>
        </Group>
      </Group>
      <Tabs value={tab} onChange={(v) => setTab((v ?? 'io') as Tab)} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="io" data-testid="tab-io">
            {t('nursing.tabs.io')}
          </Tabs.Tab>
          <Tabs.Tab value="notes" data-testid="tab-notes">
            {t('nursing.tabs.notes')}
          </Tabs.Tab>
          <Tabs.Tab value="handover" data-testid="tab-handover">
            {t('nursing.tabs.handover')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="io" pt="md">
          <IntakeOutput encounter={encounter} observations={observations} onSaved={load} />
        </Tabs.Panel>
        <Tabs.Panel value="notes" pt="md">
          <NursingNotes encounter={encounter} observations={observations} onSaved={load} />
        </Tabs.Panel>
        <Tabs.Panel value="handover" pt="md">
          <Handover observations={observations} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
