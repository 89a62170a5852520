import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingSmsSender } from '../src/auth/sms.ts';
import { createClient } from '../src/auth/store.ts';
import { FormBrowser, pkcePair } from './helpers/browser.ts';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from './helpers/server.ts';
import { createStaff, type Staff, userToken } from './helpers/staff.ts';

let t: TestServer;
let superAdmin: Staff;
let branchAdmin: Staff;
let branchX: string;
let branchY: string;

async function admin(staff: Staff, method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.server.url}/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${await userToken(t, staff.user)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
}

async function auditRows(detailLike: string) {
  const r = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
    sql.query<{ user_id: string; event: any }>("SELECT user_id, event FROM audit_log WHERE event->>'outcomeDesc' LIKE $1", [detailLike]),
  );
  return r.rows;
}

beforeAll(async () => {
  t = await startTestServer();
  const system = fhirClient(t.base, TENANT_A);
  branchX = (await system.post('Organization', { resourceType: 'Organization', name: 'Andheri branch' })).body.id;
  branchY = (await system.post('Organization', { resourceType: 'Organization', name: 'Thane branch' })).body.id;
  superAdmin = await createStaff(t, TENANT_A, 'super_admin');
  branchAdmin = await createStaff(t, TENANT_A, 'branch_admin', [branchX]);
  await createClient(t.server.db, TENANT_A, {
    clientId: 'staff-portal',
    name: 'Staff portal',
    type: 'public',
    redirectUris: ['https://portal.example/cb'],
    scope: 'user/*.rs',
  });
});
afterAll(() => t?.stop());

describe('tenant admin API', () => {
  it('publishes the role policies', async () => {
    const res = await admin(superAdmin, 'GET', '/access-policies');
    expect(res.status).toBe(200);
    expect(res.body.roles.map((r: any) => r.role)).toEqual([
      'super_admin',
      'branch_admin',
      'doctor',
      'nurse',
      'receptionist',
      'pharmacist',
      'lab_tech',
      'accountant',
    ]);
  });

  it('invites a doctor: Practitioner, PractitionerRole in the branch and a login, audited', async () => {
    const res = await admin(superAdmin, 'POST', '/staff', {
      name: 'Dr. Kavita Iyer',
      phone: '+91 91234 56789',
      role: 'doctor',
      branchIds: [branchX],
      registration: 'MMC 2011/04/1234',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ role: 'doctor', phone: '+919123456789', branchIds: [branchX], active: true });
    expect(res.body.temporaryPassword).toHaveLength(16);
    const practitionerId = res.body.practitioner.split('/')[1];
    const roles = await fhirClient(t.base, TENANT_A).get(`PractitionerRole?practitioner=${practitionerId}`);
    expect(roles.body.entry[0].resource.organization.reference).toBe(`Organization/${branchX}`);
    const rows = await auditRows('staff.invite role=doctor');
    expect(rows).toHaveLength(1);
    expect(rows[0].user_id).toBe(superAdmin.user.id);

    // The invited doctor sets a password with an SMS code, then signs in with it.
    const reset = await fetch(`${t.server.url}/auth/password-reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: '9123456789' }),
    });
    const { challenge } = await reset.json();
    const code = /(\d{6})/.exec((t.server.auth.sms as RecordingSmsSender).lastTo('+919123456789')?.text ?? '')?.[1];
    const confirm = await fetch(`${t.server.url}/auth/password-reset/confirm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ challenge, code, password: 'kavita-new-password' }),
    });
    expect(confirm.status).toBe(204);
    const browser = new FormBrowser();
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: 'staff-portal',
      redirect_uri: 'https://portal.example/cb',
      scope: 'user/*.rs',
      aud: t.base,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });
    await browser.get(`${t.server.url}/oauth2/authorize?${q}`);
    await browser.post(`${t.server.url}/oauth2/authorize/login`, {
      pending: browser.field('pending'),
      login: '+919123456789',
      password: 'kavita-new-password',
    });
    expect(browser.lastHtml).toContain('name="decision" value="allow"');
  });

  it('a branch admin manages staff of their own branches only', async () => {
    const inX = await admin(branchAdmin, 'POST', '/staff', {
      name: 'Nurse Joseph',
      email: 'joseph@x.example',
      role: 'nurse',
      branchIds: [branchX],
    });
    expect(inX.status).toBe(201);
    expect(
      (await admin(branchAdmin, 'POST', '/staff', { name: 'N', email: 'n@y.example', role: 'nurse', branchIds: [branchY] })).status,
    ).toBe(403);
    expect(
      (await admin(branchAdmin, 'POST', '/staff', { name: 'S', email: 's@x.example', role: 'super_admin', branchIds: [branchX] })).status,
    ).toBe(403);
    const list = await admin(branchAdmin, 'GET', '/staff');
    expect(list.body.staff.every((s: any) => s.branchIds.includes(branchX))).toBe(true);
    const doctor = await createStaff(t, TENANT_A, 'doctor', [branchX]);
    expect((await admin(doctor, 'GET', '/staff')).status).toBe(403);
    expect((await admin(doctor, 'POST', '/staff', { name: 'X', email: 'x@x.example', role: 'nurse' })).status).toBe(403);
  });

  it('changes a role and deactivates, each audited; a deactivated user cannot sign in', async () => {
    const nurse = await createStaff(t, TENANT_A, 'nurse', [branchX]);
    const changed = await admin(superAdmin, 'PATCH', `/staff/${nurse.user.id}`, { role: 'receptionist' });
    expect(changed.body.role).toBe('receptionist');
    expect(await auditRows('staff.update role_change nurse->receptionist%')).toHaveLength(1);
    const off = await admin(superAdmin, 'PATCH', `/staff/${nurse.user.id}`, { active: false });
    expect(off.body.active).toBe(false);
    expect(await auditRows('staff.update deactivate')).toHaveLength(1);
    expect((await admin(superAdmin, 'PATCH', `/staff/${nurse.user.id}`, { role: 'wizard' })).status).toBe(400);
    expect((await admin(superAdmin, 'PATCH', '/staff/00000000-0000-4000-8000-000000000000', { active: true })).status).toBe(404);
  });
});

