import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Subscription } from '@medplum/fhirtypes';
import type { BotManifest } from '../../../bots/contract.ts';
import { revokeSubjectTokens } from '../auth/revocations.ts';
import type { Database, Sql } from '../db/database.ts';
import { BOT_CHANNEL } from '../events/subscriptions.ts';
import { type AuditContext, PostgresRepository } from '../repo/postgres-repository.ts';
import { type BotDefinition, effectiveSettings } from './manifest.ts';

/** A tenant's installation of a bot, as stored (bot_installation). */
export interface InstallationRow {
  tenant_id: string;
  bot: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  client_id: string;
  subscription_ids: string[];
}

export type SettingValue = string | number | boolean;
export interface InstallationChange {
  enabled?: boolean;
  settings?: Record<string, SettingValue>;
}

/**
 * The bot's client identity in a tenant. Client ids are unique across the platform, so the
 * tenant is part of it. The client has no secret and no keys: nobody can get a token for it at
 * the token endpoint; only the runtime issues it short-lived tokens, one per invocation.
 */
export const botClientId = (bot: string, tenantId: string) => `bot-${bot}-${tenantId}`;
/** Where a bot's Subscriptions point: the bot itself, not a URL. */
export const botEndpoint = (bot: string) => `urn:hospital-ops:bot:${bot}`;

export async function getInstallation(db: Database, tenantId: string, bot: string): Promise<InstallationRow | undefined> {
  const r = await db.transaction(
    { tenantId },
    (sql) => sql.query<InstallationRow>('SELECT * FROM bot_installation WHERE bot = $1', [bot]),
    {
      readOnly: true,
    },
  );
  return r.rows[0];
}

export async function listInstallations(db: Database, tenantId: string): Promise<InstallationRow[]> {
  const r = await db.transaction({ tenantId }, (sql) => sql.query<InstallationRow>('SELECT * FROM bot_installation ORDER BY bot'), {
    readOnly: true,
  });
  return r.rows;
}

/** Every tenant's enabled installations (the runtime's schedules), through a function of its own (migration 0046). */
export async function enabledInstallations(db: Database): Promise<InstallationRow[]> {
  const r = await db.transaction(undefined, (sql) => sql.query<InstallationRow>('SELECT * FROM bot_installations_enabled()'), {
    readOnly: true,
  });
  return r.rows;
}

/** Settings a tenant sends must be ones the manifest declares, of the same type as its default. */
function checkSettings(manifest: BotManifest, settings: Record<string, SettingValue>): void {
  const declared = manifest.settings ?? {};
  for (const [key, value] of Object.entries(settings)) {
    if (!(key in declared)) throw new OperationOutcomeError(badRequest(`Bot ${manifest.name} has no setting ${key}.`));
    if (typeof value !== typeof declared[key])
      throw new OperationOutcomeError(badRequest(`Setting ${key} of bot ${manifest.name} must be a ${typeof declared[key]}.`));
  }
}

/**
 * Enables, disables or reconfigures a bot for a tenant, all in one transaction. Enabling makes
 * (or reactivates) the bot's client with exactly the manifest's scopes and creates one
 * Subscription per trigger on the internal message channel; disabling deletes those
 * Subscriptions, deactivates the client and voids every token it holds.
 */
export async function changeInstallation(
  db: Database,
  baseUrl: string,
  tenantId: string,
  def: BotDefinition,
  change: InstallationChange,
  audit?: AuditContext,
): Promise<InstallationRow> {
  const { manifest } = def;
  if (change.settings) checkSettings(manifest, change.settings);
  const repo = new PostgresRepository({ db, tenant: { tenantId }, baseUrl, updateCreate: false, serverWrite: true, audit });
  return repo.withTransaction(
    async (tx) => {
      const clientId = botClientId(manifest.name, tenantId);
      const scope = manifest.scopes.join(' ');
      const row = await tx.query(async (sql) => {
        const found = await sql.query<InstallationRow>('SELECT * FROM bot_installation WHERE bot = $1 FOR UPDATE', [manifest.name]);
        if (found.rows[0]) return found.rows[0];
        await insertBotClient(sql, tenantId, clientId, manifest);
        const r = await sql.query<InstallationRow>(
          'INSERT INTO bot_installation (tenant_id, bot, client_id) VALUES ($1, $2, $3) RETURNING *',
          [tenantId, manifest.name, clientId],
        );
        return r.rows[0];
      });
      let subscriptionIds = row.subscription_ids;
      const enabled = change.enabled ?? row.enabled;
      if (enabled && !row.enabled) {
        subscriptionIds = [];
        for (const trigger of manifest.triggers ?? []) {
          const s = await tx.createResource<Subscription>({
            resourceType: 'Subscription',
            status: 'active',
            reason: `Bot ${manifest.name}: ${trigger.reason}`,
            criteria: trigger.criteria,
            channel: { type: BOT_CHANNEL, endpoint: botEndpoint(manifest.name) },
          });
          subscriptionIds.push(s.id);
        }
        await tx.query((sql) => sql.query('UPDATE oauth_client SET active = true, scope = $2 WHERE client_id = $1', [clientId, scope]));
      } else if (!enabled && row.enabled) {
        // Off the installation first: the Subscription hook refuses to delete one a bot still owns.
        subscriptionIds = [];
        await tx.query(async (sql) => {
          await sql.query('UPDATE bot_installation SET subscription_ids = $2 WHERE bot = $1', [manifest.name, []]);
          await sql.query('UPDATE oauth_client SET active = false WHERE client_id = $1', [clientId]);
          await revokeSubjectTokens(sql, tenantId, { client: clientId });
        });
        for (const id of row.subscription_ids) await tx.deleteResource('Subscription', id);
      }
      const settings = change.settings ? { ...row.settings, ...change.settings } : row.settings;
      const r = await tx.query((sql) =>
        sql.query<InstallationRow>(
          `UPDATE bot_installation SET enabled = $2, settings = $3::jsonb, subscription_ids = $4, updated_at = now()
           WHERE bot = $1 RETURNING *`,
          [manifest.name, enabled, JSON.stringify(settings), subscriptionIds],
        ),
      );
      return r.rows[0];
    },
    { serializable: false, resourceTypes: ['Subscription'] },
  );
}

async function insertBotClient(sql: Sql, tenantId: string, clientId: string, manifest: BotManifest): Promise<void> {
  await sql.query('INSERT INTO client_directory (client_id, tenant_id) VALUES ($1, $2) ON CONFLICT (client_id) DO NOTHING', [
    clientId,
    tenantId,
  ]);
  await sql.query(
    `INSERT INTO oauth_client (tenant_id, client_id, name, client_type, scope, active)
     VALUES ($1, $2, $3, 'confidential', $4, false) ON CONFLICT (tenant_id, client_id) DO NOTHING`,
    [tenantId, clientId, `Bot ${manifest.name}`, manifest.scopes.join(' ')],
  );
}

/** An installation as the admin API shows it: the manifest's facts beside the tenant's choices. */
export function installationView(def: BotDefinition, row: InstallationRow | undefined) {
  const m = def.manifest;
  return {
    name: m.name,
    description: m.description,
    queue: def.queue,
    scopes: m.scopes,
    triggers: m.triggers ?? [],
    schedules: m.schedules ?? [],
    enabled: row?.enabled ?? false,
    settings: effectiveSettings(m, row?.settings),
    defaults: m.settings ?? {},
    clientId: row?.client_id ?? null,
    subscriptions: (row?.subscription_ids ?? []).map((id) => `Subscription/${id}`),
  };
}
