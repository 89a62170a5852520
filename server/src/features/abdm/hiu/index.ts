import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { allOk, badRequest, OperationOutcomeError } from '@medplum/core';
import type { FhirRequest, FhirResponse, FhirRouter } from '@medplum/fhir-router';
import type { Bundle, OperationOutcomeIssue, Parameters, Patient, Provenance } from '@medplum/fhirtypes';
import type { Sql } from '../../../db/database.ts';
import { validator } from '../../../fhir/validate.ts';
import type { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { type AbdmContext, auditAbdm, callGateway, tenantRepository } from '../context.ts';
import { decrypt, FideliusError, generateKeyMaterial } from '../fidelius/index.ts';
import type { ConsentDetail } from '../hip/consent.ts';
import { abhaOf } from '../hip/linking.ts';
import { abdmNotSetUp, abdmRefused, askAbdm } from '../outcomes.ts';
import { abdmRuntime } from '../runtime.ts';

/**
 * The HIU side (docs/abdm.md): a doctor's consent request for a patient's records at other
 * facilities (`Patient/[id]/$abdm-consent-request`), the artefacts the patient grants (fetched and
 * their signature checked), a data request per artefact with fresh key material, and the pushed
 * pages: decrypted, checked against the artefact (care context, checksum, IG validity) and
 * imported as external document Bundles, each with a Provenance naming the HIP and the consent.
 * Every callback must answer one of our own calls (matched by our REQUEST-ID, per tenant).
 */

export const EXTERNAL_TAG = {
  system: 'https://hospital-ops.in/fhir/CodeSystem/record-origin',
  code: 'abdm-external',
  display: 'Received over ABDM',
};
const HI_TYPES = [
  'OPConsultation',
  'Prescription',
  'DischargeSummary',
  'DiagnosticReport',
  'ImmunizationRecord',
  'HealthDocumentRecord',
  'WellnessRecord',
  'Invoice',
];
const DAY_MS = 86_400_000;

export interface HiuCallJob {
  tenantId: string;
  hiuId: string;
  requestId: string;
  body: Record<string, any>;
}

const tx = <T>(ctx: AbdmContext, tenantId: string, fn: (sql: Sql) => Promise<T>) => ctx.db.transaction({ tenantId }, fn);
const answered = (body: Record<string, any>) => String(body.response?.requestId ?? '').toLowerCase();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const asUuid = (v: string) => (UUID.test(v) ? v : '00000000-0000-0000-0000-000000000000');

async function hiuOfTenant(ctx: AbdmContext, sql: Sql, tenantId: string): Promise<string | undefined> {
  const r = await sql.query<{ service_id: string }>(
    "SELECT service_id FROM abdm_service WHERE service_type = 'HIU' ORDER BY created_at LIMIT 1",
  );
  return r.rows[0]?.service_id ?? (tenantId === ctx.config.TENANT_ID ? ctx.config.ABDM_HIP_ID : undefined);
}

// ---- the FHIR operation ------------------------------------------------------------------------

function param(p: Parameters | undefined, name: string): string[] {
  return (p?.parameter ?? [])
    .filter((x) => x.name === name)
    .map((x) => x.valueCode ?? x.valueString ?? x.valueDateTime ?? x.valueDate ?? '')
    .filter(Boolean);
}

async function consentRequestOperation(req: FhirRequest, repo: PostgresRepository): Promise<FhirResponse> {
  const { resourceType, id } = req.params;
  if (resourceType !== 'Patient')
    throw new OperationOutcomeError(badRequest(`$abdm-consent-request is an operation on Patient, not ${resourceType}`));
  const runtime = abdmRuntime(repo.database);
  if (!runtime) throw abdmNotSetUp();
  const input = req.body as Parameters | undefined;
  const hiTypes = param(input, 'hiType');
  if (hiTypes.length === 0 || hiTypes.some((t) => !HI_TYPES.includes(t))) {
    throw new OperationOutcomeError(badRequest(`hiType is required, one or more of ${HI_TYPES.join(', ')}`, 'hiType'));
  }
  const [from] = param(input, 'from');
  const [to] = param(input, 'to');
  if (!from || !to || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to)) || Date.parse(from) > Date.parse(to)) {
    throw new OperationOutcomeError(badRequest('from and to are required dates, from not after to', 'from'));
  }
  const requester = param(input, 'requester')[0] ?? 'Hospital-Ops doctor';
  const patient = await repo.readResource<Patient>('Patient', id);
  const abhaAddress = abhaOf(patient).address;
  if (!abhaAddress)
    throw abdmRefused('PATIENT_HAS_NO_ABHA', 'The patient has no ABHA address (name@abdm) to ask consent of.', 'abhaAddress');
  const { tenantId, hiuId } = await repo.query(async (sql) => {
    const tenant = (await sql.query<{ t: string }>('SELECT app_current_tenant()::text AS t')).rows[0]?.t as string;
    return { tenantId: tenant, hiuId: await hiuOfTenant(runtime.context, sql, tenant) };
  });
  if (!hiuId) throw abdmNotSetUp('This facility’s registration with ABDM as an HIU');
  // Recorded before the call: the gateway's on-init may come back before the call returns.
  const requestId = randomUUID();
  await tx(runtime.context, tenantId, (sql) =>
    sql.query(
      `INSERT INTO abdm_hiu_request (tenant_id, init_request_id, hiu_id, patient_id, abha_address) VALUES (app_current_tenant(), $1, $2, $3, $4)`,
      [requestId, hiuId, id, abhaAddress],
    ),
  );
  try {
    await askAbdm(() =>
      runtime.context.gateway.post(
        '/consent/v3/request/init',
        {
          consent: {
            purpose: { text: 'Care Management', code: 'CAREMGT' },
            patient: { id: abhaAddress },
            hiu: { id: hiuId },
            requester: { name: requester },
            hiTypes,
            permission: {
              accessMode: 'VIEW',
              dateRange: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
              dataEraseAt: new Date(Date.now() + 30 * DAY_MS).toISOString(),
              frequency: { unit: 'HOUR', value: 1, repeats: 0 },
            },
          },
        },
        { hiuId, requestId },
      ),
    );
  } catch (err) {
    await tx(runtime.context, tenantId, (sql) => sql.query('DELETE FROM abdm_hiu_request WHERE init_request_id = $1', [requestId]));
    throw err;
  }
  const out: Parameters = { resourceType: 'Parameters', parameter: [{ name: 'requestId', valueString: requestId }] };
  return [allOk, out];
}

