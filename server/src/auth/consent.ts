import type { Consent, ConsentProvision } from '@medplum/fhirtypes';
import type { Database } from '../db/database.ts';

/** A patient's refusal that applies to the current request: none of these resource types (all when absent). */
export interface ConsentDenial {
  patient: string;
  types?: string[];
}

/** Who is asking and why, as Consent provisions name them. */
export interface ConsentActor {
  /** References that identify the actor: `Practitioner/1`, `Organization/<branch>`, `PractitionerRole/..`. */
  references: string[];
  /** Purpose of use (v3 ActReason code, e.g. TREAT, HPAYMT, HRESCH). */
  purpose: string;
}

const CACHE_MS = 5_000;
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';

/** Deny provisions at any depth (a permit with nested denials is the common "all but" shape). */
function denyProvisions(p: ConsentProvision | undefined, out: ConsentProvision[] = []): ConsentProvision[] {
  if (!p) return out;
  if (p.type === 'deny') out.push(p);
  for (const child of p.provision ?? []) denyProvisions(child, out);
  return out;
}

function inPeriod(p: ConsentProvision, now: number): boolean {
  const start = p.period?.start ? Date.parse(p.period.start) : Number.NEGATIVE_INFINITY;
  const end = p.period?.end ? Date.parse(p.period.end) : Number.POSITIVE_INFINITY;
  return start <= now && now <= end;
}

/**
 * Patients' active Consents, read per tenant and kept briefly (a Consent written through this
 * process takes effect at once; one written through another process within CACHE_MS).
 * A deny provision applies when it names the actor (or no actor), the request's purpose (or no
 * purpose), and is in its period; its classes (resource types) narrow what it covers.
 */
export class ConsentRules {
  private readonly db: Database;
  private readonly cache = new Map<string, { at: number; consents: Consent[] }>();

  constructor(db: Database) {
    this.db = db;
  }

  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  private async active(tenantId: string): Promise<Consent[]> {
    const hit = this.cache.get(tenantId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.consents;
    const r = await this.db.transaction({ tenantId }, (sql) =>
      sql.query<{ content: Consent }>(
        `SELECT content FROM "Consent" WHERE deleted = false AND content->>'status' = 'active' AND content::text LIKE '%"deny"%'`,
      ),
    );
    const consents = r.rows.map((x) => x.content);
    this.cache.set(tenantId, { at: Date.now(), consents });
    return consents;
  }

  async denials(tenantId: string, actor: ConsentActor): Promise<ConsentDenial[]> {
    const now = Date.now();
    const out: ConsentDenial[] = [];
    for (const consent of await this.active(tenantId)) {
      const patient = consent.patient?.reference;
      if (!patient?.startsWith('Patient/')) continue;
      for (const p of denyProvisions(consent.provision)) {
        if (!inPeriod(p, now)) continue;
        const actors = (p.actor ?? []).map((a) => a.reference?.reference).filter(Boolean) as string[];
        if (actors.length && !actors.some((a) => actor.references.includes(a))) continue;
        const purposes = (p.purpose ?? []).map((c) => c.code);
        if (purposes.length && !purposes.includes(actor.purpose)) continue;
        const types = (p.class ?? []).filter((c) => !c.system || c.system === RESOURCE_TYPES).map((c) => c.code as string);
        out.push({ patient: patient.slice('Patient/'.length), types: types.length ? types : undefined });
      }
    }
    return out;
  }
}
