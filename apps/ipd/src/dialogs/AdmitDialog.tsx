import { useBranchDoctors } from '@hospital-ops/app-shell/doctors.ts';
import { Button, Group, Modal, NumberInput, Select, Stack, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Bed, Ward } from '../board/board.ts';
import { admit } from '../fhir/operations.ts';
import { FailureAlert } from './FailureAlert.tsx';
import { bedFailure, type Failure } from './outcome.ts';
import { PatientPicker, type PickedPatient } from './PatientPicker.tsx';

const SOURCES = ['emd', 'outp', 'gp', 'hosp-trans'] as const;

/** Admit a patient to a free bed: who, under which doctor, why. A bed taken meanwhile offers the free ones. */
export function AdmitDialog({
  bed: chosen,
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
  const doctors = useBranchDoctors();
  const [bed, setBed] = useState(chosen);
  const [patient, setPatient] = useState<PickedPatient>();
  const [doctor, setDoctor] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [source, setSource] = useState<string | null>('emd');
  const [days, setDays] = useState<number | string>('');
  const [failure, setFailure] = useState<Failure>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!patient) return setFailure({ message: t('admit.choosePatient'), offer: [] });
    if (!doctor) return setFailure({ message: t('admit.chooseDoctor'), offer: [] });
    setBusy(true);
    try {
      await admit(medplum, {
        patientId: patient.id,
        bedId: bed.id,
        attendingId: doctor,
        reason,
        admitSource: source ?? undefined,
        expectedDays: typeof days === 'number' ? days : undefined,
      });
      notifications.show({ color: 'green', message: t('admit.done', { patient: patient.name, bed: bed.name }) });
      await refresh().catch(() => undefined);
      onClose();
    } catch (err) {
      setFailure(await bedFailure(err, bed, refresh, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title={t('admit.title', { bed: bed.name })} size="lg">
      <form onSubmit={(e) => void submit(e)} data-testid="admit-dialog">
        <Stack>
          <PatientPicker value={patient} onChange={setPatient} />
          <Select
            label={t('admit.doctor')}
            required
            searchable
            value={doctor}
            onChange={setDoctor}
            data={(doctors ?? []).map((d) => ({ value: d.practitioner.id as string, label: d.name }))}
            data-testid="admit-doctor"
          />
          <TextInput
            label={t('admit.reason')}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            data-testid="admit-reason"
          />
          <Group grow>
            <Select
              label={t('admit.source')}
              value={source}
              onChange={setSource}
              data={SOURCES.map((s) => ({ value: s, label: t(`admit.sources.${s}`) }))}
            />
            <NumberInput label={t('admit.expectedDays')} min={1} max={365} value={days} onChange={setDays} />
          </Group>
          <FailureAlert
            failure={failure}
            onPick={(b) => {
              setBed(b);
              setFailure(undefined);
            }}
          />
          <Group justify="end">
            <Button variant="default" onClick={onClose}>
              {t('cancel')}
            </Button>
            <Button type="submit" loading={busy} data-testid="admit-submit">
              {t('admit.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
