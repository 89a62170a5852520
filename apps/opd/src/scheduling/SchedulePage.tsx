import { ErrorView } from '@hospital-ops/app-shell';
import { type BranchDoctor, useBranchDoctors } from '@hospital-ops/app-shell/doctors.ts';
import { Alert, Badge, Button, Card, Group, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Appointment, Patient, Schedule, Slot } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { generateSlots } from '../fhir/opd-operations.ts';
import { chunks, searchAll } from '../fhir/search-all.ts';
import { formatDate, formatTime, parseIndianDate, todayInKolkata } from '../lib/format.ts';
import { addDays, istDayRange } from './days.ts';

function appointmentFor(doctor: BranchDoctor, patient: Patient, slot: Slot): Appointment {
  const location = doctor.role.location?.[0];
  return {
    resourceType: 'Appointment',
    status: 'booked',
    slot: [{ reference: `Slot/${slot.id}` }],
    start: slot.start,
    end: slot.end,
    created: new Date().toISOString(),
    serviceType: doctor.role.specialty,
    participant: [
      { actor: { reference: `Patient/${patient.id}`, display: patient.name?.[0]?.text }, status: 'accepted', required: 'required' },
      { actor: { reference: `Practitioner/${doctor.practitioner.id}`, display: doctor.name }, status: 'accepted', required: 'required' },
      ...(location ? [{ actor: location, status: 'accepted' as const, required: 'information-only' as const }] : []),
    ],
  };
}

