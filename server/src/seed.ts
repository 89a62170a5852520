import { isOk } from '@medplum/core';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { createUser, findUserByLogin } from './auth/store.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { createFhirRouter } from './fhir/router.ts';
import type { Logger } from './logger.ts';
import { PostgresRepository } from './repo/postgres-repository.ts';
import { ensureTenant } from './tenancy/tenants.ts';

/**
 * Loads the demo tenant (a hospital chain with two branches, staff and patients) as one FHIR
 * transaction. Every entry is a PUT to a fixed id, so loading twice changes nothing. With
 * `skipIfPresent`, nothing is loaded once the chain exists or ever existed.
 */
export async function loadDemoTenant(
  db: Database,
  config: Config,
  options: { skipIfPresent?: boolean } = {},
): Promise<{ created: number; existing: number; skipped?: boolean }> {
  // Loaded on demand: a server that does not seed never reads the demo data.
  const { demoTenantBundle, demoWardsBundle, demoResourceId, DEMO_CHAIN_SLUG, DEMO_TENANT_NAME } = await import('@hospital-ops/seed');
  const tenantId = config.TENANT_ID;
  await ensureTenant(db, tenantId, DEMO_TENANT_NAME);
  const repo = new PostgresRepository({ db, tenant: { tenantId }, baseUrl: config.baseUrl, updateCreate: true });
  if (options.skipIfPresent) {
    const present = await repo.assertHasHistory('Organization', demoResourceId(DEMO_CHAIN_SLUG)).then(
      () => true,
      () => false,
    );
    if (present) return { created: 0, existing: 0, skipped: true };
  }
  // The tenant first, then its wards and beds (docs/ipd.md): a transaction takes at most 50 updates.
  const entries: BundleEntry[] = [];
  for (const bundle of [demoTenantBundle(), demoWardsBundle()]) {
    const [outcome, result] = await createFhirRouter().handleRequest(
      { method: 'POST', url: '', pathname: '', params: {}, query: {}, body: bundle, config: { transactions: true } },
      repo,
    );
    const loaded = (result as Bundle | undefined)?.entry;
    if (!loaded) throw new Error(`Demo tenant load failed: ${JSON.stringify(outcome)}`);
    entries.push(...loaded);
  }
  // The lab's starter catalogue, through its FHIR operation (the platform does not import the
  // lab feature): the demo's Lab app has tests to work on from the first start (docs/lab.md).
  const [labOutcome] = await createFhirRouter().handleRequest(
    {
      method: 'POST',
      url: 'ActivityDefinition/$load-lab-catalogue',
      pathname: '',
      params: {},
      query: {},
      body: { resourceType: 'Parameters' },
    },
    repo,
  );
  if (!isOk(labOutcome)) throw new Error(`Demo lab catalogue load failed: ${JSON.stringify(labOutcome)}`);
  const created = entries.filter((e) => e.response?.status?.startsWith('201')).length;
  return { created, existing: entries.length - created };
}

/**
 * On the embedded default the demo tenant is there from the first start (SEED_DEMO=false skips
 * it). Only the first: once the chain exists (or was deleted), users' edits to the demo data are
 * theirs, and a restart must not put the demo values back.
 */
export function demoWanted(config: Config): boolean {
  return config.SEED_DEMO ?? !config.DATABASE_URL;
}

/**
 * Sign-ins for the demo's front desks and doctors, all with DEMO_PASSWORD, so the apps can be
 * tried at once. Only logins that do not exist yet are created; a changed password stays changed.
 */
export async function createDemoLogins(db: Database, config: Config): Promise<string[]> {
  const { demoStaff } = await import('@hospital-ops/seed');
  const missing = [];
  for (const s of demoStaff()) if (!(await findUserByLogin(db, s.email))) missing.push(s);
  // Together: each password hash takes ~0.1 s of one core, and Node hashes on its thread pool.
  await Promise.all(missing.map((s) => createUser(db, config.TENANT_ID, { ...s, password: config.DEMO_PASSWORD })));
  return missing.map((s) => s.email);
}

export async function seedOnFirstStart(db: Database, config: Config, logger: Logger): Promise<void> {
  if (!demoWanted(config)) return;
  const { created, existing, skipped } = await loadDemoTenant(db, config, { skipIfPresent: true });
  if (!skipped) {
    const logins = await createDemoLogins(db, config);
    logger.info(
      { tenant: config.TENANT_ID, resources: created + existing, logins, password: config.DEMO_PASSWORD },
      'demo tenant loaded, with demo sign-ins',
    );
  }
}
