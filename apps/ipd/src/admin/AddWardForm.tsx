import { describeError } from '@hospital-ops/app-shell';
import { Alert, Button, Group, NativeSelect, Paper, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { createLocation } from './api.ts';
import { BED_CLASSES, type BedClass, wardLocation } from './locations.ts';
import type { AdminWard } from './wards.ts';

/** A new ward of the branch: a name and the class its beds take unless given their own. */
export function AddWardForm({ branch, wards, refresh }: { branch: string; wards: AdminWard[]; refresh: () => Promise<unknown> }) {
  const { t } = useTranslation('ipd');
  const medplum = useMedplum();
  const [name, setName] = useState('');
  const [bedClass, setBedClass] = useState<BedClass>('general');
  const [problem, setProblem] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const ward = name.trim();
    if (!ward) return setProblem(t('admin.wardNameNeeded'));
    if (wards.some((w) => w.name.toLowerCase() === ward.toLowerCase())) return setProblem(t('admin.wardExists', { ward }));
    setBusy(true);
    try {
      await createLocation(medplum, wardLocation(branch, ward, bedClass));
      notifications.show({ color: 'green', message: t('admin.wardAdded', { ward }) });
      setName('');
      setProblem(undefined);
      await refresh().catch(() => undefined);
    } catch (err) {
      setProblem(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder p="md">
      <form onSubmit={(e) => void submit(e)} data-testid="add-ward">
        <Title order={3} mb="xs">
          {t('admin.addWard')}
        </Title>
        <Group align="end">
          <TextInput label={t('admin.wardName')} value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="ward-name" />
          <NativeSelect
            label={t('admin.wardClass')}
            value={bedClass}
            onChange={(e) => setBedClass(e.currentTarget.value as BedClass)}
            data={BED_CLASSES.map((c) => ({ value: c, label: t(`bedClass.${c}`) }))}
            data-testid="ward-class"
          />
          <Button type="submit" loading={busy} data-testid="add-ward-submit">
            {t('admin.addWardSubmit')}
          </Button>
        </Group>
        {problem && (
          <Alert color="red" role="alert" mt="sm">
            {problem}
          </Alert>
        )}
      </form>
    </Paper>
  );
}
