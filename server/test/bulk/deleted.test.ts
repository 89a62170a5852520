import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, TENANT_A, TENANT_B, type TestServer } from '../helpers/server.ts';
import { type Client, clientWithScope, download, exportAll, type Manifest } from './helpers.ts';

/**
 * `_since` exports list resources deleted in the window in the manifest's `deleted` files
 * (docs/bulk-data.md): at system level every one the client may read; at Patient and Group level
 * only those whose last live version was in the exported patients' compartments.
 */

let t: TestServer;
let a: Client;
let b: Client;
const ids: Record<string, string> = {};
let since = '';

async function create(client: Client, resource: Record<string, unknown>): Promise<string> {
  const res = await client.post(resource.resourceType as string, resource);
  if (res.status !== 201) throw new Error(`${resource.resourceType} not created: ${JSON.stringify(res.body)}`);
  return res.body.id;
}

async function remove(client: Client, ref: string): Promise<void> {
  const res = await client.delete(ref);
  if (res.status >= 300) throw new Error(`${ref} not deleted: ${JSON.stringify(res.body)}`);
}

const observation = (patient: string | undefined, code: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: code },
  ...(patient ? { subject: { reference: `Patient/${patient}` } } : {}),
});

const pause = () => new Promise((r) => setTimeout(r, 20));

beforeAll(async () => {
  t = await startTestServer();
  a = fhirClient(t.base, TENANT_A);
  b = fhirClient(t.base, TENANT_B);
  ids.p1 = await create(a, { resourceType: 'Patient', name: [{ family: 'Kulkarni' }] });
  ids.p2 = await create(a, { resourceType: 'Patient', name: [{ family: 'Deshpande' }] });
  ids.p3 = await create(a, { resourceType: 'Patient', name: [{ family: 'Iyer' }] });
  ids.group = await create(a, {
    resourceType: 'Group',
    type: 'person',
    actual: true,
    member: [{ entity: { reference: `Patient/${ids.p1}` } }, { entity: { reference: `Patient/${ids.p2}` } }],
  });
  ids.o1 = await create(a, observation(ids.p1, 'HbA1c'));
  ids.keep = await create(a, observation(ids.p1, 'Glucose'));
  ids.o3 = await create(a, observation(ids.p3, 'Creatinine'));
  ids.moved = await create(a, observation(ids.p3, 'Sodium'));
  ids.orphan = await create(a, observation(undefined, 'Control'));
  ids.org = await create(a, { resourceType: 'Organization', name: 'Closed clinic' });
  ids.bPatient = await create(b, { resourceType: 'Patient', name: [{ family: 'Other' }] });
  ids.bObs = await create(b, observation(ids.bPatient, 'HbA1c'));
  ids.oldGone = await create(a, observation(ids.p1, 'Deleted before the baseline'));
  await remove(a, `Observation/${ids.oldGone}`);

  await pause();
  since = new Date().toISOString();
  await pause();

  await remove(a, `Observation/${ids.o1}`);
  await remove(a, `Observation/${ids.o3}`);
  await remove(a, `Observation/${ids.orphan}`);
  await remove(a, `Organization/${ids.org}`);
  // Filed against p3, corrected to p1, then deleted: its last version is p1's.
  const moved = (await a.get(`Observation/${ids.moved}`)).body;
  expect((await a.put(`Observation/${ids.moved}`, { ...moved, subject: { reference: `Patient/${ids.p1}` } })).status).toBe(200);
  await remove(a, `Observation/${ids.moved}`);
  // Created and deleted inside the window.
  ids.brief = await create(a, observation(ids.p2, 'Potassium'));
  await remove(a, `Observation/${ids.brief}`);
  await remove(b, `Observation/${ids.bObs}`);
});

afterAll(async () => {
  await t?.stop();
});

/** The `Type/id`s the manifest's deleted files list, after checking each line's Bundle shape. */
async function deletedRefs(client: Client, m: Manifest): Promise<string[]> {
  expect(m.deleted).toBeDefined();
  for (const f of m.deleted ?? []) expect(f.type).toBe('Bundle');
  const bundles = await download(client, m.deleted ?? []);
  return bundles
    .map((bundle) => {
      expect(Object.keys(bundle).sort()).toEqual(['entry', 'resourceType', 'type']);
      expect(bundle.type).toBe('transaction');
      const entry = bundle.entry as { request: { method: string; url: string } }[];
      expect(entry).toHaveLength(1);
      expect(entry[0]).toEqual({ request: { method: 'DELETE', url: expect.stringMatching(/^[A-Za-z]+\/[^/]+$/) } });
      return entry[0].request.url;
    })
    .sort();
}

const q = (s: string) => encodeURIComponent(s);
const obs = (...keys: string[]) => keys.map((k) => `Observation/${ids[k]}`);

describe('deleted resources in _since exports', () => {
  it('system level: every deletion after _since, as a DELETE Bundle, none in output', async () => {
    const m = await exportAll(a, `$export?_since=${q(since)}`);
    expect(await deletedRefs(a, m)).toEqual([...obs('o1', 'o3', 'orphan', 'moved', 'brief'), `Organization/${ids.org}`].sort());
    const output = await download(a, m.output);
    const outIds = output.map((r) => r.id);
    for (const k of ['o1', 'o3', 'orphan', 'moved', 'brief', 'org', 'oldGone']) expect(outIds).not.toContain(ids[k]);
    // Another tenant's deletion never appears, though that tenant's own export lists it.
    expect(JSON.stringify(m)).not.toContain(ids.bObs);
    expect(await deletedRefs(b, await exportAll(b, `$export?_since=${q(since)}`))).toEqual([`Observation/${ids.bObs}`]);
  });

  it('without _since there is no deleted list', async () => {
    const m = await exportAll(a, '$export?_type=Observation');
    expect(m.deleted).toBeUndefined();
  });

  it('Patient level: only deletions from a patient compartment (by the last live version)', async () => {
    const m = await exportAll(a, `Patient/$export?_since=${q(since)}`);
    // The orphan named no patient, and an Organization is not in the compartment.
    expect(await deletedRefs(a, m)).toEqual(obs('o1', 'o3', 'moved', 'brief').sort());

    const narrowed = await exportAll(a, `Patient/$export?_since=${q(since)}`, {
      resourceType: 'Parameters',
      parameter: [{ name: 'patient', valueReference: { reference: `Patient/${ids.p3}` } }],
    });
    // "moved" was p3's once, but p1's when it was deleted.
    expect(await deletedRefs(a, narrowed)).toEqual(obs('o3'));
  });

  it("Group level: the members' deletions only, not those of a patient outside the group", async () => {
    const m = await exportAll(a, `Group/${ids.group}/$export?_since=${q(since)}`);
    expect(await deletedRefs(a, m)).toEqual(obs('o1', 'moved', 'brief').sort());
    expect((await download(a, m.output)).map((r) => r.id)).not.toContain(ids.o3);
  });

  it('a client that may not read a type gets no deletions of it', async () => {
    const { client } = await clientWithScope(
      t,
      TENANT_A,
      'bulk-no-observation',
      'system/Patient.rs system/Organization.rs system/Group.rs',
    );
    const m = await exportAll(client, `$export?_since=${q(since)}`);
    expect(await deletedRefs(client, m)).toEqual([`Organization/${ids.org}`]);
    const group = await exportAll(client, `Group/${ids.group}/$export?_since=${q(since)}`);
    expect(await deletedRefs(client, group)).toEqual([]);
  });
});
