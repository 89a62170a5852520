import { Badge, Card, CloseButton, Group, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import type { Condition, Encounter, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CONDITION_CATEGORY, CONDITION_CLINICAL, CONDITION_VERIFICATION, DIAGNOSIS_VALUE_SETS } from '../fhir/systems.ts';
import { TermPicker } from '../lib/TermPicker.tsx';
import type { VisitCardProps } from './useVisitSave.ts';

export function diagnosisCondition(
  c: ValueSetExpansionContains,
  encounter: Encounter,
  verification: 'provisional' | 'confirmed',
): Condition {
  return {
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: CONDITION_CLINICAL, code: 'active' }] },
    verificationStatus: { coding: [{ system: CONDITION_VERIFICATION, code: verification }] },
    category: [{ coding: [{ system: CONDITION_CATEGORY, code: 'encounter-diagnosis', display: 'Encounter Diagnosis' }] }],
    code: c.code && c.system ? { coding: [{ system: c.system, code: c.code, display: c.display }], text: c.display } : { text: c.display },
    subject: encounter.subject ?? {},
    encounter: { reference: `Encounter/${encounter.id}` },
    recordedDate: new Date().toISOString(),
  };
}

/** Diagnoses coded by type-ahead over SNOMED CT or ICD-10 ($expand); free text when the term is not found. */
export function DiagnosesCard({
  encounter,
  saved,
  onSaved,
  onError,
}: {
  encounter: Encounter;
  saved: Condition[];
} & VisitCardProps) {
  const medplum = useMedplum();
  const { t } = useTranslation('opd');
  const [system, setSystem] = useState<keyof typeof DIAGNOSIS_VALUE_SETS>('snomed');
  const [verification, setVerification] = useState<'provisional' | 'confirmed'>('provisional');
  const [resetKey, setResetKey] = useState(0);

  async function add(c: ValueSetExpansionContains | undefined) {
    if (!c?.display) return;
    try {
      await medplum.createResource(diagnosisCondition(c, encounter, verification));
      setResetKey((k) => k + 1);
      onSaved();
    } catch (err) {
      onError(err);
    }
  }

  async function remove(c: Condition) {
    try {
      // A diagnosis recorded by mistake stays in the history, marked as such.
      await medplum.updateResource({
        ...c,
        verificationStatus: { coding: [{ system: CONDITION_VERIFICATION, code: 'entered-in-error' }] },
      });
      onSaved();
    } catch (err) {
      onError(err);
    }
  }

  const current = saved.filter((c) => !c.verificationStatus?.coding?.some((x) => x.code === 'entered-in-error'));
  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        {t('diagnosis.title')}
      </Title>
      <Stack gap="xs">
        <Group gap="xs" data-testid="diagnoses">
          {current.length === 0 && <Text c="dimmed">{t('diagnosis.none')}</Text>}
          {current.map((c) => (
            <Badge
              key={c.id}
              size="lg"
              variant="light"
              rightSection={<CloseButton size="xs" aria-label={t('actions.remove')} onClick={() => void remove(c)} />}
            >
              {c.code?.text ?? c.code?.coding?.[0]?.display}
              {c.code?.coding?.[0]?.code ? ` (${c.code.coding[0].code})` : ''} ·{' '}
              {t(`diagnosis.${c.verificationStatus?.coding?.[0]?.code ?? 'provisional'}`)}
            </Badge>
          ))}
        </Group>
        <Group align="end">
          <SegmentedControl
            value={system}
            onChange={(v) => setSystem(v as typeof system)}
            data={[
              { value: 'snomed', label: 'SNOMED CT' },
              { value: 'icd10', label: 'ICD-10' },
            ]}
          />
          <SegmentedControl
            value={verification}
            onChange={(v) => setVerification(v as typeof verification)}
            data={[
              { value: 'provisional', label: t('diagnosis.provisional') },
              { value: 'confirmed', label: t('diagnosis.confirmed') },
            ]}
          />
        </Group>
        <TermPicker
          key={`${system}-${resetKey}`}
          binding={DIAGNOSIS_VALUE_SETS[system]}
          name="diagnosis"
          placeholder={t('diagnosis.placeholder')}
          maxValues={1}
          onChange={(items) => void add(items[0])}
          data-testid="diagnosis-input"
        />
      </Stack>
    </Card>
  );
}
