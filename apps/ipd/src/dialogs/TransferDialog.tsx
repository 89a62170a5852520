import { Button, Group, Modal, Select, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Bed, Ward } from '../board/board.ts';
import { transfer } from '../fhir/operations.ts';
import { shownName } from '../fhir/patient.ts';
import { FailureAlert } from './FailureAlert.tsx';
import { bedFailure, type Failure } from './outcome.ts';

/** Move an in-patient to another free bed of the branch (ICU step-up and step-down included). */
export function TransferDialog({
  bed,
  wards,
  refresh,
  onClose,
}: {
  bed: Bed;
  wards: Ward[];
  refresh: () => Promise<Ward[]>;
  onClose: () => void;
}) {
  const { t } = useTranslation('ipd');
  const medplum = useMedplum();
  const [board, setBoard] = useState(wards);
  const [to, setTo] = useState<string | null>(null);
  const [failure, setFailure] = useState<Failure>();
  const [busy, setBusy] = useState(false);
  const patient = shownName(bed.patient);
  const free = board
    .map((w) => ({ group: w.name, items: w.beds.filter((b) => b.status === 'U').map((b) => ({ value: b.id, label: b.name })) }))
    .filter((g) => g.items.length);
  const target = board.flatMap((w) => w.beds).find((b) => b.id === to);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!target || !bed.encounterId) return;
    setBusy(true);
    try {
      await transfer(medplum, bed.encounterId, target.id);
      notifications.show({ color: 'green', message: t('transfer.done', { patient, bed: target.name }) });
      await refresh().catch(() => undefined);
      onClose();
    } catch (err) {
      const again = async () => {
        const latest = await refresh();
        setBoard(latest);
        return latest;
      };
      setFailure(await bedFailure(err, target, again, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title={t('transfer.title', { patient, bed: bed.name })}>
      <form onSubmit={(e) => void submit(e)} data-testid="transfer-dialog">
        <Stack>
          {free.length === 0 ? (
            <Text>{t('transfer.noneFree')}</Text>
          ) : (
            <Select
              data-autofocus
              label={t('transfer.to')}
              required
              searchable
              value={to}
              onChange={setTo}
              data={free}
              data-testid="transfer-to"
            />
          )}
          <FailureAlert
            failure={failure}
            onPick={(b) => {
              setTo(b.id);
              setFailure(undefined);
            }}
          />
          <Group justify="end">
            <Button variant="default" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={busy} disabled={!target} data-testid="transfer-submit">
              {t('transfer.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
