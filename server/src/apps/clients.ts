import { createClient, findClient } from '../auth/store.ts';
import type { Database } from '../db/database.ts';
import { appClientId, appLaunchUri, appRedirectUri, BUILT_IN_APPS } from './registry.ts';

/**
 * Registers the built-in apps as public SMART clients (PKCE) of a tenant, and keeps their
 * redirect URI in step with the server's base URL (a deployment that moves keeps its clients).
 * They are first-party: pre-approved for their tenant, so their users never see a consent page.
 */
export async function ensureAppClients(db: Database, tenantId: string, bootstrapTenantId: string, baseUrl: string): Promise<string[]> {
  const changed: string[] = [];
  for (const app of BUILT_IN_APPS) {
    const clientId = appClientId(app, tenantId, bootstrapTenantId);
    const redirect = appRedirectUri(baseUrl, app);
    const existing = await findClient(db, clientId);
    if (!existing) {
      await createClient(db, tenantId, {
        clientId,
        name: app.title,
        type: 'public',
        scope: app.scope,
        redirectUris: [redirect],
        launchUri: appLaunchUri(baseUrl, app),
        firstParty: true,
      });
      changed.push(clientId);
    } else if (
      existing.tenant_id === tenantId &&
      (!existing.redirect_uris.includes(redirect) || existing.scope !== app.scope || !existing.first_party)
    ) {
      // Clients registered before 0019_app_consent become pre-approved here.
      await db.transaction({ tenantId }, (sql) =>
        sql.query('UPDATE oauth_client SET redirect_uris = $2, launch_uri = $3, scope = $4, first_party = true WHERE client_id = $1', [
          clientId,
          [...new Set([...existing.redirect_uris, redirect])],
          appLaunchUri(baseUrl, app),
          app.scope,
        ]),
      );
      changed.push(clientId);
    }
  }
  return changed;
}
