import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/auth/policies.ts';
import { createUser } from '../../src/auth/store.ts';
import { createDirectory, type Directory } from '../documents/fixtures.ts';
import { startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { userToken } from '../helpers/staff.ts';
import { type Fhir, fhirClient, params, ref, result } from './fixtures.ts';

// The product default, PROFILE_ENFORCEMENT=abdm (docs/abdm.md): every write must meet the ABDM
// IG profile of its type. The lab's operations write Specimens, Observations and
// DiagnosticReports, which have ABDM profiles: they must still go through.
let t: TestServer;
let admin: Fhir;
let tech: Fhir;
let pathologist: Fhir;
let d: Directory;

beforeAll(async () => {
  t = await startTestServer({ PROFILE_ENFORCEMENT: 'abdm' });
  admin = fhirClient(t.base, TENANT_A);
  expect((await admin.post('ActivityDefinition/$load-lab-catalogue', { resourceType: 'Parameters' })).status).toBe(200);
  d = await createDirectory(admin);
  tech = await staff('tech', d.physician);
  pathologist = await staff('pathologist', d.pathologist);
});
afterAll(() => t?.stop());

/** A lab sign-in whose Practitioner is one of the directory's (ABDM Practitioners, as enforcement requires). */
async function staff(name: string, practitioner: string, role: Role = 'lab_tech'): Promise<Fhir> {
  const user = await createUser(t.server.db, TENANT_A, {
    email: `${name}@lab.example.in`,
    name,
    password: `pw-${name}-long-enough`,
    role,
    practitionerId: practitioner.split('/')[1],
  });
  return fhirClient(t.base, TENANT_A, await userToken(t, user));
}

describe('the lab under ABDM profile enforcement', () => {
  it('collects a sample (ABDM Specimen: receivedTime), enters, verifies and prints the report', async () => {
    const order = await admin.post('ServiceRequest', {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      priority: 'routine',
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '108252007', display: 'Laboratory procedure' }] }],
      code: {
        coding: [{ system: 'http://snomed.info/sct', code: '26604007', display: 'Complete blood count' }],
        text: 'Complete blood count',
      },
      subject: { reference: d.patient },
      requester: { reference: d.physician },
      authoredOn: '2026-12-06T09:00:00+05:30',
    });
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    const collected = await tech.post(
      'ServiceRequest/$collect',
      params({
        request: [ref(`ServiceRequest/${order.body.id}`)],
        branch: ref(d.lab),
        collected: { valueDateTime: '2026-12-06T09:20:00+05:30' },
      }),
    );
    expect(collected.status, JSON.stringify(collected.body)).toBe(200);
    const sample = collected.body.entry[0].resource;
    expect(sample).toMatchObject({ status: 'available', receivedTime: '2026-12-06T09:20:00+05:30' });
    expect((await tech.post(`Specimen/${sample.id}/$receive`, {})).status).toBe(200);
    // The sample as stored passes the ABDM Specimen profile's $validate.
    const stored = (await tech.get(`Specimen/${sample.id}`)).body;
    const check = await admin.post('Specimen/$validate', {
      resourceType: 'Parameters',
      parameter: [{ name: 'resource', resource: stored }],
    });
    expect(check.body.issue.filter((i: any) => i.severity === 'error')).toEqual([]);

    const entered = await tech.post(
      `ServiceRequest/${order.body.id}/$enter-results`,
      params({ result: [result('718-7', 6.4), result('777-3', 250)] }),
    );
    expect(entered.status, JSON.stringify(entered.body)).toBe(201);
    const report = entered.body.entry[0].resource;
    const verified = await pathologist.post(`DiagnosticReport/${report.id}/$verify`, { resourceType: 'Parameters' });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body.entry[0].resource.status).toBe('final');
    expect((await tech.get(`DiagnosticReport/${report.id}/$lab-report-pdf`)).status).toBe(200);
    // The critical haemoglobin's alert to the ordering doctor was written under enforcement too.
    const alerts = await admin.get(`Communication?recipient=${d.physician}`);
    expect(alerts.body.entry.map((e: any) => e.resource.payload[0].contentString)).toEqual([
      expect.stringMatching(/^Critical result: Haemoglobin 6\.4 g\/dL \(critical low\)/),
    ]);
  });
});
