import { describeError, useSession } from '@hospital-ops/app-shell';
import { formatDateTime } from '@hospital-ops/app-shell/format/index.ts';
import { useLanguage } from '@hospital-ops/app-shell/i18n/index.ts';
import { Alert, Badge, Button, Checkbox, Group, Paper, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import type { Encounter, Observation, Patient, Practitioner, Reference } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { noteObservation, nursingNotes, resolveConcern } from './notes.ts';
import { shiftOf } from './shifts.ts';
import { chartTime } from './when.ts';

/** Nursing notes of the stay, newest first with their shift; a note can raise a concern for the handover. */
export function NursingNotes({
  encounter,
  observations,
  onSaved,
}: {
  encounter: Encounter;
  observations: Observation[];
  onSaved: () => Promise<void>;
}) {
  const { t } = useTranslation('ipd');
  const [lang] = useLanguage();
  const medplum = useMedplum();
  const session = useSession();
  const [text, setText] = useState('');
  const [concern, setConcern] = useState(false);
  const [when, setWhen] = useState('');
  const [busy, setBusy] = useState(false);
  const [saveError, setSaveError] = useState<string>();
  const timeProblem = chartTime(when, encounter.period?.start).problem;
  const notes = nursingNotes(observations).reverse();

  const run = async (work: () => Promise<unknown>, done: string) => {
    setBusy(true);
    try {
      await work();
      notifications.show({ color: 'green', message: done });
      setSaveError(undefined);
      await onSaved();
    } catch (err) {
      setSaveError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  };

  const save = async (e: FormEvent) => {
    e.preventDefault();
    const { at } = chartTime(when, encounter?.period?.start);
    if (!at || timeProblem || !text.trim() || !encounter.subject) return;
    // The note's author is the signed-in nurse (the SMART fhirUser), named as the token names her.
    const author: Reference<Practitioner> | undefined = session.fhirUser?.startsWith('Practitioner/')
      ? { reference: session.fhirUser, display: session.userName }
      : undefined;
    await run(async () => {
      await medplum.createResource(
        noteObservation(
          text.trim(),
          concern,
          encounter.subject as Reference<Patient>,
          { reference: `Encounter/${encounter.id}` },
          at,
          author,
        ),
      );
      setText('');
      setConcern(false);
      setWhen('');
    }, t('nursing.note.saved'));
  };

  return (
    <Stack>
      <form onSubmit={(e) => void save(e)} data-testid="note-form">
        <Stack>
          <Textarea
            label={t('nursing.note.label')}
            autosize
            minRows={3}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            data-testid="note-text"
          />
          <Group align="end">
            <TextInput
              label={t('nursing.when')}
              placeholder={t('nursing.now')}
              value={when}
              onChange={(e) => setWhen(e.currentTarget.value)}
              error={timeProblem ? t(`nursing.whenProblem.${timeProblem}`) : undefined}
              data-testid="note-when"
            />
            <Checkbox
              label={t('nursing.note.concern')}
              checked={concern}
              onChange={(e) => setConcern(e.currentTarget.checked)}
              data-testid="note-concern"
            />
          </Group>
          {saveError && (
            <Alert color="red" role="alert">
              {saveError}
            </Alert>
          )}
          <Group justify="end">
            <Button type="submit" disabled={!text.trim() || !!timeProblem} loading={busy} data-testid="note-save">
              {t('nursing.note.save')}
            </Button>
          </Group>
        </Stack>
      </form>
      <Stack gap="xs" data-testid="note-list">
        {notes.map((n) => (
          <Paper key={n.id ?? n.when} withBorder p="sm">
            <Group justify="space-between">
              <Text size="sm" c="dimmed">
                {formatDateTime(n.when, lang)} · {t(`nursing.shift.${shiftOf(n.when).name}`)}
                {n.author ? ` · ${n.author}` : ''}
              </Text>
              {n.concern && (
                <Group gap="xs">
                  <Badge color="orange">{t('nursing.note.concernBadge')}</Badge>
                  <Button
                    size="xs"
                    variant="default"
                    loading={busy}
                    onClick={() => void run(() => medplum.updateResource(resolveConcern(n.resource)), t('nursing.note.resolved'))}
                  >
                    {t('nursing.note.resolve')}
                  </Button>
                </Group>
              )}
            </Group>
            <Text style={{ whiteSpace: 'pre-wrap' }}>{n.text}</Text>
          </Paper>
        ))}
      </Stack>
    </Stack>
  );
}
