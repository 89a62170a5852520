import type { Patient, Resource } from '@medplum/fhirtypes';
import type { Database, Sql } from '../db/database.ts';
import type { PostgresRepository } from '../repo/postgres-repository.ts';
import { compartmentMemberTypes } from '../search/compartments.ts';

/**
 * A patient's right to erasure (DPDP Act 2023, s. 12) within the medical-records retention rule:
 * records are kept RETENTION_YEARS (7 by default) after the patient's last clinical record, so
 * erasure is refused until then. When allowed, the patient is pseudonymised, not deleted: the
 * clinical records stay (for the hospital's statistics and legal duties) but no longer name anyone.
 * The resource id remains as the only key, with no meaning outside this tenant.
 */

export class RetentionError extends Error {
  readonly keepUntil: string;
  constructor(keepUntil: string, retentionYears: number) {
    super(
      `Medical records must be kept for ${retentionYears} years after the last visit, until ${keepUntil.slice(0, 10)}. ` +
        'Record the request; processing can be restricted with a Consent until then.',
    );
    this.keepUntil = keepUntil;
  }
}

export const ERASED_TAG = { system: 'https://hospital-ops.in/fhir/CodeSystem/privacy', code: 'erased', display: 'Identity erased (DPDP)' };

/** The patient without anything that identifies a person: name, contacts, identifiers, photo, address, exact birth date. */
export function pseudonymised(patient: Patient): Patient {
  return {
    resourceType: 'Patient',
    id: patient.id,
    meta: { ...patient.meta, tag: [...(patient.meta?.tag ?? []).filter((t) => t.code !== ERASED_TAG.code), ERASED_TAG] },
    active: false,
    name: [{ text: 'Erased patient' }],
    gender: patient.gender,
    // The year alone keeps age-band statistics possible.
    ...(patient.birthDate ? { birthDate: patient.birthDate.slice(0, 4) } : {}),
    ...(patient.deceasedBoolean !== undefined ? { deceasedBoolean: patient.deceasedBoolean } : {}),
    ...(patient.deceasedDateTime ? { deceasedDateTime: patient.deceasedDateTime.slice(0, 4) } : {}),
  };
}

/** Drops `display` from every Reference to the patient (an Encounter's subject often carries the name). */
function withoutPatientDisplay(value: unknown, target: string): { value: unknown; changed: boolean } {
  let changed = false;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      if (k === 'display' && o.reference === target) {
        changed = true;
        continue;
      }
      out[k] = walk(x);
    }
    return out;
  };
  const value2 = walk(value);
  return { value: value2, changed };
}

/** The newest last_updated among the resources that refer to the patient (its clinical record). */
async function lastClinicalRecord(sql: Sql, patientId: string): Promise<string | undefined> {
  const refs = await sql.query<{ resource_type: string }>(
    'SELECT DISTINCT resource_type FROM sp_reference WHERE tenant_id = app_current_tenant() AND target = $1',
    [`Patient/${patientId}`],
  );
  let newest: string | undefined;
  for (const { resource_type } of refs.rows) {
    if (!/^[A-Z][A-Za-z]+$/.test(resource_type) || resource_type === 'Patient') continue;
    const { rows } = await sql.query<{ at: string | null }>(
      `SELECT max(t.last_updated)::text AS at FROM "${resource_type}" t
        JOIN sp_reference r ON r.tenant_id = t.tenant_id AND r.resource_type = $2 AND r.resource_id = t.id
       WHERE t.tenant_id = app_current_tenant() AND r.target = $1`,
      [`Patient/${patientId}`, resource_type],
    );
    const at = rows[0]?.at ?? undefined;
    if (at && (!newest || Date.parse(at) > Date.parse(newest))) newest = at;
  }
  return newest;
}

/** Rewrites stored versions in place (history is otherwise immutable): the earlier versions of the patient and references to it. */
async function scrubStoredVersions(sql: Sql, patientId: string): Promise<{ versions: number; references: number }> {
  const target = `Patient/${patientId}`;
  const history = await sql.query<{ version_id: number; content: Patient | null }>(
    'SELECT version_id, content FROM "Patient_History" WHERE tenant_id = app_current_tenant() AND id = $1',
    [patientId],
  );
  let versions = 0;
  for (const row of history.rows) {
    if (!row.content) continue;
    await sql.query('UPDATE "Patient_History" SET content = $3 WHERE tenant_id = app_current_tenant() AND id = $1 AND version_id = $2', [
      patientId,
      row.version_id,
      JSON.stringify(pseudonymised(row.content)),
    ]);
    versions++;
  }
  let references = 0;
  for (const type of compartmentMemberTypes('Patient')) {
    if (type === 'Patient' || !/^[A-Z][A-Za-z]+$/.test(type)) continue;
    for (const table of [`"${type}"`, `"${type}_History"`]) {
      const key = table.endsWith('_History"') ? 'id, version_id' : 'id';
      const rows = await sql.query<{ id: string; version_id?: number; content: Resource | null }>(
        `SELECT ${key}, content FROM ${table} WHERE tenant_id = app_current_tenant() AND content::text LIKE $1`,
        [`%"${target}"%`],
      );
      for (const row of rows.rows) {
        const { value, changed } = withoutPatientDisplay(row.content, target);
        if (!changed) continue;
        const where = row.version_id === undefined ? 'id = $1' : 'id = $1 AND version_id = $3';
        await sql.query(`UPDATE ${table} SET content = $2 WHERE tenant_id = app_current_tenant() AND ${where}`, [
          row.id,
          JSON.stringify(value),
          ...(row.version_id === undefined ? [] : [row.version_id]),
        ]);
        references++;
      }
    }
  }
  return { versions, references };
}

export interface ErasureResult {
  patient: string;
  lastClinicalRecord?: string;
  versionsScrubbed: number;
  referencesScrubbed: number;
}

/**
 * Erases a patient's identity if the retention period allows. Earlier versions and references are
 * scrubbed first, then the current version is replaced through the repository (so search no
 * longer finds the name or phone): a failure part-way leaves nothing identifying that a retry does
 * not remove, and a retry converges on the same result.
 */
export async function erasePatient(options: {
  db: Database;
  repo: PostgresRepository;
  tenantId: string;
  patientId: string;
  retentionYears: number;
  now?: Date;
}): Promise<ErasureResult> {
  const { db, repo, tenantId, patientId, retentionYears } = options;
  const patient = await repo.readResource<Patient>('Patient', patientId);
  const last = await db.transaction({ tenantId }, (sql) => lastClinicalRecord(sql, patientId), { readOnly: true });
  if (last) {
    const keepUntil = new Date(last);
    keepUntil.setUTCFullYear(keepUntil.getUTCFullYear() + retentionYears);
    if (keepUntil > (options.now ?? new Date())) throw new RetentionError(keepUntil.toISOString(), retentionYears);
  }
  // Stored versions are immutable to the runtime role: rewriting them is the owner's, for this one
  // act of a super_admin (a connection opened for it and closed after; docs/security.md).
  const scrubbed = await db.asOwner(async (sql) => {
    await sql.exec('BEGIN');
    try {
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [tenantId]);
      const result = await scrubStoredVersions(sql, patientId);
      await sql.exec('COMMIT');
      return result;
    } catch (err) {
      await sql.exec('ROLLBACK');
      throw err;
    }
  });
  await repo.updateResource(pseudonymised(patient));
  return {
    patient: `Patient/${patientId}`,
    lastClinicalRecord: last,
    versionsScrubbed: scrubbed.versions,
    referencesScrubbed: scrubbed.references,
  };
}
