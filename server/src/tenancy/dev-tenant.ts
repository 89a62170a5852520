import { isUUID } from '@medplum/core';
import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config.ts';
import type { Database, TenantSettings } from '../db/database.ts';
import { sendFhir } from '../http/fhir-handler.ts';
import { outcome } from '../http/outcomes.ts';
import { tenantIsActive } from './tenants.ts';

/**
 * DEVELOPMENT ONLY - replaced by login and SMART tokens (issue 4).
 * Picks the tenant a request acts for: DEV_TENANT_ID, or the X-Dev-Tenant header when
 * DEV_TENANT_HEADER is on (tests use it to act as two tenants). Never enable that in production.
 */
export function devTenantMiddleware(config: Config, db: Database) {
  const known = new Set<string>();
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = config.DEV_TENANT_HEADER ? req.get('x-dev-tenant') : undefined;
    const tenantId = header ?? config.DEV_TENANT_ID;
    if (!isUUID(tenantId)) {
      sendFhir(res, 401, outcome('unauthorized', 'login', 'X-Dev-Tenant must be a tenant UUID'));
      return;
    }
    if (!known.has(tenantId)) {
      if (!(await tenantIsActive(db, tenantId))) {
        sendFhir(res, 401, outcome('unauthorized', 'login', 'Unknown or inactive tenant'));
        return;
      }
      known.add(tenantId);
    }
    const tenant: TenantSettings = { tenantId };
    res.locals.tenant = tenant;
    next();
  };
}
