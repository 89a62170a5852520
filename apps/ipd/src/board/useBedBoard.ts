import { useBranch } from '@hospital-ops/app-shell';
import { useLiveLoad } from '@hospital-ops/app-shell/live/index.ts';
import { useMedplum } from '@medplum/react';
import { useCallback, useState } from 'react';
import { bedBoard } from '../fhir/operations.ts';
import { readBoard, type Ward } from './board.ts';

// Beds (Location) change on every admission, transfer, discharge and bed made ready; in-patient
// Encounters on each of those too. Any ping re-reads the board: two searches on the server.
const LIVE_CRITERIA = ['Location', 'Encounter?class=IMP'];

/**
 * The branch's bed board, re-read as soon as the server reports a change over the websocket, and
 * polled every `pollMs` only while that channel is down (every 30 s otherwise, as a safety net).
 */
export function useBedBoard(pollMs = 5000): { wards?: Ward[]; error?: unknown; live: boolean; refresh: () => Promise<Ward[]> } {
  const medplum = useMedplum();
  const branch = useBranch();
  const [wards, setWards] = useState<Ward[]>();
  const [error, setError] = useState<unknown>();
  const read = useCallback(async () => {
    const board = readBoard(await bedBoard(medplum, branch));
    setWards(board);
    setError(undefined);
    return board;
  }, [medplum, branch]);
  const load = useCallback(async () => {
    try {
      await read();
    } catch (err) {
      setError(err);
    }
  }, [read]);
  const { live } = useLiveLoad(LIVE_CRITERIA, load, { pollMs, reason: 'Live IPD bed board' });
  return { wards, error, live, refresh: read };
}
