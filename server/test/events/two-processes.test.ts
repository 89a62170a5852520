import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/open.ts';
import { type EventWorker, startEventWorker } from '../../src/events/worker.ts';
import { createLogger } from '../../src/logger.ts';
import { fhirClient, startTestServer, type TestServer } from '../helpers/server.ts';

// Two server processes on one database, each with its own pool and event worker: every committed
// change reaches a rest-hook subscriber once, whichever process claims it.
describe.runIf(process.env.TEST_DB === 'postgres')('two processes delivering events', () => {
  let t: TestServer;
  let second: Database;
  let workers: EventWorker[] = [];
  let hook: Server;
  const got: string[] = [];

  beforeAll(async () => {
    // The first process's own worker stays idle (a long poll); the two below race for the work.
    t = await startTestServer({ SUBSCRIPTION_ENDPOINT_ALLOW: '127.0.0.1', EVENTS_POLL_MS: '3600000' });
    second = await openDatabase(loadConfig({ DATABASE_URL: t.databaseUrl as string, LOG_LEVEL: 'silent' }));
    const logger = createLogger('silent');
    workers = [
      startEventWorker(t.server.db, t.server.auth.consents, { ...t.server.config, EVENTS_POLL_MS: 20 }, logger),
      startEventWorker(second, t.server.auth.consents, { ...t.server.config, EVENTS_POLL_MS: 20 }, logger),
    ];
    hook = createServer((req, res) => {
      got.push(String(req.headers['x-hospital-ops-event']));
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await second?.close();
    hook?.close();
    await t?.stop();
  });

  it('delivers each of 40 changes exactly once', async () => {
    const fhir = fhirClient(t.base);
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const sub = await fhir.post('Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'Every heart rate',
      criteria: 'Observation?code=http://loinc.org|8867-4',
      channel: { type: 'rest-hook', endpoint: url },
    });
    expect(sub.status).toBe(201);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fhir.post('Observation', {
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
          valueQuantity: { value: 60 + i, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
        }),
      ),
    );
    const deadline = Date.now() + 30_000;
    while (got.length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500)); // a late duplicate would arrive by now
    expect(got).toHaveLength(40);
    expect(new Set(got).size).toBe(40);
  }, 60_000);
});
