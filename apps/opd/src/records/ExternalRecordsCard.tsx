import { Badge, Button, Card, Collapse, Group, Stack, Text, Title } from '@mantine/core';
import type { Bundle } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../lib/format.ts';
import { type ExternalRecord, externalRecords } from './external.ts';
import { RequestRecordsModal } from './RequestRecordsModal.tsx';

/** Records the patient let this hospital fetch from other facilities over ABDM, each opening to its sections. */
export function ExternalRecordsCard({
  patientId,
  doctorName,
  onError,
}: {
  patientId: string;
  doctorName?: string;
  onError: (err: unknown) => void;
}) {
  const medplum = useMedplum();
  const { t } = useTranslation('opd');
  const [rows, setRows] = useState<ExternalRecord[]>();
  const [open, setOpen] = useState<Record<string, boolean>>({});
  const [asking, setAsking] = useState(false);

  useEffect(() => {
    medplum
      .search('Provenance', { patient: `Patient/${patientId}`, _include: 'Provenance:target:Bundle', _count: '50' }, { cache: 'no-cache' })
      .then((bundle: Bundle) => setRows(externalRecords(bundle)))
      .catch(onError);
  }, [medplum, patientId, onError]);

  if (!rows) return null;
  return (
    <Card withBorder data-testid="external-records">
      <Group justify="space-between">
        <Title order={4}>{t('externalRecords.title')}</Title>
        <Button size="xs" variant="light" onClick={() => setAsking(true)} data-testid="ask-for-records">
          {t('requestRecords.open')}
        </Button>
      </Group>
      <RequestRecordsModal patientId={patientId} doctorName={doctorName} opened={asking} onClose={() => setAsking(false)} />
      <Text size="sm" c="dimmed" mb="xs">
        {t('externalRecords.hint')}
      </Text>
      {rows.length === 0 && <Text c="dimmed">{t('externalRecords.none')}</Text>}
      <Stack gap="xs">
        {rows.map((r) => (
          <Card key={r.id} withBorder padding="xs" data-testid={`external-record-${r.id}`}>
            <Group justify="space-between">
              <Group gap="xs">
                <Text fw={600}>{r.title}</Text>
                {r.facility && <Badge variant="light">{r.facility}</Badge>}
                {r.date && (
                  <Text size="sm" c="dimmed">
                    {formatDate(r.date.slice(0, 10))}
                  </Text>
                )}
              </Group>
              <Button
                size="xs"
                variant="default"
                aria-expanded={open[r.id] ?? false}
                onClick={() => setOpen((o) => ({ ...o, [r.id]: !o[r.id] }))}
                data-testid="toggle-external-record"
              >
                {open[r.id] ? t('externalRecords.hide') : t('externalRecords.show')}
              </Button>
            </Group>
            <Collapse in={open[r.id] ?? false}>
              <Stack gap={4} mt="xs">
                {r.sections.map((s, i) => (
                  <div key={`${r.id}-${i}`}>
                    <Text size="sm" fw={600}>
                      {s.title}
                    </Text>
                    <Text size="sm" style={{ whiteSpace: 'pre-line' }}>
                      {s.text || t('externalRecords.noText')}
                    </Text>
                  </div>
                ))}
              </Stack>
            </Collapse>
          </Card>
        ))}
      </Stack>
    </Card>
  );
}
