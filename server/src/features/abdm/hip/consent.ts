import { parseSearchRequest, type WithId } from '@medplum/core';
import type { Consent, Extension } from '@medplum/fhirtypes';
import type { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { type AbdmContext, AbdmRefusal, auditAbdm, callGateway, tenantRepository } from '../context.ts';

/**
 * HIP consent notify (`/api/v3/consent/request/hip/notify`). A GRANTED artefact is stored as a
 * FHIR Consent of the tenant, the ABDM artefact kept whole (consentDetail and signature) in
 * `sourceAttachment`, so the data request is later checked against exactly what the patient signed.
 * REVOKED and EXPIRED make the Consent inactive before the gateway's call is even answered.
 */

export const ARTEFACT_SYSTEM = 'https://hospital-ops.in/fhir/sid/abdm-consent-artefact';
export const ABDM_STATUS_EXTENSION = 'https://hospital-ops.in/fhir/StructureDefinition/abdm-consent-status';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The artefact as the consent manager signed it (NOTES §2.5). */
export interface ConsentDetail {
  consentId: string;
  createdAt?: string;
  patient: { id: string };
  careContexts: { patientReference: string; careContextReference: string }[];
  purpose?: { code?: string; text?: string };
  hip: { id: string; name?: string };
  hiu: { id: string; name?: string };
  hiTypes: string[];
  permission: { accessMode?: string; dateRange: { from: string; to: string }; dataEraseAt: string };
}

export interface StoredArtefact {
  consent: WithId<Consent>;
  status: string;
  detail: ConsentDetail;
}

export interface NotifyJob {
  tenantId: string;
  hipId: string;
  requestId: string;
  body: { notification?: Record<string, unknown> };
}

export async function findArtefact(repo: PostgresRepository, consentId: string): Promise<StoredArtefact | undefined> {
  if (!UUID.test(consentId)) return undefined;
  const found = await repo.searchResources<Consent>(
    parseSearchRequest(`Consent?identifier=${encodeURIComponent(`${ARTEFACT_SYSTEM}|${consentId}`)}`),
  );
  const consent = found[0];
  const data = consent?.sourceAttachment?.data;
  if (!consent || !data) return undefined;
  const artefact = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { consentDetail: ConsentDetail };
  const status = consent.extension?.find((e) => e.url === ABDM_STATUS_EXTENSION)?.valueCode ?? 'GRANTED';
  return { consent, status, detail: artefact.consentDetail };
}

/** Called before the 202: a revocation or expiry takes effect at once, not when a job gets to it. */
export async function applyEnd(ctx: AbdmContext, job: NotifyJob): Promise<void> {
  const n = job.body.notification;
  const status = n?.status;
  if (status !== 'REVOKED' && status !== 'EXPIRED') return;
  const repo = tenantRepository(ctx, job.tenantId, job.requestId);
  await repo.withTransaction(
    async (tx) => {
      const found = await findArtefact(tx, String(n?.consentId));
      if (!found || found.consent.status === 'inactive') return;
      await tx.updateResource<Consent>({ ...found.consent, status: 'inactive', extension: statusExtension(found.consent, status) });
    },
    { serializable: true, resourceTypes: ['Consent'] },
  );
}

function statusExtension(consent: Consent, status: string): Extension[] {
  return [...(consent.extension ?? []).filter((e) => e.url !== ABDM_STATUS_EXTENSION), { url: ABDM_STATUS_EXTENSION, valueCode: status }];
}

function checkDetail(n: Record<string, unknown>, hipId: string): ConsentDetail {
  const d = n.consentDetail as ConsentDetail | undefined;
  const shaped =
    d &&
    typeof d === 'object' &&
    d.consentId === n.consentId &&
    typeof d.hip?.id === 'string' &&
    typeof d.hiu?.id === 'string' &&
    Array.isArray(d.hiTypes) &&
    Array.isArray(d.careContexts) &&
    typeof d.permission?.dateRange?.from === 'string' &&
    typeof d.permission?.dateRange?.to === 'string' &&
    typeof d.permission?.dataEraseAt === 'string';
  if (!shaped)
    throw new AbdmRefusal('ABDM-1006', 'The consent artefact is incomplete: it lacks its HIP, HIU, hiTypes, care contexts or permission.');
  if (d.hip.id !== hipId) throw new AbdmRefusal('ABDM-1035', `The consent artefact is for HIP ${d.hip.id}, not for ${hipId}.`);
  return d;
}

/** The job: store a GRANTED artefact (once), and acknowledge every notification to the gateway. */
export async function handleConsentNotify(ctx: AbdmContext, job: NotifyJob): Promise<void> {
  const n = job.body.notification ?? {};
  const consentId = String(n.consentId ?? '');
  const response = { requestId: job.requestId };
  try {
    if (!UUID.test(consentId)) throw new AbdmRefusal('ABDM-1006', 'The notification names no consent artefact id.');
    if (n.status === 'GRANTED') {
      const detail = checkDetail(n, job.hipId);
      if (!(await ctx.signatures.valid(n.consentDetail, n.signature))) {
        throw new AbdmRefusal('ABDM-1112', 'The consent artefact signature does not verify against the gateway keys.');
      }
      await storeGranted(ctx, job, detail, n);
    } else if (n.status !== 'REVOKED' && n.status !== 'EXPIRED') {
      throw new AbdmRefusal('ABDM-1006', `A HIP is told of GRANTED, REVOKED or EXPIRED consent, not ${String(n.status)}.`);
    } else {
      await applyEnd(ctx, job); // again, harmless: the route did it before answering
    }
  } catch (err) {
    if (!(err instanceof AbdmRefusal)) throw err;
    await auditAbdm(ctx, {
      tenantId: job.tenantId,
      requestId: job.requestId,
      outcome: '4',
      detail: `ABDM consent notify ${consentId || '(no id)'} refused: ${err.message}`,
    });
    ctx.logger.warn({ hipId: job.hipId, consentId, code: err.code }, 'ABDM consent notification refused');
    // The acknowledgement says the notification arrived; the error, that the artefact was not accepted.
    await callGateway(
      ctx,
      '/consent/v3/request/hip/on-notify',
      { acknowledgement: { status: 'OK', consentId }, error: err.body(), response },
      { hipId: job.hipId },
    );
    return;
  }
  await callGateway(
    ctx,
    '/consent/v3/request/hip/on-notify',
    { acknowledgement: { status: 'OK', consentId }, response },
    { hipId: job.hipId },
  );
}

async function storeGranted(ctx: AbdmContext, job: NotifyJob, detail: ConsentDetail, n: Record<string, unknown>): Promise<void> {
  const repo = tenantRepository(ctx, job.tenantId, job.requestId);
  const patients = [...new Set(detail.careContexts.map((c) => c.patientReference))];
  await repo.withTransaction(
    async (tx) => {
      if (await findArtefact(tx, detail.consentId)) return; // redelivered: stored already
      // The Consent names our patient only when the artefact's patient reference is one of this tenant's.
      let patient: string | undefined;
      if (patients.length === 1) {
        const p = await tx.readResource('Patient', patients[0]).catch(() => undefined);
        if (p) patient = `Patient/${p.id}`;
      }
      const artefact = { status: 'GRANTED', consentId: detail.consentId, consentDetail: n.consentDetail, signature: n.signature };
      await tx.createResource<Consent>({
        resourceType: 'Consent',
        status: 'active',
        extension: [{ url: ABDM_STATUS_EXTENSION, valueCode: 'GRANTED' }],
        identifier: [{ system: ARTEFACT_SYSTEM, value: detail.consentId }],
        scope: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy', display: 'Privacy Consent' }],
        },
        category: [
          { coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }], text: 'ABDM consent artefact' },
        ],
        ...(patient ? { patient: { reference: patient } } : {}),
        dateTime: detail.createdAt,
        policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
        sourceAttachment: {
          contentType: 'application/json',
          title: `ABDM consent artefact ${detail.consentId}`,
          data: Buffer.from(JSON.stringify(artefact)).toString('base64'),
        },
        provision: {
          type: 'permit',
          period: { start: detail.permission.dateRange.from, end: detail.permission.dateRange.to },
          actor: [
            {
              role: {
                coding: [
                  { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' },
                ],
              },
              reference: { identifier: { system: 'https://facility.ndhm.gov.in', value: detail.hiu.id }, display: detail.hiu.name },
            },
          ],
        },
      });
    },
    { serializable: true, resourceTypes: ['Consent', 'Patient'] },
  );
}
