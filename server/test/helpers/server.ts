import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { inject } from 'vitest';
import { createClient } from '../../src/auth/store.ts';
import { setMemoryTemplate } from '../../src/db/pglite.ts';
import { type RunningServer, type ServerParts, startServer } from '../../src/server.ts';
import { ensureTenant } from '../../src/tenancy/tenants.ts';
import { ADMIN_URL } from './migrated-templates.ts';

export const TENANT_A = '0a0a0a0a-0000-4000-8000-00000000000a';
export const TENANT_B = '0b0b0b0b-0000-4000-8000-00000000000b';

/** Each test server's system clients (client_credentials, system/*.cruds), by FHIR base and tenant. */
const systemClients = new Map<string, Map<string, { id: string; secret: string; token?: Promise<string> }>>();
const SYSTEM_SECRET = 'test-system-secret-0123456789';

/** A Backend Services token for the tenant's system client of the server at `base`. */
export async function systemToken(base: string, tenant: string): Promise<string> {
  const c = systemClients.get(base)?.get(tenant);
  if (!c) throw new Error(`No system client for tenant ${tenant} at ${base}`);
  c.token ??= (async () => {
    const res = await fetch(base.replace(/\/fhir\/R4$/, '/oauth2/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.id, client_secret: c.secret, scope: 'system/*.cruds' }),
    });
    const body = (await res.json()) as { access_token?: string };
    if (!body.access_token) throw new Error(`token request failed: ${JSON.stringify(body)}`);
    return body.access_token;
  })();
  return c.token;
}

let pgliteFolder: Promise<Blob> | undefined;
const pgliteTemplate = () => {
  pgliteFolder ??= readFile(inject('pgliteTemplate')).then((b) => new Blob([b], { type: 'application/x-tar' }));
  return pgliteFolder;
};

export interface TestServer {
  server: RunningServer;
  base: string;
  /** Owner URL of the fresh database (postgres runs only). */
  databaseUrl?: string;
  stop(): Promise<void>;
}

/**
 * A fresh PostgreSQL database on the machine's server, and a way to drop it: empty, or `migrated`
 * (a copy of the run's template, test/helpers/migrated-templates.ts).
 */
export async function scratchDatabase(options: { migrated?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `hops_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}${options.migrated ? ` TEMPLATE ${inject('postgresTemplate')}` : ''}`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Removes a test server's Redis keys; a Redis that is down (a test's closed port) has none. */
async function dropRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } catch {
    // Nothing was stored there.
  } finally {
    redis.disconnect();
  }
}

/**
 * Starts a real server on a free port with two tenants, A and B, on the database TEST_DB names:
 * PGlite in memory, or a fresh PostgreSQL database that is dropped afterwards. `parts` replaces
 * what the server would make itself (a job queue stand-in, say).
 */
export async function startTestServer(env: Record<string, string> = {}, parts: ServerParts = {}): Promise<TestServer> {
  const scratch = process.env.TEST_DB === 'postgres' ? await scratchDatabase({ migrated: true }) : undefined;
  const databaseUrl = scratch?.url;
  // An in-memory PGlite starts migrated too (what a DATA_DIR given in `env` opens is left alone).
  if (process.env.TEST_DB !== 'postgres') setMemoryTemplate(await pgliteTemplate());
  // jobs: with Redis, each test server's queues (and the platform's schedulers) live under a prefix of their own, removed at stop.
  const jobsPrefix = env.REDIS_URL && !env.JOBS_PREFIX ? `hops-test-${randomUUID().slice(0, 8)}` : undefined;
  const server = await startServer(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATA_DIR: ':memory:',
      SEED_DEMO: 'false',
      TENANT_ID: TENANT_A,
      ADMIN_PASSWORD: 'admin-password-for-tests',
      SYSTEM_CLIENT_ID: 'test-system-a',
      SYSTEM_CLIENT_SECRET: SYSTEM_SECRET,
      RATE_LIMIT_API: '0',
      RATE_LIMIT_TOKEN: '0',
      RATE_LIMIT_LOGIN: '0',
      RATE_LIMIT_OTP: '0',
      // Tests seal on demand (server.sealer.sealNow()), so chain counts are theirs to predict.
      AUDIT_SEAL_INTERVAL_MS: '3600000',
      // Most suites test storage, search and access with minimal resources; the validation suites
      // run with the product default (abdm) and prove what it requires.
      PROFILE_ENFORCEMENT: 'claimed',
      // Suites count what their tenants hold; test/lab/starter-content.test.ts turns it on.
      STARTER_CONTENT: 'false',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...(jobsPrefix ? { JOBS_PREFIX: jobsPrefix } : {}),
      ...env,
    },
    parts,
  );
  setMemoryTemplate(undefined);
  await ensureTenant(server.db, TENANT_A, 'Tenant A Hospitals');
  await ensureTenant(server.db, TENANT_B, 'Tenant B Clinics');
  const base = `${server.url}/fhir/R4`;
  const clients = new Map([[server.config.TENANT_ID, { id: server.config.SYSTEM_CLIENT_ID, secret: SYSTEM_SECRET }]]);
  for (const tenant of [TENANT_A, TENANT_B]) {
    if (clients.has(tenant)) continue;
    const id = `test-system-${tenant.slice(0, 8)}`;
    // A database restored from a backup (or reopened from a DATA_DIR) has it already.
    await createClient(server.db, tenant, {
      clientId: id,
      name: 'Test system client',
      type: 'confidential',
      scope: 'system/*.cruds',
      secret: SYSTEM_SECRET,
    }).catch((err: Error) => {
      if (!/is taken/.test(err.message)) throw err;
    });
    clients.set(tenant, { id, secret: SYSTEM_SECRET });
  }
  systemClients.set(base, clients);
  return {
    server,
    base,
    databaseUrl,
    async stop() {
      systemClients.delete(base);
      await server.stop();
      await scratch?.drop();
      if (jobsPrefix && env.REDIS_URL) await dropRedisPrefix(env.REDIS_URL, jobsPrefix);
    },
  };
}

export interface FhirResponseData<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * A small FHIR HTTP client for tests: JSON in and out. It acts as the tenant's system client
 * (Backend Services token), or with the access token given.
 */
export function fhirClient(base: string, tenant = TENANT_A, accessToken?: string) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<FhirResponseData<T>> => {
    const token = accessToken ?? (await systemToken(base, tenant));
    const res = await fetch(`${base}/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: any;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
  return {
    get: <T = any>(path: string, headers?: Record<string, string>) => call<T>('GET', path, undefined, headers),
    post: <T = any>(path: string, body: unknown, headers?: Record<string, string>) => call<T>('POST', path, body, headers),
    put: <T = any>(path: string, body: unknown, headers?: Record<string, string>) => call<T>('PUT', path, body, headers),
    patch: <T = any>(path: string, body: unknown, headers?: Record<string, string>) =>
      call<T>('PATCH', path, body, { 'content-type': 'application/json-patch+json', ...headers }),
    delete: <T = any>(path: string, headers?: Record<string, string>) => call<T>('DELETE', path, undefined, headers),
    call,
  };
}
