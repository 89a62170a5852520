import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, type TestServer } from '../helpers/server.ts';
import { createStaff, staffClient } from '../helpers/staff.ts';
import { type Client, clientWithScope, download, exportAll, keys, searchAll } from './helpers.ts';

/** An export sees what its client may read through a search: role policies, branches and patients' Consents. */

let t: TestServer;
let system: Client;
const ids: Record<string, string> = {};

async function create(resource: Record<string, unknown>): Promise<string> {
  const res = await system.post(resource.resourceType as string, resource);
  if (res.status !== 201) throw new Error(`${resource.resourceType} not created: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

beforeAll(async () => {
  t = await startTestServer();
  system = fhirClient(t.base, TENANT_A);
  ids.p = await create({ resourceType: 'Patient', name: [{ family: 'Refuses' }] });
  ids.q = await create({ resourceType: 'Patient', name: [{ family: 'Agrees' }] });
  for (const patient of [ids.p, ids.q]) {
    await create({ resourceType: 'Observation', status: 'final', code: { text: 'HbA1c' }, subject: { reference: `Patient/${patient}` } });
    await create({ resourceType: 'Condition', code: { text: 'Diabetes' }, subject: { reference: `Patient/${patient}` } });
  }
});
afterAll(() => t?.stop());

/** For each type the export holds, its resources equal what the same client's search returns. */
async function expectEqualsSearch(client: Client, manifest: { output: { type: string; url: string }[] }, types: string[]) {
  for (const type of types) {
    const exported = await download(
      client,
      manifest.output.filter((f) => f.type === type),
    );
    expect(keys(exported), type).toEqual(keys(await searchAll(client, type)));
  }
}

describe('access', () => {
  it("a patient's Consent refusing the exporting client hides that patient's covered data", async () => {
    const { client } = await clientWithScope(t, TENANT_A, 'bulk-research', 'system/*.rs');
    await create({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${ids.p}` },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
      provision: {
        type: 'deny',
        actor: [
          {
            role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PRCP' }] },
            reference: { reference: 'Device/bulk-research' },
          },
        ],
        class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }],
      },
    });
    // Clients of this process see a new Consent at once (the request that wrote it refreshed the rules).
    const m = await exportAll(client, '$export?_type=Observation,Condition');
    const observations = await download(
      client,
      m.output.filter((f) => f.type === 'Observation'),
    );
    const subjects = observations.map((o) => (o.subject as { reference: string }).reference);
    expect(subjects).toEqual([`Patient/${ids.q}`]);
    // Conditions are outside the Consent: both patients'.
    await expectEqualsSearch(client, m, ['Observation', 'Condition']);
    const conditions = await download(
      client,
      m.output.filter((f) => f.type === 'Condition'),
    );
    expect(conditions).toHaveLength(2);
    // The system client, which the Consent does not name, still exports both observations.
    const all = await exportAll(system, '$export?_type=Observation');
    expect(await download(system, all.output)).toHaveLength(2);
  });

  it("a staff member's export holds what their role may read, type by type and condition by condition", async () => {
    // A receptionist records blood groups (LOINC 882-1) but reads no other observation, and no Condition.
    const bloodGroup = await create({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '882-1' }] },
      subject: { reference: `Patient/${ids.q}` },
    });
    const receptionist = await createStaff(t, TENANT_A, 'receptionist');
    const client = await staffClient(t, receptionist);
    const m = await exportAll(client, '$export?_type=Patient,Observation,Condition');
    expect([...new Set(m.output.map((f) => f.type))].sort()).toEqual(['Observation', 'Patient']);
    await expectEqualsSearch(client, m, ['Patient', 'Observation']);
    expect(
      keys(
        await download(
          client,
          m.output.filter((f) => f.type === 'Observation'),
        ),
      ),
    ).toEqual([`Observation/${bloodGroup}`]);
    expect((await client.get('Condition')).status).toBe(403);
    expect(JSON.stringify(await download(client, m.error))).toMatch(/Condition was left out/);
  });
});
