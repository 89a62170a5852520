import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isGone, OperationOutcomeError } from '@medplum/core';
import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';
import type { Database } from '../db/database.ts';
import { PostgresRepository } from '../repo/postgres-repository.ts';
import { conformance, type LoadedPackage } from '../validation/conformance.ts';
import { FORMULARY_CSV, formularyMedications } from './formulary.ts';

/**
 * Copies the profile packages' CodeSystems and ValueSets into a tenant's FHIR store, so that
 * `GET ValueSet?url=...`, `_include`s and the tenant's own tooling find them like any resource.
 * Done once per tenant and package version (tenant_package); a newer package version replaces
 * them. Validation and the terminology operations read the in-memory registry, not these copies.
 * FHIR core's ~2,400 code systems and value sets are not copied: the operations serve them.
 */
export async function syncPackageTerminology(db: Database, tenantId: string, baseUrl: string): Promise<number> {
  let written = 0;
  for (const pkg of conformance().packages) {
    const done = await db.transaction({ tenantId }, (sql) =>
      sql.query<{ version: string }>('SELECT version FROM tenant_package WHERE package = $1', [pkg.name]),
    );
    if (done.rows[0]?.version === pkg.version) continue;
    const resources = terminologyResources(pkg);
    const repo = new PostgresRepository({ db, tenant: { tenantId }, baseUrl, updateCreate: true });
    await repo.withTransaction(
      async (tx) => {
        for (const resource of resources) {
          // Same id as in the package: the copy is the package's, replaced on upgrade.
          await tx.updateResource(resource);
          written++;
        }
        await tx.query((sql) =>
          sql.query(
            `INSERT INTO tenant_package (tenant_id, package, version) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_id, package) DO UPDATE SET version = EXCLUDED.version, synced_at = now()`,
            [tenantId, pkg.name, pkg.version],
          ),
        );
      },
      { serializable: false, resourceTypes: ['CodeSystem', 'ValueSet'] },
    );
  }
  return written + (await syncStarterFormulary(db, tenantId, baseUrl));
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
      await tx.query((sql) =>
        sql.query(
          `INSERT INTO tenant_package (tenant_id, package, version) VALUES ($1, $2, $3)
           ON CONFLICT (tenant_id, package) DO UPDATE SET version = EXCLUDED.version, synced_at = now()`,
          [tenantId, FORMULARY_PACKAGE, version],
        ),
      );
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
