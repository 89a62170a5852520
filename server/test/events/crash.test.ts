import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/server.ts';
import { scratchDatabase } from '../helpers/server.ts';

// kill -9 between commit and dispatch: the event is in the outbox, committed with the change, and
// the next process to start delivers it. Needs a database outside the killed process: PostgreSQL.
const onPostgres = process.env.TEST_DB === 'postgres';
const TENANT = '0c0c0c0c-0000-4000-8000-0000000000c1';
const CLIENT = { id: 'crash-system', secret: 'crash-system-secret-0123456789' };

let child: ChildProcess | undefined;
let restarted: RunningServer | undefined;
let hook: Server | undefined;
let scratch: Awaited<ReturnType<typeof scratchDatabase>> | undefined;
afterAll(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL');
  await restarted?.stop();
  hook?.close();
  await scratch?.drop();
});

const env = (databaseUrl: string, pollMs: string) => ({
  PORT: '0',
  HOST: '127.0.0.1',
  BASE_URL: '',
  DATA_DIR: ':memory:',
  DATABASE_URL: databaseUrl,
  SEED_DEMO: 'false',
  LOG_LEVEL: 'info',
  TENANT_ID: TENANT,
  ADMIN_PASSWORD: 'admin-password-for-tests',
  SYSTEM_CLIENT_ID: CLIENT.id,
  SYSTEM_CLIENT_SECRET: CLIENT.secret,
  PROFILE_ENFORCEMENT: 'claimed',
  SUBSCRIPTION_ENDPOINT_ALLOW: '127.0.0.1',
  EVENTS_POLL_MS: pollMs,
});

describe.runIf(onPostgres)('a crash between commit and dispatch', () => {
  it('loses no event: the next process delivers what the killed one committed', async () => {
    scratch = await scratchDatabase();
    const got: string[] = [];
    hook = createServer((req, res) => {
      got.push(`${req.method} ${req.url}`);
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise<void>((r) => hook?.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

    // A server whose dispatcher never runs before it dies: it leaves dispatch to worker processes
    // (EVENT_DELIVERY=separate), of which there are none. An in-process dispatcher woken by the
    // commit could claim the event first, and its lease (30 s) would outlast the wait below.
    child = spawn(process.execPath, ['src/main.ts'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: { ...process.env, ...env(scratch.url, '3600000'), EVENT_DELIVERY: 'separate' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (d: Buffer) => {
      output += d;
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const url = await new Promise<string>((resolve, reject) => {
      child?.stdout?.on('data', () => {
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*listening/.exec(output);
        if (m) resolve(m[1]);
      });
      child?.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });
    const tokenRes = await fetch(`${url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        scope: 'system/*.cruds',
      }),
    });
    const headers = { authorization: `Bearer ${(await tokenRes.json()).access_token}`, 'content-type': 'application/fhir+json' };
    const post = async (type: string, body: unknown) => {
      const res = await fetch(`${url}/fhir/R4/${type}`, { method: 'POST', headers, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string };
    };
    await post('Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'crash test',
      criteria: 'Encounter?status=arrived',
      channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json' },
    });
    const visit = await post('Encounter', { resourceType: 'Encounter', status: 'arrived', class: { code: 'AMB' } });
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    expect(got).toEqual([]);

    restarted = await startServer(env(scratch.url, '50'));
    const deadline = Date.now() + 20_000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual([`PUT /hook/Encounter/${visit.id}`]);
  }, 180_000);
});
