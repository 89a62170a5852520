import type { MedplumClient } from '@medplum/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { followChanges, type SocketLike } from './live.ts';

/** A socket stand-in that records what the app sends and lets the test play the server. */
class FakeSocket implements SocketLike {
  sent: string[] = [];
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
    this.onclose?.();
  }
  serve(data: string) {
    this.onmessage?.({ data });
  }
}

function fakeMedplum(existing: Record<string, string>) {
  const created: string[] = [];
  const medplum = {
    getBaseUrl: () => 'https://his.example.in/',
    getAccessToken: () => 'token-1',
    searchOne: async (_type: string, query: Record<string, string>) =>
      existing[query['criteria:exact']] ? { id: existing[query['criteria:exact']] } : undefined,
    createResource: async (s: { criteria: string }) => {
      created.push(s.criteria);
      return { id: `new-${s.criteria}` };
    },
  } as unknown as MedplumClient;
  return { medplum, created };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => {
  vi.useRealTimers();
});

describe('following changes over the websocket channel', () => {
  it('finds or creates the Subscriptions, binds each with the token, and refreshes on every ping', async () => {
    const { medplum, created } = fakeMedplum({ Encounter: 'sub-enc' });
    const sockets: FakeSocket[] = [];
    const onChange = vi.fn();
    const onLive = vi.fn();
    const stop = followChanges(medplum, {
      criteria: ['Encounter', 'Appointment'],
      onChange,
      onLive,
      openSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
    });
    await tick();
    expect(created).toEqual(['Appointment']);
    expect(sockets[0].url).toBe('wss://his.example.in/ws/subscriptions');
    sockets[0].onopen?.();
    expect(sockets[0].sent).toEqual(['bind sub-enc token-1', 'bind new-Appointment token-1']);
    sockets[0].serve('bound sub-enc');
    expect(onLive).not.toHaveBeenCalledWith(true);
    sockets[0].serve('bound new-Appointment');
    expect(onLive).toHaveBeenLastCalledWith(true);
    expect(onChange).toHaveBeenCalledTimes(1); // catching up after connecting
    sockets[0].serve('ping sub-enc');
    sockets[0].serve('ping new-Appointment');
    expect(onChange).toHaveBeenCalledTimes(3);
    stop();
    expect(sockets[0].closed).toBe(true);
  });

  it('falls back to polling when the socket drops or the token is refused, and reconnects', async () => {
    vi.useFakeTimers();
    const { medplum } = fakeMedplum({ Encounter: 'sub-enc' });
    const sockets: FakeSocket[] = [];
    const onLive = vi.fn();
    const stop = followChanges(medplum, {
      criteria: ['Encounter'],
      onChange: () => undefined,
      onLive,
      retryMs: 1000,
      openSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    sockets[0].onopen?.();
    sockets[0].serve('bound sub-enc');
    expect(onLive).toHaveBeenLastCalledWith(true);
    sockets[0].serve('error sub-enc The access token has expired or been revoked; bind again with a new one.');
    expect(onLive).toHaveBeenLastCalledWith(false);
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    sockets[1].onopen?.();
    expect(sockets[1].sent).toEqual(['bind sub-enc token-1']);
    stop();
  });
});
