import { ErrorView } from '@hospital-ops/app-shell';
import { Alert, Badge, Group, Loader, SegmentedControl, Select, Stack, Table, Text } from '@mantine/core';
import { useMedplum } from '@medplum/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router';
import { loadWorklist, orderForAccession } from '../fhir/lab-api.ts';
import { patientName, testName, uhidOf } from '../lab/label.ts';
import {
  countsByScreen,
  departments,
  filterRows,
  findScanned,
  PRIORITIES,
  type Priority,
  readScan,
  SCREENS,
  type Screen,
  type WorklistRow,
} from '../lab/worklist.ts';
import { formatDateTime } from '../lib/format.ts';
import { ScanBox } from './ScanBox.tsx';

const PRIORITY_COLOUR: Record<Priority, string> = { stat: 'red', asap: 'orange', urgent: 'yellow', routine: 'gray' };

export function PriorityBadge({ priority }: { priority: Priority }) {
  const { t } = useTranslation('lab');
  return (
    <Badge size="lg" color={PRIORITY_COLOUR[priority]} variant={priority === 'routine' ? 'light' : 'filled'}>
      {t(`priority.${priority}`)}
    </Badge>
  );
}

/** The lab's day: orders by what they wait on, STAT first, with the scan box on top. */
export function WorklistPage() {
  const medplum = useMedplum();
  const navigate = useNavigate();
  const { t, i18n } = useTranslation('lab');
  const [params, setParams] = useSearchParams();
  const screen = (SCREENS as readonly string[]).includes(params.get('screen') ?? '') ? (params.get('screen') as Screen) : 'collect';
  const priority = (PRIORITIES as readonly string[]).includes(params.get('priority') ?? '')
    ? (params.get('priority') as Priority)
    : undefined;
  const department = params.get('department') ?? undefined;
  const [rows, setRows] = useState<WorklistRow[]>();
  const [error, setError] = useState<unknown>();
  const [scanMessage, setScanMessage] = useState<string>();

  const load = useCallback(
    () =>
      loadWorklist(medplum)
        .then((r) => {
          setRows(r);
          setError(undefined);
        })
        .catch(setError),
    [medplum],
  );
  useEffect(() => {
    void load();
    // New orders arrive from the OPD all morning.
    const timer = setInterval(() => void load(), 30_000);
    return () => clearInterval(timer);
  }, [load]);

  const set = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  async function onScan(text: string) {
    const target = readScan(text);
    if (!target) return;
    setScanMessage(undefined);
    const row = rows && findScanned(rows, target);
    if (row) {
      navigate(`/orders/${row.order.id}`);
      return;
    }
    // Not on the open worklist (verified already, say): ask the server.
    try {
      const id =
        target.kind === 'accession'
          ? await orderForAccession(medplum, target.value)
          : (await medplum.readResource('ServiceRequest', target.value)).id;
      if (id) {
        navigate(`/orders/${id}`);
        return;
      }
    } catch {
      // Not found: said below.
    }
    setScanMessage(t('scan.notFound', { value: target.value }));
  }

  const counts = useMemo(() => (rows ? countsByScreen(rows, { priority, department }) : undefined), [rows, priority, department]);
  const shown = rows ? filterRows(rows, { screen, priority, department }) : [];
  const depts = rows ? departments(rows) : [];

  return (
    <Stack gap="md">
      <ScanBox onScan={(text) => void onScan(text)} message={scanMessage} />
      <SegmentedControl
        size="lg"
        fullWidth
        data-testid="stage-tabs"
        value={screen}
        onChange={(v) => set('screen', v === 'collect' ? undefined : v)}
        data={SCREENS.map((s) => ({ value: s, label: `${t(`screen.${s}`)}${counts ? ` (${counts[s]})` : ''}` }))}
      />
      <Group grow>
        <Select
          size="md"
          aria-label={t('column.priority')}
          value={priority ?? ''}
          onChange={(v) => set('priority', v || undefined)}
          allowDeselect={false}
          data={[{ value: '', label: t('priority.all') }, ...PRIORITIES.map((p) => ({ value: p, label: t(`priority.${p}`) }))]}
        />
        <Select
          size="md"
          aria-label={t('department.label')}
          value={department ?? ''}
          onChange={(v) => set('department', v || undefined)}
          allowDeselect={false}
          data={[{ value: '', label: t('department.all') }, ...depts.map((d) => ({ value: d.code, label: d.name }))]}
        />
      </Group>
      {error ? <ErrorView error={error} onRetry={() => void load()} /> : null}
      {!rows && !error ? <Loader /> : null}
      {rows && shown.length === 0 ? (
        <Alert color="gray">
          <Text>{t('empty')}</Text>
        </Alert>
      ) : null}
      {shown.length ? (
        <Table highlightOnHover verticalSpacing="md" fz="md" data-testid="worklist">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('column.priority')}</Table.Th>
              <Table.Th>{t('column.patient')}</Table.Th>
              <Table.Th>{t('column.test')}</Table.Th>
              <Table.Th>{t('column.sample')}</Table.Th>
              <Table.Th>{t('column.ordered')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((r) => (
              <Table.Tr
                key={r.order.id}
                style={{ cursor: 'pointer' }}
                tabIndex={0}
                data-testid="worklist-row"
                onClick={() => navigate(`/orders/${r.order.id}`)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') navigate(`/orders/${r.order.id}`);
                }}
              >
                <Table.Td>
                  <PriorityBadge priority={r.priority} />
                </Table.Td>
                <Table.Td>
                  <Text fw={600}>{patientName(r.patient)}</Text>
                  <Text size="sm" c="dimmed">
                    {uhidOf(r.patient)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text>{testName(r.order)}</Text>
                  {r.department ? (
                    <Text size="sm" c="dimmed">
                      {r.department.name}
                    </Text>
                  ) : null}
                </Table.Td>
                <Table.Td ff="monospace">{r.accessions.join(', ')}</Table.Td>
                <Table.Td>{formatDateTime(r.order.authoredOn, i18n.language)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : null}
    </Stack>
  );
}
