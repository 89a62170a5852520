import { useSession } from '@hospital-ops/app-shell';
import {
  Alert,
  Autocomplete,
  Badge,
  Button,
  Card,
  Checkbox,
  type ComboboxItem,
  Grid,
  Group,
  List,
  NumberInput,
  type OptionsFilter,
  SegmentedControl,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import type { AllergyIntolerance, Appointment, Encounter, Medication, MedicationRequest, ServiceRequest } from '@medplum/fhirtypes';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { printLanguageOf } from '../fhir/patient.ts';
import { formatDate, parseIndianDate, todayInKolkata } from '../lib/format.ts';
import { addDays } from '../scheduling/days.ts';
import { buildDosage, type DurationUnit, dosageLine, type Food, medicineWarnings } from './dosage.ts';
import { COMMON_TESTS, type DraftMedication, formularyMatch, medicationName, nextLine, ordersBundle, testMatches } from './orders.ts';
import { formularyLabel, searchFormulary, useFormulary, usePrescribingUsage } from './useFormulary.ts';
import { useVisitSave, type VisitCardProps } from './useVisitSave.ts';

const FREQUENCIES = ['1-0-1', '1-1-1', '1-0-0', '0-0-1', '0-1-0', '1-1-1-1', '½-0-½', 'SOS', 'STAT', 'HS', 'weekly'];

/** The e-prescription: medicines from the formulary with Indian 1-0-1 dosing, allergy and interaction warnings, lab orders and follow-up. */
/** The date of the earliest follow-up still planned among a visit's Appointments. */
export function followUpDate(appointments: Appointment[]): string | undefined {
  return appointments
    .filter((a) => !['cancelled', 'noshow', 'entered-in-error'].includes(a.status) && a.start)
    .map((a) => (a.start as string).slice(0, 10))
    .sort()[0];
}

/** What a new medicine line starts with. */
export const NEW_LINE: { dose: number; frequency: string; food: Food; duration: number; durationUnit: DurationUnit } = {
  dose: 1,
  frequency: '1-0-1',
  food: 'after',
  duration: 5,
  durationUnit: 'd',
};

/** The lab-order picker finds a test by its name or the abbreviation the desk types (CBC, LFT, HbA1c). */
const labOrderFilter: OptionsFilter = ({ options, search }) =>
  (options as ComboboxItem[]).filter((o) => {
    const test = COMMON_TESTS.find((c) => c.display === o.value);
    return test ? testMatches(test, search) : o.label.toLowerCase().includes(search.toLowerCase().trim());
  });

export function PrescriptionCard(
  props: {
    encounter: Encounter;
    patientLanguage?: string;
    allergies: AllergyIntolerance[];
    saved: MedicationRequest[];
    savedTests: ServiceRequest[];
    /** The follow-up date already booked from this visit (YYYY-MM-DD). */
    savedFollowUp?: string;
  } & VisitCardProps,
) {
  const { encounter, allergies, saved, savedTests, savedFollowUp, onSaved, onError } = props;
  const patientLanguage = printLanguageOf(props.patientLanguage);
  const session = useSession();
  const { t } = useTranslation('opd');
  const formulary = useFormulary();
  const usage = usePrescribingUsage();
  const [query, setQuery] = useState('');
  const [medication, setMedication] = useState<Medication>();
  const [dose, setDose] = useState<number>(NEW_LINE.dose);
  const [frequency, setFrequency] = useState(NEW_LINE.frequency);
  const [food, setFood] = useState<Food>(NEW_LINE.food);
  const [duration, setDuration] = useState<number>(NEW_LINE.duration);
  const [durationUnit, setDurationUnit] = useState<DurationUnit>(NEW_LINE.durationUnit);
  const [instruction, setInstruction] = useState('');
  const [instructionEdited, setInstructionEdited] = useState(false);
  /** The same instruction in Hindi, for a patient who reads Hindi (printed with the English). */
  const [instructionHi, setInstructionHi] = useState('');
  const [instructionHiEdited, setInstructionHiEdited] = useState(false);
  const bilingual = patientLanguage === 'hi';
  const [drafts, setDrafts] = useState<DraftMedication[]>([]);
  const [tests, setTests] = useState<string[]>([]);
  const [followUpText, setFollowUpText] = useState('');
  const [acknowledged, setAcknowledged] = useState(false);
  const { saving, save: run } = useVisitSave({ onSaved, onError });

  const dosage = useMemo(
    () => buildDosage({ frequency, dose, food, duration, durationUnit }),
    [frequency, dose, food, duration, durationUnit],
  );
  useEffect(() => {
    // English first (the doctor's and the pharmacist's language); the Hindi beside it for a Hindi reader.
    if (!instructionEdited && dosage) setInstruction(dosageLine(dosage, bilingual ? 'en' : patientLanguage));
  }, [dosage, patientLanguage, bilingual, instructionEdited]);
  useEffect(() => {
    if (!instructionHiEdited && dosage) setInstructionHi(bilingual ? dosageLine(dosage, 'hi') : '');
  }, [dosage, bilingual, instructionHiEdited]);

  const others = useMemo(
    () => [...drafts.map((d) => d.medication), ...saved.map((m) => formularyMatch(m, formulary ?? [])).filter((m): m is Medication => !!m)],
    [drafts, saved, formulary],
  );
  const warnings = medication ? medicineWarnings(medication, allergies, others) : [];
  const allWarnings = drafts.flatMap((d) => d.warnings);

  const options = useMemo(() => {
    return searchFormulary(formulary ?? [], query, 15, usage).map((m) => ({ value: m.id ?? '', label: formularyLabel(m) }));
  }, [formulary, query, usage]);

  function addLine() {
    if (!medication || !dosage) return;
    setDrafts((d) => [
      ...d,
      {
        key: crypto.randomUUID(),
        medication,
        dosage,
        patientInstruction: instruction,
        ...(bilingual && instructionHi.trim() ? { patientInstructionHi: instructionHi.trim() } : {}),
        warnings: warnings.map((w) => w.message),
        authoredOn: new Date().toISOString(),
      },
    ]);
    setMedication(undefined);
    setQuery('');
    // Each medicine starts afresh: the last one's timing must not slip into the next unnoticed.
    setDose(NEW_LINE.dose);
    setFrequency(NEW_LINE.frequency);
    setFood(NEW_LINE.food);
    setDuration(NEW_LINE.duration);
    setDurationUnit(NEW_LINE.durationUnit);
    setInstructionEdited(false);
    setInstructionHiEdited(false);
    setAcknowledged(false);
  }

  const save = () =>
    run(
      () => {
        const followUp = followUpText ? parseIndianDate(followUpText) : undefined;
        const chosen = tests.map((name) => COMMON_TESTS.find((c) => c.display === name) ?? { display: name });
        return ordersBundle(encounter, session.fhirUser ?? '', drafts, chosen, followUp, new Date().toISOString(), nextLine(saved)).entry;
      },
      t('prescription.saved'),
      () => {
        setDrafts([]);
        setTests([]);
        setFollowUpText('');
      },
    );

  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        {t('prescription.title')}
      </Title>
      <Stack>
        {(saved.length > 0 || savedTests.length > 0 || savedFollowUp) && (
          <Stack gap={4}>
            <Text size="sm" c="dimmed">
              {t('prescription.alreadySaved')}
            </Text>
            <List data-testid="saved-medications">
              {saved.map((m) => (
                <List.Item key={m.id}>
                  <b>{m.medicationCodeableConcept?.text}</b> — {m.dosageInstruction?.map((d) => d.text).join('; ')}
                </List.Item>
              ))}
              {savedTests.map((s) => (
                <List.Item key={s.id}>{s.code?.text}</List.Item>
              ))}
              {savedFollowUp && (
                <List.Item data-testid="saved-follow-up">
                  {t('prescription.followUp')} <b>{formatDate(savedFollowUp)}</b>
                </List.Item>
              )}
            </List>
          </Stack>
        )}
        <Grid align="end">
          <Grid.Col span={{ base: 12, md: 6 }}>
            <Autocomplete
              label={t('prescription.medicine')}
              placeholder={t('prescription.medicinePlaceholder')}
              value={query}
              onChange={setQuery}
              data={options}
              filter={({ options: o }) => o}
              onOptionSubmit={(id) => {
                const m = formulary?.find((f) => f.id === id);
                setMedication(m);
                setQuery(m ? formularyLabel(m) : '');
              }}
              data-testid="medicine-input"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 4, md: 2 }}>
            <NumberInput
              label={t('prescription.dose')}
              min={0.25}
              step={0.5}
              decimalScale={2}
              value={dose}
              onChange={(v) => setDose(Number(v) || 1)}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 8, md: 4 }}>
            <Autocomplete
              label={t('prescription.frequency')}
              value={frequency}
              onChange={setFrequency}
              data={FREQUENCIES}
              error={dosage ? undefined : '1-0-1, 1-1-1, SOS…'}
              data-testid="frequency-input"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <SegmentedControl
              fullWidth
              value={food}
              onChange={(v) => setFood(v as Food)}
              data={[
                { value: 'before', label: t('prescription.foodBefore') },
                { value: 'after', label: t('prescription.foodAfter') },
                { value: 'with', label: t('prescription.foodWith') },
                { value: 'any', label: t('prescription.foodAny') },
              ]}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 6, md: 3 }}>
            <NumberInput
              label={t('prescription.duration')}
              min={1}
              value={duration}
              onChange={(v) => setDuration(Number(v) || 1)}
              data-testid="duration-input"
            />
          </Grid.Col>
          <Grid.Col span={{ base: 6, md: 3 }}>
            <Select
              aria-label={t('prescription.duration')}
              value={durationUnit}
              onChange={(v) => setDurationUnit((v as DurationUnit) ?? 'd')}
              data={[
                { value: 'd', label: t('prescription.days') },
                { value: 'wk', label: t('prescription.weeks') },
                { value: 'mo', label: t('prescription.months') },
              ]}
            />
          </Grid.Col>
          <Grid.Col span={bilingual ? 6 : 12}>
            <Textarea
              label={bilingual ? t('prescription.instructionEn') : t('prescription.instruction')}
              autosize
              minRows={1}
              value={instruction}
              onChange={(e) => {
                setInstruction(e.currentTarget.value);
                setInstructionEdited(true);
              }}
              data-testid="instruction-input"
            />
          </Grid.Col>
          {bilingual && (
            <Grid.Col span={6}>
              <Textarea
                label={t('prescription.instructionHi')}
                lang="hi"
                autosize
                minRows={1}
                value={instructionHi}
                onChange={(e) => {
                  setInstructionHi(e.currentTarget.value);
                  setInstructionHiEdited(true);
                }}
                data-testid="instruction-hi-input"
              />
            </Grid.Col>
          )}
        </Grid>
        {warnings.length > 0 && (
          <Alert color="red" title={t('prescription.warnings')} data-testid="prescription-warnings">
            <List size="sm">
              {warnings.map((w) => (
                <List.Item key={w.message}>
                  <Badge size="xs" color={w.severity === 'high' ? 'red' : 'orange'} mr={6}>
                    {w.severity}
                  </Badge>
                  {w.message}
                </List.Item>
              ))}
            </List>
            <Checkbox
              mt="xs"
              label={t('prescription.acknowledge')}
              checked={acknowledged}
              onChange={(e) => setAcknowledged(e.currentTarget.checked)}
            />
          </Alert>
        )}
        <Group>
          <Button
            variant="light"
            onClick={addLine}
            disabled={!medication || !dosage || (warnings.length > 0 && !acknowledged)}
            data-testid="add-medicine"
          >
            {t('prescription.add')}
          </Button>
        </Group>
        <Table data-testid="draft-medications">
          <Table.Tbody>
            {drafts.length === 0 && (
              <Table.Tr>
                <Table.Td c="dimmed">{t('prescription.empty')}</Table.Td>
              </Table.Tr>
            )}
            {drafts.map((d, i) => (
              <Table.Tr key={d.key}>
                <Table.Td>{i + 1}.</Table.Td>
                <Table.Td>
                  <b>{medicationName(d.medication)}</b>
                  {d.warnings.length > 0 && (
                    <Badge color="red" ml="xs" size="xs">
                      !
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>{d.dosage[0]?.text}</Table.Td>
                <Table.Td>
                  {d.patientInstruction}
                  {d.patientInstructionHi && (
                    <Text size="sm" lang="hi" c="dimmed">
                      {d.patientInstructionHi}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" color="red" onClick={() => setDrafts((x) => x.filter((y) => y.key !== d.key))}>
                    {t('actions.remove')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <TagsInput
          label={t('prescription.labOrders')}
          placeholder={t('prescription.labPlaceholder')}
          data={COMMON_TESTS.map((c) => c.display)}
          filter={labOrderFilter}
          value={tests}
          onChange={setTests}
          data-testid="lab-orders"
        />
        <Group align="end">
          <TextInput
            label={t('prescription.followUp')}
            placeholder="DD/MM/YYYY"
            value={followUpText}
            onChange={(e) => setFollowUpText(e.currentTarget.value)}
            w={160}
            data-testid="follow-up"
          />
          {[3, 7, 14, 30].map((days) => (
            <Button key={days} size="xs" variant="default" onClick={() => setFollowUpText(formatDate(addDays(todayInKolkata(), days)))}>
              {t('prescription.followUpIn', { days })}
            </Button>
          ))}
        </Group>
        {allWarnings.length > 0 && (
          <Text size="xs" c="red">
            {allWarnings.join(' · ')}
          </Text>
        )}
        <Group>
          <Button
            onClick={() => void save()}
            loading={saving}
            disabled={drafts.length === 0 && tests.length === 0 && !followUpText}
            data-testid="save-prescription"
          >
            {t('prescription.save')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
