import {
  flagOf,
  VITALS,
  type VitalKey,
  type VitalValues,
  vitalObservations,
  vitalValues,
} from '@hospital-ops/app-shell/clinical/vitals.ts';
import { Badge, Button, Card, Group, NumberInput, SimpleGrid, Title } from '@mantine/core';
import type { Encounter, Observation, Patient, Reference } from '@medplum/fhirtypes';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useVisitSave, type VisitCardProps } from './useVisitSave.ts';

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
} & VisitCardProps) {
  const { t } = useTranslation('opd');
  const [values, setValues] = useState<VitalValues>({});
  const { saving, save: run } = useVisitSave({ onSaved, onError });
  const version = saved.map((o) => `${o.id}/${o.meta?.versionId}`).join();
  useEffect(() => setValues(vitalValues(saved)), [version]);

  const save = () =>
    run(() => {
      const subject = (encounter.subject ?? {}) as Reference<Patient>;
      const obs = vitalObservations(values, subject, { reference: `Encounter/${encounter.id}` }, new Date().toISOString());
      return obs.map((resource) => ({ resource, request: { method: 'POST', url: 'Observation' } }));
    }, t('vitals.saved'));

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
              label={`${t(`vitals.${key}`)} (${key === 'pulse' || key === 'respiration' ? t(`vitals.unit.${key}`) : VITALS[key].unit})`}
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
