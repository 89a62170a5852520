import type { MedplumClient } from '@medplum/core';
import type { Subscription } from '@medplum/fhirtypes';
import { useMedplum } from '@medplum/react';
import { useEffect, useState } from 'react';
import { sessionAccessToken } from '../launch/medplum.ts';
import { useSession } from '../session.tsx';

/** The part of a WebSocket the live channel uses (the browser's, or a test's stand-in). */
export interface SocketLike {
  send(data: string): void;
  close(): void;
  onopen: (() => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
}

export interface LiveChannelOptions {
  /** Subscription criteria to follow, e.g. `Encounter` (each is found or created once, as a websocket Subscription). */
  criteria: string[];
  /** Called on every ping: something the screen shows may have changed. */
  onChange: () => void;
  /** Told whether pings are flowing, so the screen can poll while they are not. */
  onLive: (live: boolean) => void;
  openSocket?: (url: string) => SocketLike;
  /** The token to bind with (the app's SMART session holds it, not the MedplumClient); default: the client's own. */
  accessToken?: () => Promise<string | undefined>;
  /** First wait before reconnecting; doubles up to 30 s. */
  retryMs?: number;
  /** Why the Subscription exists, written on one this creates (e.g. 'Live OPD screens'). */
  reason?: string;
}

/** The websocket Subscription for these criteria at this tenant: the one already there, or a new one. */
async function subscriptionFor(medplum: MedplumClient, criteria: string, reason: string): Promise<string> {
  const found = await medplum.searchOne(
    'Subscription',
    { type: 'websocket', 'criteria:exact': criteria, status: 'active' },
    { cache: 'no-cache' },
  );
  if (found?.id) return found.id;
  const created = await medplum.createResource<Subscription>({
    resourceType: 'Subscription',
    status: 'requested',
    reason,
    criteria,
    channel: { type: 'websocket' },
  });
  return created.id as string;
}

/**
 * Follows changes over the server's R4 websocket channel (docs/events.md): binds each
 * Subscription with the signed-in user's token, calls `onChange` on every ping, and reconnects
 * (binding again with the current token) when the socket drops or the token runs out.
 * Returns a function that stops it.
 */
export function followChanges(medplum: MedplumClient, options: LiveChannelOptions): () => void {
  const open = options.openSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  let stopped = false;
  let socket: SocketLike | undefined;
  let wait = options.retryMs ?? 2000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ids: string[] | undefined;

  const again = () => {
    options.onLive(false);
    if (stopped) return;
    timer = setTimeout(() => void connect(), wait);
    wait = Math.min(wait * 2, 30_000);
  };

  const connect = async () => {
    try {
      ids ??= await Promise.all(options.criteria.map((c) => subscriptionFor(medplum, c, options.reason ?? 'Live screens')));
    } catch {
      return again();
    }
    let token: string | undefined;
    try {
      token = options.accessToken ? await options.accessToken() : medplum.getAccessToken();
    } catch {
      return again();
    }
    if (stopped) return;
    const url = `${medplum.getBaseUrl().replace(/^http/, 'ws').replace(/\/$/, '')}/ws/subscriptions`;
    const s = open(url);
    socket = s;
    let bound = 0;
    s.onopen = () => {
      for (const id of ids ?? []) s.send(`bind ${id} ${token ?? ''}`);
    };
    s.onmessage = (e) => {
      const [verb] = String(e.data).split(' ');
      if (verb === 'bound' && ++bound === ids?.length) {
        wait = options.retryMs ?? 2000;
        options.onLive(true);
        // Whatever changed while the socket was down is read now.
        options.onChange();
      } else if (verb === 'ping') options.onChange();
      else if (verb === 'error') s.close();
    };
    s.onclose = () => {
      if (socket === s) again();
    };
  };

  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close();
  };
}

/** Whether the screen is following changes live; `refresh` runs on each change. */
export function useLiveChanges(criteria: string[], refresh: () => void, reason?: string): boolean {
  const medplum = useMedplum();
  const session = useSession();
  const [live, setLive] = useState(false);
  const key = criteria.join('|');
  useEffect(
    () =>
      followChanges(medplum, {
        criteria: key.split('|'),
        onChange: refresh,
        onLive: setLive,
        accessToken: () => sessionAccessToken(session),
        reason,
      }),
    [medplum, session, key, refresh, reason],
  );
  return live;
}