export function addAbdmConsentRequestOperation(router: FhirRouter): void {
  router.add('POST', ':resourceType/:id/$abdm-consent-request', (req: FhirRequest, repo: unknown) =>
    consentRequestOperation(req, repo as PostgresRepository),
  );
}

// ---- the callbacks -----------------------------------------------------------------------------

async function ignored(ctx: AbdmContext, job: HiuCallJob, what: string): Promise<void> {
  await auditAbdm(ctx, {
    tenantId: job.tenantId,
    requestId: job.requestId,
    outcome: '4',
    detail: `ABDM ${what} answers no call of ours: ignored.`,
  });
}

/** on-init: the gateway's id for our consent request. */
export async function handleOnInit(ctx: AbdmContext, job: HiuCallJob): Promise<void> {
  const id = job.body.consentRequest?.id;
  const r = await tx(ctx, job.tenantId, (sql) =>
    sql.query(
      'UPDATE abdm_hiu_request SET consent_request_id = $2, status = $3 WHERE init_request_id = $1 AND consent_request_id IS NULL',
      [asUuid(answered(job.body)), typeof id === 'string' ? id : null, job.body.error ? 'FAILED' : 'REQUESTED'],
    ),
  );
  if (r.rowCount === 0) await ignored(ctx, job, 'consent on-init');
}

