import type { Database } from '../../../db/database.ts';

/**
 * The tenant setting that routes a webhook: which tenant owns a business phone-number-id. Written
 * by an administrator (or the bot runtime when a tenant sets the bot's `phoneNumberId`); read by
 * the webhook through whatsapp_number_tenant (migration 0046), since no tenant is known until the
 * number says which. Registration is an administrator's act (admin CLI, demo set-up) as the owner.
 */
export class NumberTakenError extends Error {}

/** Registers the number for the tenant; a number another tenant already owns is refused, never moved. */
export async function registerWhatsAppNumber(db: Database, tenantId: string, phoneNumberId: string): Promise<void> {
  if (!/^\d{1,32}$/.test(phoneNumberId)) throw new RangeError('A WhatsApp phone-number-id is a string of digits.');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenantId)) throw new RangeError('A tenant id is a UUID.');
  const owner = await db.asOwner(async (sql) => {
    const tenant = await sql.query('SELECT 1 FROM tenant WHERE id = $1', [tenantId]);
    if (tenant.rowCount === 0) throw new RangeError(`No tenant ${tenantId}.`);
    await sql.query('INSERT INTO whatsapp_number (phone_number_id, tenant_id) VALUES ($1, $2) ON CONFLICT (phone_number_id) DO NOTHING', [
      phoneNumberId,
      tenantId,
    ]);
    const r = await sql.query<{ tenant_id: string }>('SELECT tenant_id FROM whatsapp_number WHERE phone_number_id = $1', [phoneNumberId]);
    return r.rows[0]?.tenant_id;
  });
  if (owner !== tenantId) throw new NumberTakenError(`WhatsApp number ${phoneNumberId} belongs to another tenant.`);
}

/** The tenant that owns the number, or undefined when none does. */
export async function tenantForNumber(db: Database, phoneNumberId: string): Promise<string | undefined> {
  // The runtime role sees its own tenant's numbers only; this function answers for one exact number (migration 0046).
  const r = await db.transaction(undefined, (sql) =>
    sql.query<{ tenant_id: string | null }>('SELECT whatsapp_number_tenant($1) AS tenant_id', [phoneNumberId]),
  );
  return r.rows[0]?.tenant_id ?? undefined;
}
