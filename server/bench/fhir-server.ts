/** Starting the server under benchmark in its own process, its system client, and its test Patient. */
import { type ChildProcess, fork } from 'node:child_process';

export const BENCH_TENANT = '6e0c1c2a-7b7d-4d0e-9c52-0be0c0c0be0c';
export const SYSTEM_CLIENT = { id: 'bench-system', secret: 'bench-system-secret-0123456789' };

/** The server's environment for a benchmark: one tenant, its system client, no rate limits. */
export function benchServerEnv(databaseUrl: string, port: number): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    TENANT_ID: BENCH_TENANT,
    SYSTEM_CLIENT_ID: SYSTEM_CLIENT.id,
    SYSTEM_CLIENT_SECRET: SYSTEM_CLIENT.secret,
    RATE_LIMIT_API: '0',
    RATE_LIMIT_TOKEN: '0',
  };
}

/** Forks a bench script (a server) and waits for its 'ready' message. */
export function startProcess(script: string, env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL(script, import.meta.url), {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** An Authorization header for a system client (client_credentials; default the bench's own, its whole scope). */
export async function fetchToken(serverUrl: string, client = SYSTEM_CLIENT, scope?: string): Promise<string> {
  const res = await fetch(`${serverUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: client.id,
      client_secret: client.secret,
      ...(scope ? { scope } : {}),
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token request failed: ${JSON.stringify(body)}`);
  return `Bearer ${body.access_token}`;
}

// ABDM-conformant (the server's default profile requirement), as a hospital's registration would be.
export const benchPatient = (i: number) => ({
  resourceType: 'Patient',
  identifier: [
    {
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }] },
      system: 'https://hospital-ops.in/fhir/sid/bench',
      value: `b-${i}`,
    },
  ],
  name: [{ family: 'Sharma', given: ['Bench', `P${i}`], text: `Bench P${i} Sharma` }],
  gender: i % 2 ? 'male' : 'female',
  birthDate: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
  telecom: [{ system: 'phone', value: `+9198${String(i).padStart(8, '0')}` }],
  address: [{ city: 'Pune', state: 'Maharashtra', postalCode: '411004', country: 'IN' }],
});
