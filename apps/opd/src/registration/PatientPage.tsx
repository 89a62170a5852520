import { ErrorView, useBranch, useSession } from '@hospital-ops/app-shell';
import { useBranchDoctors } from '@hospital-ops/app-shell/doctors.ts';
import { Badge, Button, Card, Group, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { AllergyIntolerance, Appointment, Encounter, Observation, Patient, ValueSetExpansionContains } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { checkInAppointment, checkInWalkIn, tokenOf } from '../fhir/opd-operations.ts';
import {
  abhaAddressOf,
  abhaNumberOf,
  birthDateEstimatedOf,
  LANGUAGES,
  noShowsOf,
  phoneOf,
  preferredLanguageOf,
  uhidOf,
} from '../fhir/patient.ts';
import { ALLERGY_CLINICAL, LOINC } from '../fhir/systems.ts';
import { ageOf, formatAbhaNumber, formatDate, formatDateTime, formatPhone, todayInKolkata } from '../lib/format.ts';
import { TermPicker } from '../lib/TermPicker.tsx';
import { TokenSlipModal } from '../queue/TokenSlip.tsx';
import { ExternalRecordsCard } from '../records/ExternalRecordsCard.tsx';
import { LabResultsCard } from '../results/LabResultsCard.tsx';

const BLOOD_GROUPS = ['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'];

/** One patient at the desk: who they are, allergies, blood group, appointments and visits, and the next step. */
export function PatientPage() {
  const { id = '' } = useParams();
  const medplum = useMedplum();
  const branch = useBranch();
  const doctors = useBranchDoctors();
  const navigate = useNavigate();
  const { t, i18n } = useTranslation('opd');
  const [patient, setPatient] = useState<Patient>();
  const [allergies, setAllergies] = useState<AllergyIntolerance[]>([]);
  const [bloodGroup, setBloodGroup] = useState<Observation>();
  const [appointments, setAppointments] = useState<Appointment[]>([]);
  const [encounters, setEncounters] = useState<Encounter[]>([]);
  const [walkInDoctor, setWalkInDoctor] = useState<string | null>(null);
  const [slip, setSlip] = useState<Encounter>();
  const [error, setError] = useState<unknown>();
  const session = useSession();

  const load = useCallback(async () => {
    try {
      const opts = { cache: 'no-cache' as const };
      // A section the user's role may not read stays empty; only the patient itself is essential.
      const optional = <T,>(p: Promise<T[]>) => p.catch(() => [] as T[]);
      const [p, a, bg, ap, en] = await Promise.all([
        medplum.readResource('Patient', id, opts),
        optional(medplum.searchResources('AllergyIntolerance', { patient: `Patient/${id}`, _count: '50' }, opts)),
        optional(
          medplum.searchResources(
            'Observation',
            { subject: `Patient/${id}`, code: `${LOINC}|882-1`, _sort: '-_lastUpdated', _count: '1' },
            opts,
          ),
        ),
        optional(medplum.searchResources('Appointment', { patient: `Patient/${id}`, _sort: '-date', _count: '20' }, opts)),
        optional(medplum.searchResources('Encounter', { subject: `Patient/${id}`, _sort: '-date', _count: '20' }, opts)),
      ]);
      setPatient(p);
      setAllergies(a);
      setBloodGroup(bg[0]);
      setAppointments(ap);
      setEncounters(en);
    } catch (err) {
      setError(err);
    }
  }, [id, medplum]);
  useEffect(() => {
    void load();
  }, [load]);

  async function run(action: () => Promise<unknown>, message?: string) {
    try {
      setError(undefined);
      await action();
      if (message) notifications.show({ color: 'teal', message });
      await load();
    } catch (err) {
      setError(err);
    }
  }

  async function addAllergy(c: ValueSetExpansionContains | undefined) {
    if (!c) return;
    const allergy: AllergyIntolerance = {
      resourceType: 'AllergyIntolerance',
      clinicalStatus: { coding: [{ system: ALLERGY_CLINICAL, code: 'active' }] },
      patient: { reference: `Patient/${id}` },
      // Typed free text has no code (TermPicker): it is kept as text, never dressed up as a coding.
      code:
        c.code && c.system ? { coding: [{ system: c.system, code: c.code, display: c.display }], text: c.display } : { text: c.display },
      recordedDate: new Date().toISOString(),
    };
    await run(() => medplum.createResource(allergy), t('allergy.added'));
  }

  async function saveBloodGroup(value: string | null) {
    if (!value) return;
    const obs: Observation = {
      ...(bloodGroup ?? {}),
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: LOINC, code: '882-1', display: 'ABO and Rh group [Type] in Blood' }], text: 'Blood group' },
      subject: { reference: `Patient/${id}` },
      effectiveDateTime: new Date().toISOString(),
      valueCodeableConcept: { text: value },
    };
    await run(() => (obs.id ? medplum.updateResource(obs) : medplum.createResource(obs)), t('patient.bloodGroupSaved'));
  }

  async function setAppointmentStatus(a: Appointment, status: Appointment['status']) {
    await run(() => medplum.updateResource({ ...a, status }), t(`appointment.status.${status}`));
  }

  if (!patient) return error !== undefined ? <ErrorView error={error} onRetry={load} /> : null;
  const noShows = noShowsOf(patient);
  const today = todayInKolkata();
  const lang = preferredLanguageOf(patient);
  return (
    <Stack>
      <TokenSlipModal encounter={slip} patient={patient} onClose={() => setSlip(undefined)} />
      {error !== undefined && <ErrorView error={error} />}
      <Card withBorder>
        <Group justify="space-between" align="start">
          <Stack gap={4}>
            <Title order={2} data-testid="patient-name">
              {patient.name?.[0]?.text}
            </Title>
            <Text>
              {patient.birthDate
                ? birthDateEstimatedOf(patient)
                  ? `~${ageOf(patient.birthDate, i18n.language)} (${t('patient.ageEstimated')})`
                  : `${ageOf(patient.birthDate, i18n.language)} (${formatDate(patient.birthDate)})`
                : ''}{' '}
              · {t(`gender.${patient.gender ?? 'unknown'}`)} · {t('patient.uhid')}: <b data-testid="patient-uhid">{uhidOf(patient)}</b>
            </Text>
            <Group gap="xs">
              {phoneOf(patient) && <Badge variant="light">{formatPhone(phoneOf(patient))}</Badge>}
              {abhaNumberOf(patient) && <Badge variant="light">ABHA {formatAbhaNumber(abhaNumberOf(patient))}</Badge>}
              {abhaAddressOf(patient) && <Badge variant="light">{abhaAddressOf(patient)}</Badge>}
              {lang && <Badge variant="outline">{t(`languages.${lang}`, { defaultValue: LANGUAGES[lang] ?? lang })}</Badge>}
              {noShows > 0 && (
                <Badge color="orange" data-testid="no-show-count">
                  {t('patient.noShows', { count: noShows })}
                </Badge>
              )}
            </Group>
          </Stack>
          <Group>
            <Button variant="default" onClick={() => navigate(`/patients/${id}/edit`)}>
              {t('actions.edit')}
            </Button>
            <Button onClick={() => navigate(`/schedule?patient=${id}`)} data-testid="book-appointment">
              {t('appointment.book')}
            </Button>
          </Group>
        </Group>
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Stack gap="xs">
            <Title order={4}>{t('allergy.title')}</Title>
            {allergies.length === 0 && <Text c="dimmed">{t('allergy.none')}</Text>}
            <Group gap="xs" data-testid="allergy-list">
              {allergies.map((a) => (
                <Badge key={a.id} color="red" variant="light">
                  {a.code?.text ?? a.code?.coding?.[0]?.display}
                </Badge>
              ))}
            </Group>
            <TermPicker
              binding="http://hl7.org/fhir/ValueSet/allergyintolerance-code"
              label={t('allergy.add')}
              placeholder={t('allergy.placeholder')}
              maxValues={1}
              name="allergy"
              onChange={(items) => void addAllergy(items[0])}
            />
            <Select
              label={t('patient.bloodGroup')}
              data={BLOOD_GROUPS}
              value={bloodGroup?.valueCodeableConcept?.text ?? null}
              onChange={(v) => void saveBloodGroup(v)}
              data-testid="field-bloodGroup"
            />
          </Stack>
        </Card>
        <Card withBorder>
          <Stack gap="xs">
            <Title order={4}>{t('queue.walkIn')}</Title>
            <Select
              label={t('queue.doctor')}
              data={(doctors ?? []).map((d) => ({ value: d.practitioner.id ?? '', label: d.name }))}
              value={walkInDoctor}
              onChange={setWalkInDoctor}
              data-testid="walk-in-doctor"
            />
            <Button
              disabled={!walkInDoctor || !branch}
              data-testid="walk-in-check-in"
              onClick={() =>
                void run(async () => {
                  const e = await checkInWalkIn(medplum, id, walkInDoctor ?? '', branch ?? '');
                  notifications.show({ color: 'teal', message: t('queue.tokenIssued', { token: tokenOf(e) }) });
                  setSlip(e);
                })
              }
            >
              {t('queue.checkIn')}
            </Button>
          </Stack>
        </Card>
      </SimpleGrid>
      <Card withBorder>
        <Title order={4}>{t('appointment.title')}</Title>
        <Table data-testid="appointments">
          <Table.Tbody>
            {appointments.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>{a.start ? formatDateTime(a.start, i18n.language) : ''}</Table.Td>
                <Table.Td>{a.participant.find((p) => p.actor?.reference?.startsWith('Practitioner/'))?.actor?.display}</Table.Td>
                <Table.Td>
                  <Badge variant="light">{t(`appointment.status.${a.status}`)}</Badge>
                </Table.Td>
                <Table.Td>
                  {a.status === 'booked' && (
                    <Group gap="xs">
                      {a.start?.slice(0, 10) === today && (
                        <Button
                          size="xs"
                          data-testid="check-in"
                          onClick={() =>
                            void run(async () => {
                              const e = await checkInAppointment(medplum, a);
                              notifications.show({ color: 'teal', message: t('queue.tokenIssued', { token: tokenOf(e) }) });
                              setSlip(e);
                            })
                          }
                        >
                          {t('queue.checkIn')}
                        </Button>
                      )}
                      <Button size="xs" variant="default" onClick={() => navigate(`/schedule?patient=${id}&reschedule=${a.id}`)}>
                        {t('appointment.reschedule')}
                      </Button>
                      <Button size="xs" variant="default" color="red" onClick={() => void setAppointmentStatus(a, 'cancelled')}>
                        {t('appointment.cancel')}
                      </Button>
                      {a.start && a.start < new Date().toISOString() && (
                        <Button size="xs" variant="default" color="orange" onClick={() => void setAppointmentStatus(a, 'noshow')}>
                          {t('appointment.markNoShow')}
                        </Button>
                      )}
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
      <Card withBorder>
        <Title order={4}>{t('visit.title')}</Title>
        <Table>
          <Table.Tbody>
            {encounters.map((e) => (
              <Table.Tr key={e.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/encounters/${e.id}`)}>
                <Table.Td>{e.period?.start ? formatDateTime(e.period.start, i18n.language) : ''}</Table.Td>
                <Table.Td>{tokenOf(e) ? `${t('queue.token')} ${tokenOf(e)}` : ''}</Table.Td>
                <Table.Td>{e.participant?.[0]?.individual?.display}</Table.Td>
                <Table.Td>
                  <Badge variant="light">{t(`encounter.status.${e.status}`)}</Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Card>
      {session.role === 'doctor' && patient.id && <LabResultsCard patientId={patient.id} onError={setError} />}
      {session.role === 'doctor' && patient.id && (
        <ExternalRecordsCard patientId={patient.id} doctorName={session.userName} onError={setError} />
      )}
    </Stack>
  );
}
