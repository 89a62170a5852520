import type { Role } from '../../src/auth/policies.ts';
import { type ClientRow, createUser, type UserRow } from '../../src/auth/store.ts';
import { userClaims } from '../../src/oauth/grants.ts';
import { fhirClient, type TestServer } from './server.ts';

let counter = 0;

export interface Staff {
  user: UserRow;
  password: string;
  practitionerId: string;
}

/**
 * A staff member with a login and a Practitioner, in the given branches (Organization ids).
 * Created through the tenant's system client, as an administrator would.
 */
export async function createStaff(t: TestServer, tenant: string, role: Role, branchIds: string[] = []): Promise<Staff> {
  const n = ++counter;
  const system = fhirClient(t.base, tenant);
  const practitioner = await system.post('Practitioner', { resourceType: 'Practitioner', name: [{ family: `${role}-${n}` }] });
  if (practitioner.status !== 201) throw new Error(`Practitioner not created: ${JSON.stringify(practitioner.body)}`);
  const password = `pw-${role}-${n}-long-enough`;
  const user = await createUser(t.server.db, tenant, {
    email: `${role}.${n}.${tenant.slice(0, 4)}@test.example`,
    name: `${role} ${n}`,
    password,
    role,
    branchIds,
    practitionerId: practitioner.body.id,
  });
  return { user, password, practitionerId: practitioner.body.id };
}

/** An access token for a staff member as a SMART app with `scope` would get it (no browser needed). */
export async function userToken(t: TestServer, user: UserRow, scope = 'user/*.cruds', patient?: string): Promise<string> {
  const client = { client_id: 'test-app', tenant_id: user.tenant_id } as ClientRow;
  return t.server.auth.tokens.accessToken(userClaims(user, client, scope, patient));
}

/** A FHIR client acting as the staff member. */
export async function staffClient(t: TestServer, staff: Staff, scope?: string, patient?: string) {
  return fhirClient(t.base, staff.user.tenant_id, await userToken(t, staff.user, scope, patient));
}
