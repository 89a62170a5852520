import type { Database } from '../../../db/database.ts';

/**
 * Records a gateway REQUEST-ID; false if it was already seen (a replay). Shared by every server
 * process through the database. Expired ids are dropped on the way (indexed, so cheap).
 */
export async function claimRequestId(db: Database, requestId: string, expiresAt: Date): Promise<boolean> {
  return db.transaction(undefined, async (sql) => {
    await sql.query('DELETE FROM abdm_inbound_request WHERE expires_at < now()');
    const r = await sql.query('INSERT INTO abdm_inbound_request (request_id, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
      requestId,
      expiresAt.toISOString(),
    ]);
    return r.rowCount > 0;
  });
}
