import { Alert } from '@mantine/core';
import type { Encounter } from '@medplum/fhirtypes';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A visit that has ended is a record: it can be read and printed, not changed. */
export const isClosed = (e: Encounter) => e.status === 'finished' || e.status === 'cancelled' || e.status === 'entered-in-error';

/**
 * The visit's cards, every input and button in them disabled once the visit is closed (a disabled
 * fieldset does that for all native controls, whatever card they sit in).
 */
export function VisitLock({ encounter, children }: { encounter: Encounter; children: ReactNode }) {
  const { t } = useTranslation('opd');
  const closed = isClosed(encounter);
  return (
    <>
      {closed && (
        <Alert color="gray" data-testid="visit-read-only">
          {t('consultation.readOnly')}
        </Alert>
      )}
      <fieldset disabled={closed} style={{ border: 0, padding: 0, margin: 0, minWidth: 0, display: 'contents' }}>
        {children}
      </fieldset>
    </>
  );
}
