import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, startTestServer, systemToken, TENANT_A, TENANT_B, type TestServer } from './helpers/server.ts';

/**
 * The README's example POST, as a reader copies it: its If-None-Exist header and its body are read
 * from the README itself, so the example and this test cannot drift apart.
 */
function readmeExample(): { ifNoneExist: string; body: string } {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const command = /curl -X POST http:\/\/localhost:8080\/fhir\/R4\/Patient[\s\S]*?'\n/.exec(readme)?.[0];
  if (!command) throw new Error('README.md has no example POST of a Patient');
  const ifNoneExist = /-H 'If-None-Exist: ([^']+)'/.exec(command)?.[1];
  const body = /-d '([^']+)'/.exec(command)?.[1];
  if (!ifNoneExist || !body) throw new Error('The README example lost its If-None-Exist header or its body');
  return { ifNoneExist, body };
}

describe("the README's example POST", () => {
  let t: TestServer;
  beforeAll(async () => {
    // As the README runs it: the product default, every write meets its ABDM profile.
    t = await startTestServer({ PROFILE_ENFORCEMENT: 'abdm' });
  });
  afterAll(() => t?.stop());

  it('run twice registers one Patient: the second answers 200 with the first one', async () => {
    const { ifNoneExist, body } = readmeExample();
    const fhir = fhirClient(t.base, TENANT_A);
    const first = await fhir.post('Patient', body, { 'If-None-Exist': ifNoneExist });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const second = await fhir.post('Patient', body, { 'If-None-Exist': ifNoneExist });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const found = await fhir.get(`Patient?${ifNoneExist}`);
    expect(found.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([first.body.id]);
    // The UHID follows the one convention: branch prefix and six characters.
    expect(first.body.identifier[0].value).toMatch(/^SH-PUN-[A-Z0-9]{6}$/);

    // Another tenant's same UHID is its own patient: the condition looks only within the tenant.
    const other = await fhirClient(t.base, TENANT_B).post('Patient', body, { 'If-None-Exist': ifNoneExist });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('says how long its token lasts, as the server issues it', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toMatch(/The token lasts 15 minutes \(`expires_in: 900`\)/);
    const token = await systemToken(t.base, TENANT_A);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(15 * 60);
  });
});
