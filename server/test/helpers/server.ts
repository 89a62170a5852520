import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type RunningServer, startServer } from '../../src/server.ts';
import { ensureTenant } from '../../src/tenancy/tenants.ts';

export const TENANT_A = '0a0a0a0a-0000-4000-8000-00000000000a';
export const TENANT_B = '0b0b0b0b-0000-4000-8000-00000000000b';

/** Where tests create their throwaway databases: the machine's PostgreSQL, trust auth. */
const ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestServer {
  server: RunningServer;
  base: string;
  /** Owner URL of the fresh database (postgres runs only). */
  databaseUrl?: string;
  stop(): Promise<void>;
}

/**
 * Starts a real server on a free port with two tenants, A and B, on the database TEST_DB names:
 * PGlite in memory, or a fresh PostgreSQL database that is dropped afterwards.
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const kind = process.env.TEST_DB ?? 'pglite';
  let databaseUrl: string | undefined;
  let dbName: string | undefined;
  if (kind === 'postgres') {
    dbName = `hops_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const u = new URL(ADMIN_URL);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  const server = await startServer({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: ':memory:',
    SEED_DEMO: 'false',
    DEV_TENANT_HEADER: 'true',
    DEV_TENANT_ID: TENANT_A,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  await ensureTenant(server.db, TENANT_A, 'Tenant A Hospitals');
  await ensureTenant(server.db, TENANT_B, 'Tenant B Clinics');
  return {
    server,
    base: `${server.url}/fhir/R4`,
    databaseUrl,
    async stop() {
      await server.stop();
      if (dbName) {
        const admin = new pg.Client({ connectionString: ADMIN_URL });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await admin.end();
      }
    },
  };
}

export interface FhirResponseData<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small FHIR HTTP client for tests: JSON in and out, tenant chosen per call. */
export function fhirClient(base: string, tenant = TENANT_A) {
  const call = async <T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<FhirResponseData<T>> => {
    const res = await fetch(`${base}/${path}`, {
      method,
      headers: {
        'x-dev-tenant': tenant,
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
