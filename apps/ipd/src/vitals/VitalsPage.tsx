import { describeError, ErrorView } from '@hospital-ops/app-shell';
import { formatDateTime } from '@hospital-ops/app-shell/format/index.ts';
import { useLanguage } from '@hospital-ops/app-shell/i18n/index.ts';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Encounter, Observation, Patient, Reference } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { chartTime } from '../nursing/when.ts';
import { chartRows } from './chart.ts';
import type { Consciousness, News2Risk } from './news2.ts';
import { NEWS2_CODE, type NursingVitals, readNews2, scoreOf, vitalsBundle } from './observations.ts';
import { VitalsChart } from './VitalsChart.tsx';

export const RISK_LOOK: Record<News2Risk, { color: string; icon: string }> = {
  low: { color: 'green', icon: '✓' },
  'low-medium': { color: 'yellow', icon: '!' },
  medium: { color: 'orange', icon: '⚠' },
  high: { color: 'red', icon: '‼' },
};

type Form = Partial<Record<'respiration' | 'spo2' | 'systolic' | 'diastolic' | 'pulse' | 'temperatureF', number | string>>;
const FIELDS = [
  ['respiration', 4, 60],
  ['spo2', 50, 100],
  ['systolic', 40, 300],
  ['diastolic', 20, 200],
  ['pulse', 20, 250],
  ['temperatureF', 88, 110],
] as const;

/** Every field filled in, as numbers; undefined while something is missing. */
function complete(form: Form, onOxygen: boolean, scale2: boolean, consciousness: Consciousness): NursingVitals | undefined {
  const n = (k: keyof Form) => (typeof form[k] === 'number' ? (form[k] as number) : undefined);
  const values = FIELDS.map(([k]) => n(k));
  if (values.some((v) => v === undefined)) return undefined;
  const [respiration, spo2, systolic, diastolic, pulse, temperatureF] = values as number[];
  return { respiration, spo2, systolic, diastolic, pulse, temperatureF, onOxygen, scale2, consciousness };
}

