import type { Database } from '../db/database.ts';
import type { ProfileEnforcement, ValidationPolicy } from '../fhir/validate.ts';
import { validationPolicy } from '../fhir/validate.ts';

// A change made through another process reaches this one within this time.
const CACHE_MS = 5_000;

export interface RequirementView {
  resourceType: string;
  profiles: string[];
  source: 'tenant' | 'default';
}

/**
 * Each tenant's profile requirements: the platform default (PROFILE_ENFORCEMENT) overlaid with
 * the tenant's own rows in tenant_profile_requirement. Read per tenant and kept briefly, like
 * consents; a change through this process applies at once.
 */
export class ProfileRequirements {
  private readonly db: Database;
  private readonly defaults: ValidationPolicy;
  private readonly cache = new Map<string, { at: number; policy: ValidationPolicy }>();

  constructor(db: Database, enforcement: ProfileEnforcement) {
    this.db = db;
    this.defaults = validationPolicy(enforcement);
  }

  async policyFor(tenantId: string): Promise<ValidationPolicy> {
    const hit = this.cache.get(tenantId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.policy;
    const own = await this.rows(tenantId);
    const policy: ValidationPolicy = { requiredProfiles: { ...this.defaults.requiredProfiles, ...Object.fromEntries(own) } };
    this.cache.set(tenantId, { at: Date.now(), policy });
    return policy;
  }

  async list(tenantId: string): Promise<RequirementView[]> {
    const own = await this.rows(tenantId);
    const types = new Set([...Object.keys(this.defaults.requiredProfiles), ...own.keys()]);
    return [...types].sort().map((resourceType) => {
      const mine = own.get(resourceType);
      return mine
        ? { resourceType, profiles: mine, source: 'tenant' as const }
        : { resourceType, profiles: [...(this.defaults.requiredProfiles[resourceType] ?? [])], source: 'default' as const };
    });
  }

  async set(tenantId: string, resourceType: string, profiles: string[]): Promise<void> {
    await this.db.transaction({ tenantId }, (sql) =>
      sql.query(
        `INSERT INTO tenant_profile_requirement (tenant_id, resource_type, profiles) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id, resource_type) DO UPDATE SET profiles = EXCLUDED.profiles, updated_at = now()`,
        [tenantId, resourceType, profiles],
      ),
    );
    this.cache.delete(tenantId);
  }

  /** Back to the platform default for the type. */
  async reset(tenantId: string, resourceType: string): Promise<boolean> {
    const r = await this.db.transaction({ tenantId }, (sql) =>
      sql.query('DELETE FROM tenant_profile_requirement WHERE tenant_id = $1 AND resource_type = $2', [tenantId, resourceType]),
    );
    this.cache.delete(tenantId);
    return (r.rowCount ?? 0) > 0;
  }

  private async rows(tenantId: string): Promise<Map<string, string[]>> {
    const r = await this.db.transaction({ tenantId }, (sql) =>
      sql.query<{ resource_type: string; profiles: string[] }>('SELECT resource_type, profiles FROM tenant_profile_requirement'),
    );
    return new Map(r.rows.map((row) => [row.resource_type, row.profiles]));
  }
}
