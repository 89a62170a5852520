import { randomUUID } from 'node:crypto';
import { allOk, badRequest, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { Encounter, Identifier, Patient } from '@medplum/fhirtypes';
import type { Sql } from '../../../db/database.ts';
import type { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { ABDM_QUEUE_NAME, type AbdmContext, auditAbdm, tenantRepository } from '../context.ts';
import { AbdmGatewayError } from '../gateway/client.ts';
import { abdmNotSetUp } from '../outcomes.ts';
import { abdmRuntime } from '../runtime.ts';
import { careContextOf } from './care-context.ts';

/**
 * HIP-initiated linking (docs/abdm.md): when an OPD visit or a hospital stay finishes, it is offered to the patient's
 * ABHA address as a care context. `Encounter/[id]/$abdm-link` (called by the abdm-care-context bot,
 * or staff) queues the work; the job asks the gateway for the patient's link token once (it is
 * valid six months and kept in abdm_link_token), then sends link/carecontext with it. Gateway
 * credentials stay in the server: the bot only says which visit.
 */

const LINK_TOKEN_LIFE_MS = 180 * 24 * 3600 * 1000;
/** A token this close to its end is not used: asking for a new one is cheaper than a refusal mid-link. */
const TOKEN_MARGIN_MS = 24 * 3600 * 1000;
/** A generate-token call unanswered this long is asked again. */
const PENDING_MS = 10 * 60_000;

export interface LinkJob {
  tenantId: string;
  hipId: string;
  encounterId: string;
}

export interface CallbackJob {
  tenantId: string;
  hipId: string;
  requestId: string;
  body: Record<string, unknown>;
}

const isAbha = (i: Identifier) =>
  /healthid|abdm|ndhm/.test(i.system ?? '') || Boolean(i.type?.coding?.some((c) => c.code === 'ABHA' || c.code === 'HIN'));

/** The patient's ABHA address (name@abdm) and 14-digit number, told apart by form as systems vary. */
export function abhaOf(patient: Patient): { address?: string; number?: string } {
  const ids = (patient.identifier ?? []).filter((i) => i.value && isAbha(i));
  const address = ids.find((i) => /^[A-Za-z0-9._]{3,}@(sbx|abdm)$/.test(i.value as string))?.value;
  const number = ids.map((i) => (i.value as string).replace(/-/g, '')).find((v) => /^\d{14}$/.test(v));
  return { address, number };
}

async function hipOfTenant(ctx: AbdmContext, sql: Sql, tenantId: string): Promise<string | undefined> {
  const r = await sql.query<{ service_id: string }>(
    "SELECT service_id FROM abdm_service WHERE service_type = 'HIP' ORDER BY created_at LIMIT 1",
  );
  return r.rows[0]?.service_id ?? (tenantId === ctx.config.TENANT_ID ? ctx.config.ABDM_HIP_ID : undefined);
}

const GENDER: Record<string, string> = { male: 'M', female: 'F', other: 'O', unknown: 'U' };

function patientEntry(patient: Patient, encounter: Encounter) {
  const display = patient.name?.[0]?.text ?? [patient.name?.[0]?.given?.join(' '), patient.name?.[0]?.family].filter(Boolean).join(' ');
  const context = careContextOf(encounter);
  return {
    referenceNumber: patient.id,
    display: display || 'Patient',
    careContexts: [{ referenceNumber: encounter.id, display: context.display }],
    hiType: context.hiType,
    count: 1,
  };
}

// ---- the FHIR operation ------------------------------------------------------------------------

async function linkOperation(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const { resourceType, id } = req.params;
  if (resourceType !== 'Encounter')
    throw new OperationOutcomeError(badRequest(`$abdm-link is an operation on Encounter, not ${resourceType}`));
  const runtime = abdmRuntime(repo.database);
  if (!runtime) throw abdmNotSetUp();
  // Read through the caller's repository: what they may not read they cannot offer to ABDM.
  const encounter = await repo.readResource<Encounter>('Encounter', id);
  if (encounter.status !== 'finished')
    throw new OperationOutcomeError(badRequest('Only a finished visit or stay is linked as a care context.'));
  const patientId = /^Patient\/([^/]+)$/.exec(encounter.subject?.reference ?? '')?.[1];
  if (!patientId) throw new OperationOutcomeError(badRequest('The visit names no patient of this server.'));
  const patient = await repo.readResource<Patient>('Patient', patientId);
  const abha = abhaOf(patient);
  if (!abha.address) throw new OperationOutcomeError(badRequest('The patient has no ABHA address (name@abdm) to link the visit to.'));
  const { tenantId, hipId, status, stamp } = await repo.query(async (sql) => {
    const tenant = (await sql.query<{ t: string }>('SELECT app_current_tenant()::text AS t')).rows[0]?.t as string;
    const hip = await hipOfTenant(runtime.context, sql, tenant);
    if (!hip) return { tenantId: tenant, hipId: undefined, status: undefined, stamp: '' };
    await sql.query(
      `INSERT INTO abdm_care_context (tenant_id, hip_id, encounter_id, patient_id, abha_address, status)
       VALUES (app_current_tenant(), $1, $2, $3, $4, 'waiting-token') ON CONFLICT DO NOTHING`,
      [hip, id, patientId, abha.address],
    );
    const row = await sql.query<{ status: string; updated_at: Date }>(
      'SELECT status, updated_at FROM abdm_care_context WHERE hip_id = $1 AND encounter_id = $2',
      [hip, id],
    );
    return { tenantId: tenant, hipId: hip, status: row.rows[0]?.status, stamp: String(new Date(row.rows[0]?.updated_at ?? 0).getTime()) };
  });
  if (!hipId) throw new OperationOutcomeError(badRequest('This facility is not registered with ABDM as a HIP.'));
  if (status !== 'linked') {
    await runtime.jobs.add(ABDM_QUEUE_NAME, 'hip-link-care-context', { tenantId, hipId, encounterId: id } satisfies LinkJob, {
      jobId: `abdm-link-${tenantId}-${id}-${stamp}`,
    });
  }
  const text = status === 'linked' ? 'The visit is linked to the ABHA address already.' : 'The visit will be linked to the ABHA address.';
  return [allOk, { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', details: { text } }] }];
}

export function addAbdmLinkOperation(router: FhirRouter): void {
  router.add('POST', ':resourceType/:id/$abdm-link', (req: FhirRequest, repo: unknown) => linkOperation(req, repo as PostgresRepository));
}

// ---- the jobs ----------------------------------------------------------------------------------

/** Sends link/carecontext with the patient's token, or asks for a token first. */
export async function handleLink(ctx: AbdmContext, job: LinkJob): Promise<void> {
  const repo = tenantRepository(ctx, job.tenantId);
  const encounter = await repo.readResource<Encounter>('Encounter', job.encounterId);
  const patient = await repo.readResource<Patient>('Patient', /^Patient\/(.+)$/.exec(encounter.subject?.reference ?? '')?.[1] ?? '-');
  const abha = abhaOf(patient);
  if (!abha.address) return;
  const tx = (fn: (sql: Sql) => Promise<unknown>) => ctx.db.transaction({ tenantId: job.tenantId }, fn);
  const state = (await tx(async (sql) => {
    const cc = await sql.query<{ status: string }>('SELECT status FROM abdm_care_context WHERE hip_id = $1 AND encounter_id = $2', [
      job.hipId,
      job.encounterId,
    ]);
    const token = await sql.query<{ link_token: string | null; expires_at: Date | null; pending_since: Date | null }>(
      'SELECT link_token, expires_at, pending_since FROM abdm_link_token WHERE hip_id = $1 AND abha_address = $2',
      [job.hipId, abha.address],
    );
    return { status: cc.rows[0]?.status, token: token.rows[0] };
  })) as { status?: string; token?: { link_token: string | null; expires_at: Date | null; pending_since: Date | null } };
  if (state.status === 'linked') return;
  const usable = state.token?.link_token && new Date(state.token.expires_at ?? 0).getTime() - Date.now() > TOKEN_MARGIN_MS;
  if (usable) {
    // Recorded before the call: the gateway's on_carecontext may come back before the call returns.
    const requestId = randomUUID();
    await tx((sql) =>
      sql.query(
        "UPDATE abdm_care_context SET status = 'requested', request_id = $3, detail = NULL, updated_at = now() WHERE hip_id = $1 AND encounter_id = $2",
        [job.hipId, job.encounterId, requestId],
      ),
    );
    try {
      await ctx.gateway.post(
        '/hip/v3/link/carecontext',
        { ...(abha.number ? { abhaNumber: abha.number } : {}), abhaAddress: abha.address, patient: [patientEntry(patient, encounter)] },
        { hipId: job.hipId, linkToken: state.token?.link_token as string, requestId },
      );
      return;
    } catch (err) {
      // A token the gateway no longer takes is dropped and a new one asked for; anything else is retried.
      if (!(err instanceof AbdmGatewayError) || !['ABDM-1026', 'ABDM-1038', 'ABDM-1063'].includes(err.code ?? '')) throw err;
      await tx((sql) =>
        sql.query('UPDATE abdm_link_token SET link_token = NULL, expires_at = NULL WHERE hip_id = $1 AND abha_address = $2', [
          job.hipId,
          abha.address,
        ]),
      );
    }
  }
  await tx((sql) =>
    sql.query("UPDATE abdm_care_context SET status = 'waiting-token', updated_at = now() WHERE hip_id = $1 AND encounter_id = $2", [
      job.hipId,
      job.encounterId,
    ]),
  );
  // One generate-token call at a time per patient: the gateway blocks repeated ones for 24 hours.
  if (state.token?.pending_since && Date.now() - new Date(state.token.pending_since).getTime() < PENDING_MS) return;
  const birthYear = Number(patient.birthDate?.slice(0, 4));
  // Recorded before the call, as above; a call that fails leaves no pending mark to wait ten minutes on.
  const requestId = randomUUID();
  await tx((sql) =>
    sql.query(
      `INSERT INTO abdm_link_token (tenant_id, hip_id, abha_address, pending_request_id, pending_since) VALUES (app_current_tenant(), $1, $2, $3, now())
       ON CONFLICT (tenant_id, hip_id, abha_address) DO UPDATE SET pending_request_id = excluded.pending_request_id, pending_since = now()`,
      [job.hipId, abha.address, requestId],
    ),
  );
  try {
    await ctx.gateway.post(
      '/v3/token/generate-token',
      {
        ...(abha.number ? { abhaNumber: abha.number } : {}),
        abhaAddress: abha.address,
        name: patientEntry(patient, encounter).display,
        gender: GENDER[patient.gender ?? 'unknown'] ?? 'U',
        yearOfBirth: Number.isInteger(birthYear) ? birthYear : undefined,
      },
      { hipId: job.hipId, requestId },
    );
  } catch (err) {
    await tx((sql) =>
      sql.query(
        'UPDATE abdm_link_token SET pending_request_id = NULL, pending_since = NULL WHERE hip_id = $1 AND abha_address = $2 AND pending_request_id = $3',
        [job.hipId, abha.address, requestId],
      ),
    );
    throw err;
  }
}

/** on-generate-token: keep the token, then link every visit that waited for it. */
export async function handleLinkToken(ctx: AbdmContext, job: CallbackJob, enqueue: (link: LinkJob) => Promise<void>): Promise<void> {
  const answered = String((job.body.response as { requestId?: unknown } | undefined)?.requestId ?? '');
  const error = job.body.error as { code?: string; message?: string } | undefined;
  const waiting = (await ctx.db.transaction({ tenantId: job.tenantId }, async (sql) => {
    const row = await sql.query<{ abha_address: string }>(
      'SELECT abha_address FROM abdm_link_token WHERE hip_id = $1 AND pending_request_id::text = $2',
      [job.hipId, answered.toLowerCase()],
    );
    const abhaAddress = row.rows[0]?.abha_address;
    if (!abhaAddress) return undefined;
    if (error || typeof job.body.linkToken !== 'string' || job.body.abhaAddress !== abhaAddress) {
      await sql.query(
        'UPDATE abdm_link_token SET pending_request_id = NULL, pending_since = NULL WHERE hip_id = $1 AND abha_address = $2',
        [job.hipId, abhaAddress],
      );
      await sql.query(
        "UPDATE abdm_care_context SET status = 'failed', detail = $3, updated_at = now() WHERE hip_id = $1 AND abha_address = $2 AND status = 'waiting-token'",
        [job.hipId, abhaAddress, `No link token: ${error?.code ?? ''} ${error?.message ?? 'the gateway answered without one'}`.trim()],
      );
      return [];
    }
    await sql.query(
      `UPDATE abdm_link_token SET link_token = $3, expires_at = $4, pending_request_id = NULL, pending_since = NULL
       WHERE hip_id = $1 AND abha_address = $2`,
      [job.hipId, abhaAddress, job.body.linkToken, new Date(Date.now() + LINK_TOKEN_LIFE_MS).toISOString()],
    );
    const r = await sql.query<{ encounter_id: string }>(
      "SELECT encounter_id FROM abdm_care_context WHERE hip_id = $1 AND abha_address = $2 AND status = 'waiting-token'",
      [job.hipId, abhaAddress],
    );
    return r.rows.map((x) => x.encounter_id);
  })) as string[] | undefined;
  if (!waiting) {
    await auditAbdm(ctx, {
      tenantId: job.tenantId,
      requestId: job.requestId,
      outcome: '4',
      detail: 'ABDM on-generate-token answers no generate-token call of ours: ignored.',
    });
    return;
  }
  for (const encounterId of waiting) await enqueue({ tenantId: job.tenantId, hipId: job.hipId, encounterId });
}

/** on_carecontext: the gateway's answer to our link call. */
export async function handleLinkResult(ctx: AbdmContext, job: CallbackJob): Promise<void> {
  const answered = String((job.body.response as { requestId?: unknown } | undefined)?.requestId ?? '');
  const error = job.body.error as { code?: string; message?: string } | undefined;
  const updated = (await ctx.db.transaction({ tenantId: job.tenantId }, (sql) =>
    sql.query(
      "UPDATE abdm_care_context SET status = $3, detail = $4, updated_at = now() WHERE hip_id = $1 AND request_id::text = $2 AND status = 'requested'",
      [
        job.hipId,
        answered.toLowerCase(),
        error ? 'failed' : 'linked',
        error ? `${error.code ?? ''} ${error.message ?? ''}`.trim() : String(job.body.status ?? ''),
      ],
    ),
  )) as { rowCount: number };
  if (updated.rowCount === 0) {
    await auditAbdm(ctx, {
      tenantId: job.tenantId,
      requestId: job.requestId,
      outcome: '4',
      detail: 'ABDM on_carecontext answers no link call of ours: ignored.',
    });
  }
}