/** A doctor's day as slots: book for the chosen patient, reschedule an appointment, see who is booked. */
export function SchedulePage() {
  const medplum = useMedplum();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const { t, i18n } = useTranslation('opd');
  const doctors = useBranchDoctors();
  const patientId = params.get('patient');
  const rescheduleId = params.get('reschedule');
  const [doctorId, setDoctorId] = useState<string | null>(null);
  const [day, setDay] = useState(todayInKolkata());
  const [dayText, setDayText] = useState(formatDate(todayInKolkata()));
  const [patient, setPatient] = useState<Patient>();
  const [moving, setMoving] = useState<Appointment>();
  const [slots, setSlots] = useState<Slot[]>();
  const [booked, setBooked] = useState<Map<string, Appointment>>(new Map());
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  // The clock, so a slot that starts while the page is open stops being offered.
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const doctor = doctors?.find((d) => d.role.id === doctorId);

  useEffect(() => {
    if (doctors?.length && !doctorId) setDoctorId(doctors[0].role.id ?? null);
  }, [doctors, doctorId]);
  useEffect(() => {
    if (patientId) medplum.readResource('Patient', patientId).then(setPatient).catch(setError);
    if (rescheduleId)
      medplum
        .readResource('Appointment', rescheduleId)
        .then((a) => {
          setMoving(a);
          const practitioner = a.participant.find((p) => p.actor?.reference?.startsWith('Practitioner/'))?.actor?.reference;
          const d = doctors?.find((x) => `Practitioner/${x.practitioner.id}` === practitioner);
          if (d?.role.id) setDoctorId(d.role.id);
        })
        .catch(setError);
  }, [patientId, rescheduleId, medplum, doctors]);

  const load = useCallback(async () => {
    if (!doctor) return;
    try {
      const schedules = await medplum.searchResources('Schedule', { actor: `PractitionerRole/${doctor.role.id}` }, { cache: 'no-cache' });
      const [from, to] = istDayRange(day);
      const found = schedules.length
        ? await searchAll(medplum, 'Slot', [
            ['schedule', schedules.map((s: Schedule) => `Schedule/${s.id}`).join(',')],
            ['start', `ge${from}`],
            ['start', `lt${to}`],
            ['_sort', 'start'],
            ['_count', '200'],
          ])
        : [];
      const appointments = (
        await Promise.all(
          chunks(found, 100).map((some) =>
            searchAll(medplum, 'Appointment', {
              slot: some.map((s) => `Slot/${s.id}`).join(','),
              status: 'booked,arrived,fulfilled,checked-in',
              _count: '200',
            }),
          ),
        )
      ).flat();
      const bySlot = new Map<string, Appointment>();
      for (const a of appointments) for (const s of a.slot ?? []) bySlot.set(s.reference ?? '', a);
      setSlots(found);
      setBooked(bySlot);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, [doctor, day, medplum]);
  useEffect(() => {
    void load();
  }, [load]);

  async function book(slot: Slot) {
    if (!doctor || !patient) return;
    setBusy(true);
    try {
      const saved = moving
        ? await medplum.updateResource({
            ...appointmentFor(doctor, patient, slot),
            id: moving.id,
            meta: moving.meta,
            created: moving.created,
          })
        : await medplum.createResource(appointmentFor(doctor, patient, slot));
      notifications.show({
        color: 'teal',
        message: t(moving ? 'appointment.rescheduled' : 'appointment.booked', { time: formatTime(slot.start, i18n.language) }),
      });
      navigate(`/patients/${patient.id}`, { state: { appointment: saved.id } });
    } catch (err) {
      setError(err);
      await load();
    } finally {
      setBusy(false);
    }
  }

  async function openDays() {
    if (!doctor?.role.id) return;
    try {
      await generateSlots(medplum, doctor.role.id, day, addDays(day, 6));
      await load();
    } catch (err) {
      setError(err);
    }
  }

  function changeDay(next: string) {
    setDay(next);
    setDayText(formatDate(next));
  }

  return (
    <Stack>
      <Title order={2}>{t('schedule.title')}</Title>
      {patient ? (
        <Alert color="teal" data-testid="booking-for">
          {t(moving ? 'schedule.reschedulingFor' : 'schedule.bookingFor', { name: patient.name?.[0]?.text })}
        </Alert>
      ) : (
        <Alert color="blue" data-testid="choose-patient-hint">
          {t('schedule.choosePatient')}
        </Alert>
      )}
      <Group align="end">
        <Select
          label={t('queue.doctor')}
          data={(doctors ?? []).map((d) => ({ value: d.role.id ?? '', label: d.name }))}
          value={doctorId}
          onChange={setDoctorId}
          data-testid="schedule-doctor"
        />
        <Button variant="default" onClick={() => changeDay(addDays(day, -1))} aria-label={t('schedule.previousDay')}>
          ‹
        </Button>
        <TextInput
          label={t('schedule.day')}
          value={dayText}
          w={130}
          onChange={(e) => {
            setDayText(e.currentTarget.value);
            const parsed = parseIndianDate(e.currentTarget.value);
            if (parsed) setDay(parsed);
          }}
          data-testid="schedule-day"
        />
        <Button variant="default" onClick={() => changeDay(addDays(day, 1))} aria-label={t('schedule.nextDay')}>
          ›
        </Button>
        <Button variant="light" onClick={() => void openDays()} data-testid="generate-slots">
          {t('schedule.openWeek')}
        </Button>
      </Group>
      {error !== undefined && <ErrorView error={error} />}
      {slots && slots.length === 0 && <Text c="dimmed">{t('schedule.noSlots')}</Text>}
      <SimpleGrid cols={{ base: 3, sm: 4, md: 6 }} data-testid="slots">
        {slots?.map((s) => {
          const a = booked.get(`Slot/${s.id}`);
          const name = a?.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.display;
          // The server refuses a slot that has started (SLOT_IN_PAST): walk-ins are checked in from the queue.
          const past = Date.parse(s.start) < now;
          return (
            <Card key={s.id} withBorder padding="xs" bg={a || past ? 'gray.1' : undefined} opacity={past && !a ? 0.6 : undefined}>
              <Stack gap={4} align="center">
                <Text fw={600}>{formatTime(s.start, i18n.language)}</Text>
                {a ? (
                  <Badge variant="light" color="gray" title={name}>
                    {name ?? t('schedule.booked')}
                  </Badge>
                ) : past ? (
                  <Badge variant="light" color="gray" data-testid={`past-${s.start}`}>
                    {t('schedule.past')}
                  </Badge>
                ) : (
                  <Button
                    size="compact-sm"
                    disabled={!patient || busy}
                    title={patient ? undefined : t('schedule.choosePatientShort')}
                    onClick={() => void book(s)}
                    data-testid={`slot-${s.start}`}
                  >
                    {t('schedule.book')}
                  </Button>
                )}
              </Stack>
            </Card>
          );
        })}
      </SimpleGrid>
    </Stack>
  );
}
