import { useBranch } from '@hospital-ops/app-shell';
import type { Appointment } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useCallback, useState } from 'react';
import { usePolling } from '../fhir/hooks.ts';
import { todayInKolkata } from '../lib/format.ts';
import { istDayRange } from '../scheduling/days.ts';
import { byDoctor, type DoctorQueue, queueEntries } from './queue.ts';

/** Today's queue at the user's branch, refreshed every few seconds, and today's bookings not yet checked in. */
export function useQueue(ms = 4000): { queues?: DoctorQueue[]; expected: Appointment[]; error?: unknown; refresh: () => void } {
  const medplum = useMedplum();
  const branch = useBranch();
  const [queues, setQueues] = useState<DoctorQueue[]>();
  const [expected, setExpected] = useState<Appointment[]>([]);
  const [error, setError] = useState<unknown>();
  const load = useCallback(async () => {
    const today = todayInKolkata();
    const [from, to] = istDayRange(today);
    try {
      const query: Record<string, string> = { 'queue-date': today, _include: 'Encounter:subject', _count: '500' };
      if (branch) query['service-provider'] = `Organization/${branch}`;
      const [bundle, bookings] = await Promise.all([
        medplum.search('Encounter', query, { cache: 'no-cache' }),
        medplum.searchResources(
          'Appointment',
          [
            ['date', `ge${from}`],
            ['date', `lt${to}`],
            ['status', 'booked'],
            ['_sort', 'date'],
            ['_count', '200'],
          ],
          { cache: 'no-cache' },
        ),
      ]);
      setQueues(byDoctor(queueEntries(bundle)));
      setExpected(bookings);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, [medplum, branch]);
  const refresh = usePolling(load, ms);
  return { queues, expected, error, refresh };
}
