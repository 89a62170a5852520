import { notifications } from '@mantine/notifications';
import type { Bundle } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useState } from 'react';

/** What every card of the visit screen is given: reload the visit after a save, or show the error. */
export interface VisitCardProps {
  onSaved: () => void;
  onError: (e: unknown) => void;
}

/**
 * Saves one card's part of the visit as a single FHIR transaction (all of it or none), then
 * confirms with `message` and reloads the visit; a failure goes to the screen's error view.
 * `build` returns the entries to write (none: nothing is sent, the confirmation still shows).
 */
export function useVisitSave({ onSaved, onError }: VisitCardProps): {
  saving: boolean;
  save: (build: () => Bundle['entry'], message: string, after?: () => void) => Promise<void>;
} {
  const medplum = useMedplum();
  const [saving, setSaving] = useState(false);
  async function save(build: () => Bundle['entry'], message: string, after?: () => void): Promise<void> {
    setSaving(true);
    try {
      const entry = build() ?? [];
      if (entry.length) await medplum.executeBatch({ resourceType: 'Bundle', type: 'transaction', entry });
      after?.();
      notifications.show({ color: 'teal', message });
      onSaved();
    } catch (err) {
      onError(err);
    } finally {
      setSaving(false);
    }
  }
  return { saving, save };
}
