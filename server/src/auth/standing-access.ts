import type { Database } from '../db/database.ts';
import { type AccessControl, accessControlFor, type Principal } from './access.ts';
import type { ConsentRules } from './consent.ts';
import { narrowByConsents } from './consent-middleware.ts';
import { parseResourceScope, type ResourceScope, splitScopes } from './scopes.ts';
import { findClient, getUser } from './store.ts';

export interface StandingAccess {
  principal: Principal;
  access: AccessControl;
}

/**
 * What a client (and the user it acted for) may read now, without a token: for work done on their
 * behalf later, such as a rest-hook notification built long after its Subscription was written.
 * The client's registered scopes stand for the token's (a token never holds more), the user's role
 * and branches as they are today, narrowed by patients' Consents. Undefined when the client has
 * been revoked or the user deactivated: nothing is done for them any more.
 */
export async function standingAccess(
  db: Database,
  consents: ConsentRules,
  tenantId: string,
  clientId: string,
  userId?: string,
): Promise<StandingAccess | undefined> {
  const client = await findClient(db, clientId);
  if (!client?.active || client.tenant_id !== tenantId) return undefined;
  const user = userId ? await getUser(db, tenantId, userId) : undefined;
  if (userId && !user?.active) return undefined;
  const scopes = splitScopes(client.scope)
    .map(parseResourceScope)
    .filter((s): s is ResourceScope => s !== undefined)
    // A client acting alone holds its system scopes; for a user, its user scopes (a patient
    // scope needs a launch's patient, which a later act on the user's behalf does not have).
    .filter((s) => s.context === (user ? 'user' : 'system'));
  const principal: Principal = {
    tenantId,
    clientId,
    userId: user?.id,
    role: user?.role,
    branchIds: user?.branch_ids ?? [],
    practitionerId: user?.practitioner_id ?? undefined,
    scopes,
  };
  await narrowByConsents(consents, principal);
  return { principal, access: accessControlFor(principal) };
}