/** notify: the patient decided. Granted artefacts are fetched; every notification is acknowledged. */
export async function handleHiuNotify(ctx: AbdmContext, job: HiuCallJob): Promise<void> {
  const n = job.body.notification ?? {};
  const ids: string[] = (n.consentArtefacts ?? []).map((a: { id?: unknown }) => String(a?.id ?? '')).filter((x: string) => UUID.test(x));
  const known = await tx(ctx, job.tenantId, async (sql) => {
    const r = await sql.query('UPDATE abdm_hiu_request SET status = $2 WHERE consent_request_id = $1', [
      String(n.consentRequestId ?? ''),
      String(n.status ?? ''),
    ]);
    if (r.rowCount === 0) return false;
    if (n.status === 'REVOKED' || n.status === 'EXPIRED') {
      await sql.query('UPDATE abdm_hiu_artefact SET status = $2 WHERE consent_id = ANY($1::uuid[])', [ids, n.status]);
    }
    return true;
  });
  const response = { requestId: job.requestId };
  await callGateway(
    ctx,
    '/consent/v3/request/hiu/on-notify',
    { acknowledgement: ids.map((consentId) => ({ status: 'OK', consentId })), response },
    { hiuId: job.hiuId },
  );
  if (!known) return ignored(ctx, job, 'consent notify');
  if (n.status === 'REVOKED' || n.status === 'EXPIRED') return erase(ctx, job, ids, String(n.status));
  if (n.status !== 'GRANTED') return;
  for (const consentId of ids) {
    // Recorded before the call, so that the on-fetch finds it however soon it comes.
    const requestId = randomUUID();
    await tx(ctx, job.tenantId, (sql) =>
      sql.query(
        `INSERT INTO abdm_hiu_artefact (tenant_id, consent_id, hiu_id, consent_request_id, fetch_request_id, status)
         VALUES (app_current_tenant(), $1, $2, $3, $4, 'FETCHING') ON CONFLICT (tenant_id, consent_id) DO UPDATE SET fetch_request_id = excluded.fetch_request_id`,
        [consentId, job.hiuId, String(n.consentRequestId), requestId],
      ),
    );
    await ctx.gateway.post('/consent/v3/fetch', { consentId }, { hiuId: job.hiuId, requestId });
  }
}

/**
 * A revoked or expired consent: what was received under it is erased (the Bundles and their
 * Provenance), a transfer still open is closed and its key material dropped.
 */
async function erase(ctx: AbdmContext, job: { tenantId: string; requestId?: string }, consentIds: string[], status: string): Promise<void> {
  const kept = await tx(ctx, job.tenantId, async (sql) => {
    const r = await sql.query<{ results: Result[] }>('SELECT results FROM abdm_hiu_transfer WHERE consent_id = ANY($1::uuid[])', [
      consentIds,
    ]);
    await sql.query("UPDATE abdm_hiu_transfer SET status = 'DONE', private_key = NULL, nonce = NULL WHERE consent_id = ANY($1::uuid[])", [
      consentIds,
    ]);
    return r.rows.flatMap((row) => row.results.filter((x) => x.bundle && x.provenance));
  });
  const repo = tenantRepository(ctx, job.tenantId, job.requestId);
  // One resource at a time: one already gone (a repeated notify) must not stop the rest.
  const gone = (err: unknown) => {
    if (!(err instanceof OperationOutcomeError)) throw err;
  };
  for (const k of kept) {
    await repo.deleteResource('Provenance', k.provenance as string).catch(gone);
    await repo.deleteResource('Bundle', k.bundle as string).catch(gone);
  }
  await auditAbdm(ctx, {
    tenantId: job.tenantId,
    requestId: job.requestId,
    outcome: '0',
    detail: `ABDM consent ${consentIds.join(', ')} ${status}: ${kept.length} received record(s) erased.`,
  });
}

/**
 * The sweep (every 15 minutes): what was received under an artefact whose `dataEraseAt` has passed
 * is erased in every tenant, whether or not the consent manager said it expired.
 */
export async function eraseExpired(ctx: AbdmContext, now = new Date()): Promise<number> {
  const due = await ctx.db.transaction(undefined, (sql) =>
    sql.query<{ tenant_id: string; consent_id: string }>('SELECT tenant_id, consent_id FROM abdm_artefacts_due_erasure($1)', [
      now.toISOString(),
    ]),
  );
  for (const row of due.rows) {
    await tx(ctx, row.tenant_id, (sql) =>
      sql.query("UPDATE abdm_hiu_artefact SET status = 'ERASED' WHERE consent_id = $1", [row.consent_id]),
    );
    await erase(ctx, { tenantId: row.tenant_id }, [row.consent_id], 'past its dataEraseAt');
  }
  return due.rows.length;
}

