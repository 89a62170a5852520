import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';

const heartRate = (value: number) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

describe('EVENT_DELIVERY=separate', () => {
  it('is refused for the embedded database, which is a single process', () => {
    expect(() => loadConfig({ EVENT_DELIVERY: 'separate' })).toThrow(ConfigError);
    expect(() => loadConfig({ EVENT_DELIVERY: 'elsewhere', DATABASE_URL: 'postgres://x@127.0.0.1/db' })).toThrow(/EVENT_DELIVERY/);
  });
});

// An API process that leaves delivery to a worker process on the same database: it writes the
// events, never delivers them itself, and wakes the worker at once on each commit.
describe.runIf(process.env.TEST_DB === 'postgres')('an API process with a separate event worker', () => {
  let api: TestServer;
  let worker: TestServer | undefined;
  let hook: Server;
  const got: string[] = [];
  const startWorker = async () => {
    // The worker polls once an hour: only the API process's signal can make its deliveries prompt.
    worker = await startTestServer({
      DATABASE_URL: api.databaseUrl as string,
      SUBSCRIPTION_ENDPOINT_ALLOW: '127.0.0.1',
      EVENTS_POLL_MS: '3600000',
    });
  };
  const waitFor = async (n: number, withinMs: number) => {
    const deadline = Date.now() + withinMs;
    while (got.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };

  beforeAll(async () => {
    api = await startTestServer({ SUBSCRIPTION_ENDPOINT_ALLOW: '127.0.0.1', EVENT_DELIVERY: 'separate', EVENTS_POLL_MS: '20' });
    hook = createServer((req, res) => {
      got.push(String(req.headers['x-hospital-ops-event']));
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  }, 120_000);
  afterAll(async () => {
    hook?.close();
    await worker?.stop();
    await api?.stop();
  });

  it('keeps events while no worker runs, and the worker delivers them all once it starts; later commits arrive at once', async () => {
    const fhir = fhirClient(api.base);
    const sub = await fhir.post('Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'Every heart rate',
      criteria: 'Observation?code=http://loinc.org|8867-4',
      channel: { type: 'rest-hook', endpoint: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` },
    });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    for (let i = 0; i < 5; i++) expect((await fhir.post('Observation', heartRate(60 + i))).status).toBe(201);
    // The API process polls every 20 ms, yet delivers nothing: that is the worker's job.
    await new Promise((r) => setTimeout(r, 1000));
    expect(got).toHaveLength(0);

    await startWorker();
    // Its first pass (at start) finds the five waiting events.
    await waitFor(5, 15_000);
    expect(got).toHaveLength(5);

    // Each new commit wakes the worker through PostgreSQL, long before its hourly poll.
    for (let i = 0; i < 10; i++) {
      expect((await fhir.post('Observation', heartRate(80 + i))).status).toBe(201);
      await waitFor(6 + i, 5_000);
      expect(got).toHaveLength(6 + i);
    }
    await new Promise((r) => setTimeout(r, 300)); // a late duplicate would arrive by now
    expect(new Set(got).size).toBe(15);
  }, 90_000);
});
