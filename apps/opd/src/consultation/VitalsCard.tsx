import { Badge, Button, Card, Group, NumberInput, SimpleGrid, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Bundle, Encounter, Observation, Patient, Reference } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { flagOf, VITALS, type VitalKey, type VitalValues, vitalObservations, vitalValues } from './vitals.ts';

const FIELDS: VitalKey[] = ['systolic', 'diastolic', 'pulse', 'temperature', 'spo2', 'respiration', 'weight', 'height'];

/** Vitals for this visit, with units and an out-of-range flag as the value is typed. */
export function VitalsCard({
  encounter,
  saved,
  onSaved,
  onError,
}: {
  encounter: Encounter;
  saved: Observation[];
  onSaved: () => void;
  onError: (e: unknown) => void;
}) {
  const medplum = useMedplum();
  const { t } = useTranslation('opd');
  const [values, setValues] = useState<VitalValues>({});
  const [saving, setSaving] = useState(false);
  const version = saved.map((o) => `${o.id}/${o.meta?.versionId}`).join();
  useEffect(() => setValues(vitalValues(saved)), [version]);

  async function save() {
    setSaving(true);
    try {
      const obs = vitalObservations(
        values,
        (encounter.subject ?? {}) as Reference<Patient>,
        { reference: `Encounter/${encounter.id}` },
        new Date().toISOString(),
      );
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: obs.map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } })),
      };
      await medplum.executeBatch(bundle);
      notifications.show({ color: 'teal', message: t('vitals.saved') });
      onSaved();
    } catch (err) {
      onError(err);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        {t('vitals.title')}
      </Title>
      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        {FIELDS.map((key) => {
          const v = values[key];
          const flag = v === undefined ? undefined : flagOf(key, v);
          return (
            <NumberInput
              key={key}
              label={`${t(`vitals.${key}`)} (${VITALS[key].unit})`}
              value={v ?? ''}
              decimalScale={1}
              min={0}
              onChange={(n) => setValues((x) => ({ ...x, [key]: typeof n === 'number' ? n : undefined }))}
              rightSection={
                flag ? (
                  <Badge color={flag === 'H' ? 'red' : 'blue'} size="xs">
                    {flag}
                  </Badge>
                ) : undefined
              }
              error={flag ? t(flag === 'H' ? 'vitals.high' : 'vitals.low') : undefined}
              data-testid={`vital-${key}`}
            />
          );
        })}
      </SimpleGrid>
      <Group mt="sm">
        <Button onClick={() => void save()} loading={saving} disabled={Object.keys(values).length === 0} data-testid="save-vitals">
          {t('vitals.save')}
        </Button>
      </Group>
    </Card>
  );
}