/** on-fetch: the artefact, signature checked; then the data is asked for with fresh key material. */
export async function handleOnFetch(ctx: AbdmContext, job: HiuCallJob): Promise<void> {
  const consent = job.body.consent ?? {};
  const detail = consent.consentDetail as ConsentDetail | undefined;
  const row = await tx(ctx, job.tenantId, async (sql) => {
    const r = await sql.query<{ consent_id: string }>('SELECT consent_id::text FROM abdm_hiu_artefact WHERE fetch_request_id = $1', [
      asUuid(answered(job.body)),
    ]);
    return r.rows[0];
  });
  if (!row) return ignored(ctx, job, 'consent on-fetch');
  const good =
    !job.body.error &&
    consent.status === 'GRANTED' &&
    detail?.consentId === row.consent_id &&
    detail.hiu?.id === job.hiuId &&
    (await ctx.signatures.valid(consent.consentDetail, consent.signature));
  if (!good) {
    await tx(ctx, job.tenantId, (sql) =>
      sql.query("UPDATE abdm_hiu_artefact SET status = 'REFUSED' WHERE consent_id = $1", [row.consent_id]),
    );
    await auditAbdm(ctx, {
      tenantId: job.tenantId,
      requestId: job.requestId,
      outcome: '4',
      detail: `ABDM consent artefact ${row.consent_id} refused: not granted, not for HIU ${job.hiuId}, or its signature does not verify.`,
    });
    return;
  }
  await tx(ctx, job.tenantId, (sql) =>
    sql.query("UPDATE abdm_hiu_artefact SET status = 'GRANTED', detail = $2 WHERE consent_id = $1", [
      row.consent_id,
      JSON.stringify(detail),
    ]),
  );
  const keys = generateKeyMaterial();
  const pushKey = randomBytes(32).toString('base64url');
  const requestId = randomUUID();
  // Stored before the request, so that the on-request and the push find their transfer however soon they come.
  await tx(ctx, job.tenantId, (sql) =>
    sql.query(
      `INSERT INTO abdm_hiu_transfer (tenant_id, hi_request_id, hiu_id, consent_id, push_key_hash, private_key, nonce)
       VALUES (app_current_tenant(), $1, $2, $3, $4, $5, $6)`,
      [requestId, job.hiuId, row.consent_id, sha256(pushKey), keys.privateKey, keys.nonce],
    ),
  );
  await ctx.gateway.post(
    '/data-flow/v3/health-information/request',
    {
      hiRequest: {
        consent: { id: row.consent_id },
        dateRange: detail.permission.dateRange,
        dataPushUrl: `${ctx.config.baseUrl}/api/v3/hiu/data-push/${pushKey}`,
        keyMaterial: {
          cryptoAlg: 'ECDH',
          curve: 'Curve25519',
          dhPublicKey: {
            expiry: new Date(Date.now() + DAY_MS).toISOString(),
            parameters: 'Curve25519/32byte random key',
            keyValue: keys.publicKey,
          },
          nonce: keys.nonce,
        },
      },
    },
    { hiuId: job.hiuId, requestId },
  );
}

/** on-request: the transaction id of our data request. */
export async function handleHiuOnRequest(ctx: AbdmContext, job: HiuCallJob): Promise<void> {
  const transactionId = job.body.hiRequest?.transactionId;
  const r = await tx(ctx, job.tenantId, (sql) =>
    sql.query('UPDATE abdm_hiu_transfer SET transaction_id = $2, status = $3 WHERE hi_request_id = $1', [
      asUuid(answered(job.body)),
      typeof transactionId === 'string' ? transactionId : null,
      job.body.error ? 'FAILED' : 'REQUESTED',
    ]),
  );
  if (r.rowCount === 0) await ignored(ctx, job, 'health-information on-request');
}

