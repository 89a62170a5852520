import { Button, Card, Group, SimpleGrid, Textarea, Title } from '@mantine/core';
import type { Bundle, Encounter, Observation } from '@medplum/fhirtypes';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NOTE_KINDS, type NoteKind, noteKindOf, noteObservation } from './notes.ts';
import { useVisitSave, type VisitCardProps } from './useVisitSave.ts';

/** Complaints, history, examination and advice: saved together, each kept as its own coded note. */
export function NotesCard({
  encounter,
  saved,
  onSaved,
  onError,
}: {
  encounter: Encounter;
  saved: Observation[];
} & VisitCardProps) {
  const { t } = useTranslation('opd');
  const [texts, setTexts] = useState<Partial<Record<NoteKind, string>>>({});
  const { saving, save: run } = useVisitSave({ onSaved, onError });
  const existing = new Map(saved.map((o) => [noteKindOf(o), o]));
  // Reset the fields only when the stored notes themselves change, not when another card's save
  // reloads the visit while the doctor is typing here.
  const version = saved.map((o) => `${o.id}/${o.meta?.versionId}`).join();
  useEffect(() => {
    const next: Partial<Record<NoteKind, string>> = {};
    for (const o of saved) {
      const kind = noteKindOf(o);
      if (kind && next[kind] === undefined) next[kind] = o.valueString ?? '';
    }
    setTexts(next);
  }, [version]);

  const save = () =>
    run(() => {
      const entry: Bundle['entry'] = [];
      for (const kind of Object.keys(NOTE_KINDS) as NoteKind[]) {
        const text = texts[kind]?.trim();
        const old = existing.get(kind);
        if (!text || text === old?.valueString) continue;
        const resource = noteObservation(kind, text, encounter, old);
        entry.push({ resource, request: old ? { method: 'PUT', url: `Observation/${old.id}` } : { method: 'POST', url: 'Observation' } });
      }
      return entry;
    }, t('notes.saved'));

  return (
    <Card withBorder>
      <Title order={4} mb="xs">
        {t('notes.title')}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        {(Object.keys(NOTE_KINDS) as NoteKind[]).map((kind) => (
          <Textarea
            key={kind}
            label={t(`notes.${kind}`)}
            autosize
            minRows={2}
            value={texts[kind] ?? ''}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setTexts((x) => ({ ...x, [kind]: value }));
            }}
            data-testid={`note-${kind}`}
          />
        ))}
      </SimpleGrid>
      <Group mt="sm">
        <Button onClick={() => void save()} loading={saving} data-testid="save-notes">
          {t('notes.save')}
        </Button>
      </Group>
    </Card>
  );
}
