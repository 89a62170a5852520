import { Alert, Button, Card, Stack, Text, Textarea, Title } from '@mantine/core';
import type { Observation, Parameters } from '@medplum/fhirtypes';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type AmendProblem, type AnalyteRow, amendParameters, currentValues, type Subject } from '../lab/results.ts';
import { ResultGrid } from './ResultGrid.tsx';

/**
 * A correction after the report is final: the grid starts from the report's values, the reason is
 * required, and only what changed is sent to `$amend` (the server keeps the earlier versions).
 */
export function AmendCard({
  rows,
  subject,
  observations,
  onAmend,
}: {
  rows: AnalyteRow[];
  subject: Subject;
  observations: Observation[];
  onAmend: (params: Parameters) => Promise<boolean>;
}) {
  const { t } = useTranslation('lab');
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<AmendProblem>();
  const initial = useMemo(() => currentValues(observations), [observations]);

  if (!open)
    return (
      <Button size="lg" variant="outline" color="orange" data-testid="amend" onClick={() => setOpen(true)}>
        {t('amend.button')}
      </Button>
    );
  return (
    <Card withBorder data-testid="amend-card">
      <Stack>
        <Title order={3}>{t('amend.title')}</Title>
        <Text>{t('amend.hint')}</Text>
        <Textarea
          size="md"
          required
          label={t('amend.reason')}
          data-testid="amend-reason"
          value={reason}
          error={problem === 'reason' ? t('amend.problem.reason') : undefined}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        <ResultGrid
          rows={rows}
          subject={subject}
          initial={initial}
          saveLabel={t('amend.save')}
          saveTestId="save-amendment"
          onSave={async (typed) => {
            const params = amendParameters(rows, typed, subject, observations, reason);
            if (typeof params === 'string') return setProblem(params);
            setProblem(undefined);
            if (await onAmend(params)) setOpen(false);
          }}
        />
        {problem ? (
          <Alert color="orange" role="alert" data-testid="amend-problem">
            {t(`amend.problem.${problem}`)}
          </Alert>
        ) : null}
        <Button variant="subtle" onClick={() => setOpen(false)}>
          {t('amend.cancel')}
        </Button>
      </Stack>
    </Card>
  );
}