// ---- the push ----------------------------------------------------------------------------------

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The transfer a push URL secret belongs to (no tenant is known yet: abdm_transfer_for_push_key, migration 0046). */
export async function transferForPushKey(
  ctx: AbdmContext,
  pushKey: string,
): Promise<{ tenantId: string; hiRequestId: string; hiuId: string } | undefined> {
  const r = await ctx.db.transaction(undefined, (sql) =>
    sql.query<{ tenant_id: string; hi_request_id: string; hiu_id: string }>(
      'SELECT tenant_id, hi_request_id, hiu_id FROM abdm_transfer_for_push_key($1)',
      [sha256(pushKey)],
    ),
  );
  const row = r.rows[0];
  return row && { tenantId: row.tenant_id, hiRequestId: row.hi_request_id, hiuId: row.hiu_id };
}

export interface PushJob {
  tenantId: string;
  hiuId: string;
  hiRequestId: string;
  body: Record<string, any>;
}

interface Result {
  careContextReference: string;
  hiStatus: 'OK' | 'ERRORED';
  description: string;
  /** What an accepted entry became here, so a revocation can erase it (never sent to the gateway). */
  bundle?: string;
  provenance?: string;
}

/** One pushed page: each entry decrypted, checked, imported with its Provenance; the last page notifies. */
export async function handlePush(ctx: AbdmContext, job: PushJob): Promise<void> {
  const t = await tx(ctx, job.tenantId, async (sql) => {
    const r = await sql.query<{
      consent_id: string;
      transaction_id: string | null;
      private_key: string | null;
      nonce: string | null;
      detail: ConsentDetail | null;
      patient_id: string | null;
    }>(
      `SELECT t.consent_id::text, t.transaction_id, t.private_key, t.nonce, a.detail, r.patient_id FROM abdm_hiu_transfer t
       JOIN abdm_hiu_artefact a ON a.consent_id = t.consent_id
       LEFT JOIN abdm_hiu_request r ON r.consent_request_id = a.consent_request_id
       WHERE t.hi_request_id = $1`,
      [job.hiRequestId],
    );
    return r.rows[0];
  });
  if (!t?.private_key || !t.nonce || !t.detail) return;
  if (!t.transaction_id) throw new Error('push before our on-request: retried');
  const b = job.body;
  const results: Result[] = [];
  let imported = 0;
  if (b.transactionId !== t.transaction_id) {
    await auditAbdm(ctx, {
      tenantId: job.tenantId,
      outcome: '4',
      detail: `ABDM push for transaction ${String(b.transactionId)} refused: not this transfer's.`,
    });
    return;
  }
  const consented = new Set(t.detail.careContexts.map((c) => c.careContextReference));
  const repo = tenantRepository(ctx, job.tenantId);
  for (const entry of Array.isArray(b.entries) ? b.entries : []) {
    const cc = String(entry?.careContextReference ?? '');
    const refuse = async (why: string) => {
      results.push({ careContextReference: cc, hiStatus: 'ERRORED', description: why });
      await auditAbdm(ctx, {
        tenantId: job.tenantId,
        outcome: '4',
        detail: `ABDM pushed record of ${cc || '(no care context)'} under consent ${t.consent_id} refused: ${why}`,
      });
    };
    // Nothing the patient did not consent to is kept, even if an HIP sends it.
    if (!consented.has(cc)) {
      await refuse('the care context is not in the consent artefact.');
      continue;
    }
    let text: string;
    try {
      text = decrypt({
        encryptedData: String(entry.content ?? ''),
        requesterNonce: t.nonce,
        senderNonce: String(b.keyMaterial?.nonce ?? ''),
        requesterPrivateKey: t.private_key,
        senderPublicKey: String(b.keyMaterial?.dhPublicKey?.keyValue ?? ''),
      }).toString('utf8');
    } catch (err) {
      if (!(err instanceof FideliusError)) throw err;
      await refuse(`it could not be decrypted (${err.code}).`);
      continue;
    }
    if (
      /^[0-9a-f]{32}$/i.test(String(entry.checksum ?? '')) &&
      createHash('md5').update(text).digest('hex') !== String(entry.checksum).toLowerCase()
    ) {
      await refuse('its checksum does not match.');
      continue;
    }
    let bundle: Bundle;
    try {
      bundle = JSON.parse(text) as Bundle;
    } catch {
      await refuse('it is not JSON.');
      continue;
    }
    const errors =
      bundle?.resourceType === 'Bundle' && bundle.type === 'document'
        ? validator()
            .validate(bundle)
            .filter((i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'fatal')
        : [{ severity: 'error' }];
    if (errors.length) {
      await refuse('it is not a valid FHIR document Bundle.');
      continue;
    }
    const { id: _theirs, meta, ...rest } = bundle;
    let kept: { bundle: string; provenance: string };
    try {
      kept = await repo.withTransaction(
        async (r) => {
          const stored = await r.createResource<Bundle>({
            ...rest,
            // versionId is the server's to set; the profile requires one, and the write replaces it.
            meta: { ...meta, versionId: '1', lastUpdated: undefined, tag: [...(meta?.tag ?? []), EXTERNAL_TAG] },
          });
          const provenance = await r.createResource<Provenance>({
            resourceType: 'Provenance',
            // The patient we asked for too: `Provenance?patient=` then finds their records from elsewhere.
            target: [{ reference: `Bundle/${stored.id}` }, ...(t.patient_id ? [{ reference: `Patient/${t.patient_id}` }] : [])],
            recorded: new Date().toISOString(),
            policy: [`https://hospital-ops.in/fhir/sid/abdm-consent-artefact/${t.consent_id}`],
            activity: {
              coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE', display: 'create' }],
              text: 'Received over ABDM',
            },
            agent: [
              {
                type: {
                  coding: [
                    { system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author', display: 'Author' },
                  ],
                },
                who: {
                  identifier: { system: 'https://facility.ndhm.gov.in', value: t.detail?.hip.id },
                  display: t.detail?.hip.name ?? t.detail?.hip.id,
                },
              },
            ],
            entity: [
              {
                role: 'source',
                what: { identifier: { system: 'https://hospital-ops.in/fhir/sid/abdm-care-context', value: `${t.detail?.hip.id}/${cc}` } },
              },
            ],
          });
          return { bundle: stored.id, provenance: provenance.id };
        },
        { resourceTypes: ['Bundle', 'Provenance'] },
      );
    } catch (err) {
      // Refused by this server's own rules (profiles the tenant requires): not kept, not retried.
      if (!(err instanceof OperationOutcomeError)) throw err;
      ctx.logger.warn({ reason: err.message }, 'ABDM record not accepted by this server');
      await refuse('this server does not accept it as it is.');
      continue;
    }
    imported++;
    results.push({ careContextReference: cc, hiStatus: 'OK', description: 'Imported.', ...kept });
  }
  const done = await tx(ctx, job.tenantId, async (sql) => {
    const r = await sql.query<{ pages_received: number; results: Result[] }>(
      `UPDATE abdm_hiu_transfer SET pages_received = pages_received + 1, imported = imported + $2, results = results || $3::jsonb
       WHERE hi_request_id = $1 RETURNING pages_received, results`,
      [job.hiRequestId, imported, JSON.stringify(results)],
    );
    const row = r.rows[0];
    const last = row && row.pages_received >= Number(b.pageCount ?? 1);
    // The key material is dropped once every page is in: nothing can be decrypted with it later.
    if (last)
      await sql.query("UPDATE abdm_hiu_transfer SET status = 'DONE', private_key = NULL, nonce = NULL WHERE hi_request_id = $1", [
        job.hiRequestId,
      ]);
    return last ? row.results : undefined;
  });
  if (!done) return;
  await auditAbdm(ctx, {
    tenantId: job.tenantId,
    outcome: '0',
    detail: `ABDM: ${done.filter((x) => x.hiStatus === 'OK').length} record(s) received from HIP ${t.detail.hip.id} under consent ${t.consent_id}.`,
  });
  await callGateway(
    ctx,
    '/data-flow/v3/health-information/notify',
    {
      notification: {
        consentId: t.consent_id,
        transactionId: t.transaction_id,
        doneAt: new Date().toISOString(),
        notifier: { type: 'HIU', id: job.hiuId },
        statusNotification: {
          sessionStatus: done.some((x) => x.hiStatus === 'OK') ? 'TRANSFERRED' : 'FAILED',
          hipId: t.detail.hip.id,
          statusResponses: done.map(({ careContextReference, hiStatus, description }) => ({ careContextReference, hiStatus, description })),
        },
      },
    },
    { hiuId: job.hiuId },
  );
}
