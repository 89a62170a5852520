import { useBranch } from '@hospital-ops/app-shell';
import { useLiveLoad } from '@hospital-ops/app-shell/live/index.ts';
import type { Appointment } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useCallback, useState } from 'react';
import { searchAll } from '../fhir/search-all.ts';
import { todayInKolkata } from '../lib/format.ts';
import { istDayRange } from '../scheduling/days.ts';
import { byDoctor, type DoctorQueue, queueEntries } from './queue.ts';

const LIVE_CRITERIA = ['Encounter', 'Appointment'];
const SAFETY_POLL_MS = 30_000;

/**
 * Today's queue at the user's branch, and today's bookings not yet checked in: refreshed as soon as
 * the server reports a change (websocket Subscriptions on Encounter and Appointment), and polled
 * every `ms` only while that channel is down (every 30 s otherwise, as a safety net).
 */
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
        searchAll(medplum, 'Appointment', [
          ['date', `ge${from}`],
          ['date', `lt${to}`],
          ['status', 'booked'],
          ['_sort', 'date'],
          ['_count', '200'],
        ]),
      ]);
      setQueues(byDoctor(queueEntries(bundle)));
      setExpected(bookings);
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, [medplum, branch]);
  const { refresh } = useLiveLoad(LIVE_CRITERIA, load, { pollMs: ms, safetyMs: SAFETY_POLL_MS, reason: 'Live OPD screens' });
  return { queues, expected, error, refresh };
}
