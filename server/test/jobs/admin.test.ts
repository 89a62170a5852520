import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, systemToken, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { createStaff, type Staff, userToken } from '../helpers/staff.ts';
import { until } from './suite.ts';

let t: TestServer;
let superAdmin: Staff;
let otherTenantAdmin: Staff;
let branchAdmin: Staff;
let doctor: Staff;

async function call(token: string | undefined, method: string, path: string) {
  const res = await fetch(`${t.server.url}/admin/jobs${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') };
}
const as = async (staff: Staff) => userToken(t, staff.user);

beforeAll(async () => {
  t = await startTestServer({ JOBS_POLL_MS: '50' });
  const branch = (await fhirClient(t.base, TENANT_A).post('Organization', { resourceType: 'Organization', name: 'Andheri' })).body.id;
  superAdmin = await createStaff(t, TENANT_A, 'super_admin');
  branchAdmin = await createStaff(t, TENANT_A, 'branch_admin', [branch]);
  doctor = await createStaff(t, TENANT_A, 'doctor');
  otherTenantAdmin = await createStaff(t, TENANT_B, 'super_admin');
});
afterAll(() => t?.stop());

describe('GET /admin/jobs and retry', () => {
  it("lists a schedule's next occurrence and the counts per queue, and none of the retired platform schedules", async () => {
    await t.server.jobs.schedule({ name: 'ward-census', queue: 'census', cron: '*/5 * * * *' });
    const res = await call(await as(superAdmin), 'GET', '');
    expect(res.status).toBe(200);
    expect(res.body.backend).toBe('database');
    expect(res.body.counts.census).toMatchObject({ delayed: 1, failed: 0 });
    const census = res.body.jobs.find((j: { name: string }) => j.name === 'ward-census');
    expect(census).toMatchObject({ queue: 'census', state: 'delayed' });
    // Every 5 minutes in India's time: the next occurrence is on a 5-minute boundary.
    expect(new Date(census.id.replace('schedule:ward-census:', '')).getUTCMinutes() % 5).toBe(0);
    // Nobody works these queues: an earlier version's schedules on them are gone at start.
    for (const q of ['appointment-reminders', 'stock-alerts', 'expiry-alerts', 'follow-up-reminders', 'consent-requests'])
      expect(res.body.counts[q]?.delayed ?? 0).toBe(0);
  });

  it('shows a dead-lettered job and puts it back on retry, audited', async () => {
    let healthy = false;
    t.server.jobs.work('admin-test', async () => {
      if (!healthy) throw new Error('lab system unreachable');
    });
    const { id } = await t.server.jobs.add('admin-test', 'notify', { order: 'o1' }, { jobId: 'evt:7', attempts: 1 });
    const token = await as(superAdmin);
    const failed = await until(async () => {
      const r = await call(token, 'GET', '?queue=admin-test&state=failed');
      return r.body.jobs?.length ? r.body.jobs : undefined;
    }, 'dead-lettering');
    expect(failed).toEqual([expect.objectContaining({ id, state: 'failed', lastError: 'lab system unreachable', attempts: 1 })]);
    healthy = true;
    const retried = await call(token, 'POST', `/admin-test/${encodeURIComponent(id)}/retry`);
    expect(retried).toMatchObject({ status: 200, body: { queue: 'admin-test', id, retried: true } });
    await until(async () => (await call(token, 'GET', '?queue=admin-test&state=completed')).body.jobs.length === 1, 'the retried job');
    expect((await call(token, 'POST', `/admin-test/${encodeURIComponent(id)}/retry`)).status).toBe(404);
    const audit = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
      sql.query("SELECT 1 FROM audit_log WHERE event->>'outcomeDesc' = $1", [`jobs.retry queue=admin-test id=${id}`]),
    );
    expect(audit.rowCount).toBe(1);
    // The system client of the platform's tenant may read them too.
    expect((await call(await systemToken(t.base, TENANT_A), 'GET', '?queue=admin-test')).status).toBe(200);
  });

  it('refuses anyone but the platform tenant’s super_admin or system client', async () => {
    expect((await call(undefined, 'GET', '')).status).toBe(401);
    expect((await call(await as(doctor), 'GET', '')).status).toBe(403);
    expect((await call(await as(branchAdmin), 'GET', '')).status).toBe(403);
    // Another tenant's administrators see none of the platform's jobs, and retry none.
    const other = await call(await as(otherTenantAdmin), 'GET', '');
    expect(other.status).toBe(403);
    expect(JSON.stringify(other.body)).not.toContain('appointment-reminders');
    expect((await call(await systemToken(t.base, TENANT_B), 'GET', '')).status).toBe(403);
    expect((await call(await systemToken(t.base, TENANT_B), 'POST', '/admin-test/evt%3A7/retry')).status).toBe(403);
  });

  it('answers bad input with 400 and a sentence of its own', async () => {
    const token = await as(superAdmin);
    for (const q of ['?state=stuck', '?queue=no%20spaces', '?limit=0', '?limit=abc']) {
      const r = await call(token, 'GET', q);
      expect(r.status, q).toBe(400);
      expect(r.body.resourceType).toBe('OperationOutcome');
    }
    const r = await call(token, 'POST', '/bad!queue/x/retry');
    expect(r.status).toBe(400);
    expect(r.body.issue[0].details.text).toContain('queue name');
  });
});

describe('/admin/queues', () => {
  it('serves a page that holds no data and reads GET /admin/jobs with the token it is given', async () => {
    const page = await fetch(`${t.server.url}/admin/queues`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="/admin/queues/view.js"></script>');
    expect(html).not.toContain('appointment-reminders');
    const script = await (await fetch(`${t.server.url}/admin/queues/view.js`)).text();
    expect(script).toContain("fetch('/admin/jobs?'");
    // Job data is shown as text, never parsed as markup.
    expect(script).not.toContain('innerHTML');
  });
});

describe('with Redis down', () => {
  it('answers 503 with Retry-After and our own sentence', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const down = await startTestServer({ REDIS_URL: `redis://127.0.0.1:${port}` });
    try {
      expect(down.server.jobs.backend).toBe('redis');
      const res = await fetch(`${down.server.url}/admin/jobs`, {
        headers: { authorization: `Bearer ${await systemToken(down.base, TENANT_A)}` },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeTruthy();
      const body = await res.json();
      expect(body.issue[0].details.text).toBe('The job queue cannot be reached right now; try again shortly.');
      expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|ioredis|Redis did not/);
    } finally {
      await down.stop();
    }
  });
});