describe('audit trail through the API', () => {
  it('records who read and wrote what, from where, and the chain verifies until a row is edited', async () => {
    const doctor = await createStaff(t, TENANT_A, 'doctor', [branchX]);
    const token = await userToken(t, doctor.user, 'user/*.cruds');
    const created = await fetch(`${t.base}/Patient`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/fhir+json',
        'user-agent': 'opd-tablet/1.0',
        'x-request-id': 'req-audit-1',
      },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Audit' }] }),
    });
    const id = (await created.json()).id;
    await fetch(`${t.base}/Patient/${id}`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-audit-2' } });
    const denied = await fetch(`${t.base}/Invoice`, { headers: { authorization: `Bearer ${token}` } });
    expect(denied.status).toBe(403);

    const rows = await t.server.db.transaction({ tenantId: TENANT_A }, (sql) =>
      sql.query<{ action: string; outcome: string; user_id: string; client_id: string; patient: string; request_id: string; event: any }>(
        'SELECT action, outcome, user_id, client_id, patient, request_id, event FROM audit_log WHERE user_id = $1 ORDER BY recorded',
        [doctor.user.id],
      ),
    );
    const create = rows.rows.find((r) => r.request_id === 'req-audit-1');
    expect(create).toMatchObject({ action: 'C', outcome: '0', client_id: 'test-app', patient: `Patient/${id}` });
    expect(JSON.stringify(create?.event)).toContain('opd-tablet/1.0');
    expect(create?.event.agent[0].network.address).toMatch(/127\.0\.0\.1/);
    expect(rows.rows.find((r) => r.request_id === 'req-audit-2')).toMatchObject({ action: 'R', patient: `Patient/${id}` });
    expect(rows.rows.find((r) => r.outcome === '4')?.event.outcomeDesc).toBe('Access denied');

    // The audit log is searchable as FHIR AuditEvents, by patient, and read-only.
    const sa = fhirClient(t.base, TENANT_A, await userToken(t, superAdmin.user));
    const byPatient = await sa.get(`AuditEvent?patient=Patient/${id}&_total=accurate`);
    expect(byPatient.status).toBe(200);
    expect(byPatient.body.total).toBe(2);
    expect(byPatient.body.entry.map((e: any) => e.resource.action)).toEqual(['R', 'C']);
    const one = await sa.get(`AuditEvent/${byPatient.body.entry[0].resource.id}`);
    expect(one.body.resourceType).toBe('AuditEvent');
    expect((await sa.get(`AuditEvent?altid=${doctor.user.id}&outcome=4`)).body.entry).toHaveLength(1);
    expect((await sa.post('AuditEvent', byPatient.body.entry[0].resource)).status).toBe(403);
    expect((await fhirClient(t.base, TENANT_A, token).get('AuditEvent')).status).toBe(403);

    const verified = await admin(superAdmin, 'POST', '/audit/verify');
    expect(verified.body).toMatchObject({ ok: true, unsealed: 0 });
    expect(verified.body.sealed).toBeGreaterThan(3);
    expect((await admin(doctor, 'POST', '/audit/verify')).status).toBe(403);

    // The database owner edits history: the next verification names the link.
    await t.server.db.asOwner((sql) =>
      sql.query(`UPDATE audit_log SET event = jsonb_set(event, '{outcome}', '"8"') WHERE request_id = 'req-audit-2'`),
    );
    const broken = await admin(superAdmin, 'POST', '/audit/verify');
    expect(broken.body.ok).toBe(false);
    expect(broken.body.firstBroken.reason).toMatch(/audit row changed/);
  });
});
