import { Button, Group, Modal, Radio, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import type { Bed, Ward } from '../board/board.ts';
import { DISPOSITIONS, type Disposition, discharge } from '../fhir/operations.ts';
import { shownName } from '../fhir/patient.ts';
import { FailureAlert } from './FailureAlert.tsx';
import { type Failure, stateFailure } from './outcome.ts';

/** End the stay with where the patient went; the bed goes to cleaning. */
export function DischargeDialog({ bed, refresh, onClose }: { bed: Bed; refresh: () => Promise<Ward[]>; onClose: () => void }) {
  const { t } = useTranslation('ipd');
  const medplum = useMedplum();
  const navigate = useNavigate();
  const [disposition, setDisposition] = useState<Disposition>('home');
  const [failure, setFailure] = useState<Failure>();
  const [busy, setBusy] = useState(false);
  const patient = shownName(bed.patient);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!bed.encounterId) return;
    setBusy(true);
    try {
      await discharge(medplum, bed.encounterId, disposition);
      notifications.show({ color: 'green', message: t('discharge.done', { patient, bed: bed.name }) });
      await refresh().catch(() => undefined);
      onClose();
      // The doctor writes and signs the summary next (docs/ipd.md).
      navigate(`/discharge-summary/${bed.encounterId}`);
    } catch (err) {
      setFailure(await stateFailure(err, refresh, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title={t('discharge.title', { patient, bed: bed.name })}>
      <form onSubmit={(e) => void submit(e)} data-testid="discharge-dialog">
        <Stack>
          <Radio.Group label={t('discharge.disposition')} value={disposition} onChange={(v) => setDisposition(v as Disposition)}>
            <Stack gap="xs" mt="xs">
              {DISPOSITIONS.map((d) => (
                <Radio key={d} value={d} label={t(`discharge.dispositions.${d}`)} />
              ))}
            </Stack>
          </Radio.Group>
          <Text size="sm" c="dimmed">
            {t('discharge.note')}
          </Text>
          <FailureAlert failure={failure} />
          <Group justify="end">
            <Button
              variant="subtle"
              mr="auto"
              onClick={() => navigate(`/discharge-summary/${bed.encounterId}`)}
              data-testid="discharge-summary"
            >
              {t('discharge.writeSummary')}
            </Button>
            <Button variant="default" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" color="red" loading={busy} data-testid="discharge-submit">
              {t('discharge.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
