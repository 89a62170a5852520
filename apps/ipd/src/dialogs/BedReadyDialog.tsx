import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMedplum } from '@medplum/react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Bed, Ward } from '../board/board.ts';
import { bedReady } from '../fhir/operations.ts';
import { FailureAlert } from './FailureAlert.tsx';
import { type Failure, stateFailure } from './outcome.ts';

/** Housekeeping is done: the bed is free for the next patient. */
export function BedReadyDialog({ bed, refresh, onClose }: { bed: Bed; refresh: () => Promise<Ward[]>; onClose: () => void }) {
  const { t } = useTranslation('ipd');
  const medplum = useMedplum();
  const [failure, setFailure] = useState<Failure>();
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await bedReady(medplum, bed.id);
      notifications.show({ color: 'green', message: t('ready.done', { bed: bed.name }) });
      await refresh().catch(() => undefined);
      onClose();
    } catch (err) {
      setFailure(await stateFailure(err, refresh, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened onClose={onClose} title={t('ready.title', { bed: bed.name })}>
      <Stack>
        <Text>{t('ready.body', { bed: bed.name })}</Text>
        <FailureAlert failure={failure} />
        <Group justify="end">
          <Button variant="default" onClick={onClose}>
            {t('cancel')}
          </Button>
          <Button data-autofocus loading={busy} onClick={() => void confirm()} data-testid="ready-submit">
            {t('ready.submit')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
