import { ErrorView, useSession } from '@hospital-ops/app-shell';
import { Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type {
  AllergyIntolerance,
  Appointment,
  Condition,
  Encounter,
  MedicationRequest,
  Observation,
  Patient,
  ServiceRequest,
} from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { tokenOf } from '../fhir/opd-operations.ts';
import { preferredLanguageOf, uhidOf } from '../fhir/patient.ts';
import { ageOf, todayInKolkata } from '../lib/format.ts';
import { advanced, nextAfter, queueEntries } from '../queue/queue.ts';
import { LabResultsCard } from '../results/LabResultsCard.tsx';
import { DiagnosesCard } from './DiagnosesCard.tsx';
import { NotesCard } from './NotesCard.tsx';
import { noteKindOf } from './notes.ts';
import { inWrittenOrder } from './orders.ts';
import { followUpDate, PrescriptionCard } from './PrescriptionCard.tsx';
import { openPrescriptionPdf, saveAbdmRecord } from './print.ts';
import { VisitLock } from './VisitLock.tsx';
import { VitalsCard } from './VitalsCard.tsx';

interface VisitData {
  encounter: Encounter;
  patient: Patient;
  allergies: AllergyIntolerance[];
  vitals: Observation[];
  notes: Observation[];
  conditions: Condition[];
  medications: MedicationRequest[];
  tests: ServiceRequest[];
  followUps: Appointment[];
}

/** The doctor's screen for one OPD visit: vitals, notes, diagnoses, prescription and orders, then print. */
export function ConsultationPage() {
  const { id = '' } = useParams();
  const medplum = useMedplum();
  const navigate = useNavigate();
  const session = useSession();
  const { t, i18n } = useTranslation('opd');
  const [data, setData] = useState<VisitData>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(async () => {
    try {
      const opts = { cache: 'no-cache' as const };
      const encounter = await medplum.readResource('Encounter', id, opts);
      const patientRef = encounter.subject?.reference ?? '';
      const enc = `Encounter/${id}`;
      const [patient, allergies, observations, conditions, medications, tests, followUps] = await Promise.all([
        medplum.readReference<Patient>({ reference: patientRef }),
        medplum.searchResources('AllergyIntolerance', { patient: patientRef, 'clinical-status': 'active' }, opts),
        medplum.searchResources('Observation', { encounter: enc, _sort: '-date', _count: '200' }, opts),
        medplum.searchResources('Condition', { encounter: enc, _count: '100' }, opts),
        medplum.searchResources('MedicationRequest', { encounter: enc, _count: '100' }, opts),
        medplum.searchResources('ServiceRequest', { encounter: enc, _count: '100' }, opts),
        // A follow-up visit names this one in supportingInformation (ordersBundle).
        medplum.searchResources('Appointment', { 'supporting-info': enc, _count: '10' }, opts),
      ]);
      const isVital = (o: Observation) => o.category?.some((c) => c.coding?.some((x) => x.code === 'vital-signs')) ?? false;
      setData({
        encounter,
        patient,
        allergies,
        vitals: observations.filter(isVital),
        notes: observations.filter((o) => !isVital(o) && noteKindOf(o)),
        conditions,
        medications: inWrittenOrder(medications.filter((m) => m.status !== 'entered-in-error' && m.status !== 'cancelled')),
        tests,
        followUps,
      });
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, [id, medplum]);
  useEffect(() => {
    void load();
  }, [load]);

  /** Ends the visit, then calls the same doctor's next token and opens it (nobody waiting: back to the queue). */
  async function finish() {
    if (!data) return;
    try {
      await medplum.updateResource(advanced(data.encounter, 'finished'));
      const doctor = data.encounter.participant?.find((p) => p.individual?.reference?.startsWith('Practitioner/'))?.individual?.reference;
      const today = await medplum.search('Encounter', { 'queue-date': todayInKolkata(), _count: '500' }, { cache: 'no-cache' });
      const next = doctor ? nextAfter(queueEntries(today), doctor, id) : undefined;
      if (next?.encounter.id) {
        await medplum.updateResource(advanced(next.encounter, 'in-progress'));
        notifications.show({ color: 'teal', message: t('consultation.finishedNext', { token: next.token }) });
        navigate(`/encounters/${next.encounter.id}`);
      } else {
        notifications.show({ color: 'teal', message: t('consultation.finished') });
        navigate('/queue');
      }
    } catch (err) {
      setError(err);
    }
  }

  async function tryRun(fn: () => Promise<void>) {
    try {
      setError(undefined);
      await fn();
    } catch (err) {
      setError(err);
    }
  }

  if (!data) return error !== undefined ? <ErrorView error={error} onRetry={load} /> : null;
  const { encounter, patient } = data;
  const canPrescribe = session.role === 'doctor' || session.role === 'super_admin' || session.role === 'branch_admin';
  return (
    <Stack>
      <Card withBorder>
        <Group justify="space-between">
          <Stack gap={2}>
            <Group gap="xs">
              <Title order={2} data-testid="consultation-patient">
                {patient.name?.[0]?.text}
              </Title>
              {tokenOf(encounter) && <Badge size="lg">{`${t('queue.token')} ${tokenOf(encounter)}`}</Badge>}
              <Badge variant="light">{t(`encounter.status.${encounter.status}`)}</Badge>
            </Group>
            <Text size="sm">
              {patient.birthDate ? ageOf(patient.birthDate, i18n.language) : ''} · {t(`gender.${patient.gender ?? 'unknown'}`)} ·{' '}
              {t('patient.uhid')} {uhidOf(patient)}
            </Text>
            <Group gap="xs">
              {data.allergies.length === 0 ? (
                <Text size="sm" c="dimmed">
                  {t('allergy.none')}
                </Text>
              ) : (
                data.allergies.map((a) => (
                  <Badge key={a.id} color="red">
                    {t('allergy.badge', { name: a.code?.text ?? a.code?.coding?.[0]?.display })}
                  </Badge>
                ))
              )}
            </Group>
          </Stack>
          <Group>
            <Button variant="default" onClick={() => void tryRun(() => openPrescriptionPdf(medplum, id))} data-testid="print-prescription">
              {t('consultation.print')}
            </Button>
            <Button variant="default" onClick={() => void tryRun(() => saveAbdmRecord(medplum, id, 'OPConsultRecord'))}>
              {t('consultation.abdmRecord')}
            </Button>
            {data.medications.length > 0 && (
              <Button variant="default" onClick={() => void tryRun(() => saveAbdmRecord(medplum, id, 'PrescriptionRecord'))}>
                {t('consultation.abdmPrescription')}
              </Button>
            )}
            {encounter.status !== 'finished' && (
              <Button color="teal" onClick={() => void finish()} data-testid="finish-consultation">
                {t('consultation.finish')}
              </Button>
            )}
          </Group>
        </Group>
      </Card>
      {error !== undefined && <ErrorView error={error} />}
      {patient.id && <LabResultsCard patientId={patient.id} onError={setError} />}
      <VisitLock encounter={encounter}>
        <VitalsCard encounter={encounter} saved={data.vitals} onSaved={load} onError={setError} />
        <NotesCard encounter={encounter} saved={data.notes} onSaved={load} onError={setError} />
        <DiagnosesCard encounter={encounter} saved={data.conditions} onSaved={load} onError={setError} />
        {canPrescribe && (
          <PrescriptionCard
            encounter={encounter}
            patientLanguage={preferredLanguageOf(patient)}
            allergies={data.allergies}
            saved={data.medications}
            savedTests={data.tests}
            savedFollowUp={followUpDate(data.followUps)}
            onSaved={load}
            onError={setError}
          />
        )}
      </VisitLock>
    </Stack>
  );
}
