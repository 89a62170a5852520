import { type AccessControl, accessControlFor, type Principal } from '../auth/access.ts';
import type { RequestAuth } from '../auth/bearer.ts';
import { applyConsents } from '../auth/consent-middleware.ts';
import { parseResourceScope, type ResourceScope } from '../auth/scopes.ts';
import type { AuthService } from '../auth/service.ts';
import type { Config } from '../config.ts';
import type { TenantSettings } from '../db/database.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';

/** The principal as stored with the export (JSON): scopes as written, no Consent denials (read again when the job runs). */
export type StoredPrincipal = Omit<Principal, 'scopes' | 'consentDenials'> & { scopes: string[] };

export function storablePrincipal(p: Principal): StoredPrincipal {
  const { consentDenials: _dropped, scopes, ...rest } = p;
  return { ...rest, scopes: scopes.map((s) => s.raw) };
}

/** The principal again, its scopes parsed as the bearer check parses a token's. */
export function principalOf(stored: StoredPrincipal): Principal {
  return { ...stored, scopes: stored.scopes.map(parseResourceScope).filter((s): s is ResourceScope => s !== undefined) };
}

/**
 * The repository an export job reads through: the client's tenant (row-level security), role,
 * scopes, branches and patient context as its kick-off token carried them, narrowed by the
 * patients' Consents as they stand when the job runs. The same repository and search code a
 * request of that client gets; nothing here reads around it. Pages are not audited one by one:
 * the export writes its own AuditEvents (kick-off and completion, with the file list).
 */
export async function exportRepository(
  auth: AuthService,
  config: Config,
  stored: StoredPrincipal,
): Promise<{ repo: PostgresRepository; access: AccessControl }> {
  const principal = principalOf(stored);
  const tenant: TenantSettings = {
    tenantId: principal.tenantId,
    userId: principal.userId,
    branchId: principal.branchIds.length === 1 ? principal.branchIds[0] : undefined,
  };
  const who = { principal: { ...principal }, access: accessControlFor(principal), tenant } as RequestAuth;
  await applyConsents(auth, who);
  const repo = new PostgresRepository({
    db: auth.db,
    tenant,
    baseUrl: config.baseUrl,
    updateCreate: false,
    access: who.access,
    statementTimeoutMs: config.STATEMENT_TIMEOUT_SEARCH_MS,
  });
  return { repo, access: who.access };
}