/** A nurse's round for one in-patient: the NEWS2 observations, the score as they type, and earlier rounds. */
export function VitalsPage() {
  const { encounterId = '' } = useParams();
  const { t } = useTranslation('ipd');
  const [lang] = useLanguage();
  const medplum = useMedplum();
  const navigate = useNavigate();
  const [encounter, setEncounter] = useState<Encounter>();
  const [signs, setSigns] = useState<Observation[]>([]);
  const [pain, setPain] = useState<number | string>('');
  const [when, setWhen] = useState('');
  const [error, setError] = useState<unknown>();
  const [form, setForm] = useState<Form>({});
  const [onOxygen, setOnOxygen] = useState(false);
  const [scale2, setScale2] = useState(false);
  const [consciousness, setConsciousness] = useState<Consciousness>('A');
  const [saveError, setSaveError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      // One search for the whole stay's vital signs (every round's signs and NEWS2), oldest first: the charts and the rounds list.
      const [enc, stay] = await Promise.all([
        medplum.readResource('Encounter', encounterId, { cache: 'no-cache' }),
        medplum.searchResources(
          'Observation',
          { encounter: `Encounter/${encounterId}`, category: 'vital-signs', _sort: 'date', _count: '1000' },
          { cache: 'no-cache' },
        ),
      ]);
      setEncounter(enc);
      setSigns(stay);
    } catch (err) {
      setError(err);
    }
  }, [medplum, encounterId]);
  useEffect(() => void load(), [load]);

  const entered = complete(form, onOxygen, scale2, consciousness);
  const vitals = entered && typeof pain === 'number' ? { ...entered, pain } : entered;
  const score = vitals ? scoreOf(vitals) : undefined;
  const timeProblem = chartTime(when, encounter?.period?.start).problem;
  const history = signs
    .filter((o) => o.code?.coding?.some((c) => c.system === NEWS2_CODE.system && c.code === NEWS2_CODE.code))
    .reverse()
    .slice(0, 20);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const { at } = chartTime(when, encounter?.period?.start);
    if (!vitals || !encounter?.subject || !at || timeProblem) return;
    setBusy(true);
    try {
      await medplum.executeBatch(
        vitalsBundle(vitals, encounter.subject as Reference<Patient>, { reference: `Encounter/${encounterId}` }, at),
      );
      notifications.show({ color: 'green', message: t('vitals.saved') });
      setForm({});
      setPain('');
      setWhen('');
      setSaveError(undefined);
      await load();
    } catch (err) {
      setSaveError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };

  if (error) return <ErrorView error={error} />;
  if (!encounter) return <Loader />;
  return (
    <Stack maw={900}>
      <Group justify="space-between">
        <Title order={2}>{t('vitals.title', { patient: encounter.subject?.display ?? '' })}</Title>
        <Group>
          <Button variant="light" onClick={() => navigate(`/nursing/${encounterId}`)} data-testid="open-nursing">
            {t('nursing.open')}
          </Button>
          <Button variant="default" onClick={() => navigate('/')}>
            {t('vitals.back')}
          </Button>
        </Group>
      </Group>
      <form onSubmit={(e) => void save(e)} data-testid="vitals-form">
        <Stack>
          <SimpleGrid cols={{ base: 2, sm: 3 }}>
            {FIELDS.map(([key, min, max], i) => (
              <NumberInput
                key={key}
                data-autofocus={i === 0 || undefined}
                label={t(`vitals.field.${key}`)}
                min={min}
                max={max}
                decimalScale={key === 'temperatureF' ? 1 : 0}
                value={form[key] ?? ''}
                onChange={(v) => setForm((f) => ({ ...f, [key]: v }))}
                data-testid={`vitals-${key}`}
              />
            ))}
            <NumberInput
              label={t('nursing.pain')}
              min={0}
              max={10}
              decimalScale={0}
              value={pain}
              onChange={setPain}
              data-testid="vitals-pain"
            />
            <TextInput
              label={t('nursing.when')}
              placeholder={t('nursing.now')}
              value={when}
              onChange={(e) => setWhen(e.currentTarget.value)}
              error={timeProblem ? t(`nursing.whenProblem.${timeProblem}`) : undefined}
              data-testid="vitals-when"
            />
          </SimpleGrid>
          <Group align="end">
            <SegmentedControl
              aria-label={t('vitals.field.oxygen')}
              value={onOxygen ? 'oxygen' : 'air'}
              onChange={(v) => setOnOxygen(v === 'oxygen')}
              data={[
                { value: 'air', label: t('vitals.air') },
                { value: 'oxygen', label: t('vitals.oxygen') },
              ]}
            />
            <Select
              label={t('vitals.field.consciousness')}
              value={consciousness}
              onChange={(v) => setConsciousness((v ?? 'A') as Consciousness)}
              allowDeselect={false}
              data={(['A', 'C', 'V', 'P', 'U'] as const).map((c) => ({ value: c, label: t(`vitals.acvpu.${c}`) }))}
            />
            <Checkbox label={t('vitals.scale2')} checked={scale2} onChange={(e) => setScale2(e.currentTarget.checked)} />
          </Group>
          <Paper withBorder p="md" data-testid="news2-score">
            {score ? (
              <Group>
                <Badge size="xl" color={RISK_LOOK[score.risk].color}>
                  <span aria-hidden>{RISK_LOOK[score.risk].icon}</span> NEWS2 {score.total}
                </Badge>
                <Text fw={600}>{t(`vitals.risk.${score.risk}`)}</Text>
                <Text>{t(`vitals.response.${score.risk}`)}</Text>
              </Group>
            ) : (
              <Text c="dimmed">{t('vitals.fillAll')}</Text>
            )}
          </Paper>
          {saveError && (
            <Alert color="red" role="alert">
              {saveError}
            </Alert>
          )}
          <Group justify="end">
            <Button type="submit" disabled={!vitals || !!timeProblem} loading={busy} data-testid="vitals-save">
              {t('vitals.save')}
            </Button>
          </Group>
        </Stack>
      </form>
      <Title order={3}>{t('nursing.chart.title')}</Title>
      <VitalsChart rows={chartRows(signs)} />
      <Title order={3}>{t('vitals.history')}</Title>
      {history.length === 0 ? (
        <Text c="dimmed">{t('vitals.none')}</Text>
      ) : (
        <Table data-testid="vitals-history">
          <Table.Tbody>
            {history.map((o) => {
              const r = readNews2(o);
              const look = RISK_LOOK[(r.risk ?? 'low') as News2Risk] ?? RISK_LOOK.low;
              return (
                <Table.Tr key={o.id}>
                  <Table.Td>{formatDateTime(r.when, lang)}</Table.Td>
                  <Table.Td>
                    <Badge color={look.color}>
                      <span aria-hidden>{look.icon}</span> NEWS2 {r.total}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{r.risk ? t(`vitals.risk.${r.risk}`, { defaultValue: r.risk }) : ''}</Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
