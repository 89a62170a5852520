import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { parseSearchRequest, type SearchRequest } from '@medplum/core';
import type { Encounter, Patient } from '@medplum/fhirtypes';
import type { SmsSender } from '../../../auth/sms.ts';
import { parseSearch } from '../../../search/parse.ts';
import { type AbdmContext, AbdmRefusal, auditAbdm, callGateway, tenantRepository } from '../context.ts';
import { careContextOf } from './care-context.ts';
import { abhaOf } from './linking.ts';

/**
 * User-initiated discovery and linking (NOTES §2.3), from the patient's ABHA app through the
 * gateway. Discovery matches the patient in the HIP's tenant only, by ABHA address or ABHA number
 * (verified identifiers), and offers their finished visits not linked yet. Link init checks every
 * asked-for visit is that patient's, sends a six-digit OTP by SMS to the patient's mobile and keeps
 * only its hash (migration 0038); confirm links the visits when the OTP matches, in time, within
 * five attempts.
 */

const OTP_LIFE_MS = 10 * 60_000;
const MAX_ATTEMPTS = 5;

export interface CallJob {
  tenantId: string;
  hipId: string;
  requestId: string;
  body: Record<string, any>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const displayOf = (p: Patient) =>
  p.name?.[0]?.text ?? ([p.name?.[0]?.given?.join(' '), p.name?.[0]?.family].filter(Boolean).join(' ') || 'Patient');

/** The patient's care contexts as ABDM lists them: one entry per hiType (OPD visits, then hospital stays). */
function patientEntries(patient: Patient, visits: Encounter[]) {
  return (['OPConsultation', 'DischargeSummary'] as const).flatMap((hiType) => {
    const ofType = visits.filter((e) => careContextOf(e).hiType === hiType);
    if (ofType.length === 0) return [];
    const careContexts = ofType.map((e) => ({ referenceNumber: e.id, display: careContextOf(e).display }));
    return [{ referenceNumber: patient.id, display: displayOf(patient), careContexts, hiType, count: ofType.length }];
  });
}

async function linkedVisits(ctx: AbdmContext, tenantId: string, hipId: string): Promise<Set<string>> {
  const r = await ctx.db.transaction({ tenantId }, (sql) =>
    sql.query<{ encounter_id: string }>("SELECT encounter_id FROM abdm_care_context WHERE hip_id = $1 AND status = 'linked'", [hipId]),
  );
  return new Set(r.rows.map((x) => x.encounter_id));
}

/** The one patient of this tenant the ABHA app names; undefined when none or more than one match. */
async function matchPatient(ctx: AbdmContext, job: CallJob, abhaAddress: string, abhaNumber?: string): Promise<Patient | undefined> {
  const repo = tenantRepository(ctx, job.tenantId, job.requestId);
  for (const value of [abhaAddress, abhaNumber].filter(Boolean) as string[]) {
    const found = await repo.searchResources<Patient>(parseSearchRequest(`Patient?identifier=${encodeURIComponent(value)}&_count=3`));
    const sure = found.filter((p) => {
      const abha = abhaOf(p);
      return abha.address === abhaAddress || (abhaNumber !== undefined && abha.number === abhaNumber.replace(/-/g, ''));
    });
    if (sure.length === 1) return sure[0];
    if (sure.length > 1) return undefined;
  }
  return undefined;
}

async function finishedVisits(ctx: AbdmContext, job: CallJob, patientId: string): Promise<Encounter[]> {
  const repo = tenantRepository(ctx, job.tenantId, job.requestId);
  const { request } = parseSearch('Encounter', { subject: `Patient/${patientId}`, status: 'finished', _count: '200' }, false);
  const found = await repo.search(request as SearchRequest<Encounter>, { resourceOnly: true });
  return (found.entry ?? []).map((e) => e.resource).filter((e): e is Encounter & { id: string } => Boolean(e?.id));
}

export async function handleDiscover(ctx: AbdmContext, job: CallJob): Promise<void> {
  const transactionId = String(job.body.transactionId ?? '');
  const p = job.body.patient ?? {};
  const abhaAddress = String(p.id ?? '');
  const abhaNumber = (p.verifiedIdentifiers ?? []).find((i: { type?: string }) => i?.type === 'ABHA_NUMBER')?.value as string | undefined;
  const response = { requestId: job.requestId };
  const patient = await matchPatient(ctx, job, abhaAddress, abhaNumber);
  if (!patient?.id) {
    await callGateway(
      ctx,
      '/user-initiated-linking/v3/patient/care-context/on-discover',
      { transactionId, error: { code: 'ABDM-1010', message: 'Patient not found' }, response },
      { hipId: job.hipId },
    );
    return;
  }
  const linked = await linkedVisits(ctx, job.tenantId, job.hipId);
  const visits = (await finishedVisits(ctx, job, patient.id)).filter((e) => !linked.has(e.id as string));
  if (visits.length === 0) {
    // A patient entry needs at least one care context: nothing left to link is said as an error.
    await callGateway(
      ctx,
      '/user-initiated-linking/v3/patient/care-context/on-discover',
      { transactionId, error: { code: 'ABDM-1010', message: 'No care contexts left to link at this HIP' }, response },
      { hipId: job.hipId },
    );
    return;
  }
  await callGateway(
    ctx,
    '/user-initiated-linking/v3/patient/care-context/on-discover',
    {
      transactionId,
      patient: patientEntries(patient, visits),
      matchedBy: [abhaOf(patient).address === abhaAddress ? 'ABHA_ADDRESS' : 'ABHA_NUMBER'],
      response,
    },
    { hipId: job.hipId },
  );
}

export async function handleLinkInit(ctx: AbdmContext, job: CallJob, sms: SmsSender): Promise<void> {
  const transactionId = String(job.body.transactionId ?? '');
  const abhaAddress = String(job.body.abhaAddress ?? '');
  const response = { requestId: job.requestId };
  const repo = tenantRepository(ctx, job.tenantId, job.requestId);
  try {
    const entry = Array.isArray(job.body.patient) && job.body.patient.length === 1 ? job.body.patient[0] : undefined;
    const patient = entry ? await repo.readResource<Patient>('Patient', String(entry.referenceNumber)).catch(() => undefined) : undefined;
    if (!patient?.id || abhaOf(patient).address !== abhaAddress) throw new AbdmRefusal('ABDM-1010', 'Patient not found');
    const asked: string[] = (entry.careContexts ?? []).map((c: { referenceNumber?: unknown }) => String(c?.referenceNumber ?? ''));
    const mine = new Set((await finishedVisits(ctx, job, patient.id)).map((e) => e.id));
    // A visit that is not this patient's (or another tenant's) is refused, not silently dropped.
    if (asked.length === 0 || asked.some((id) => !mine.has(id)))
      throw new AbdmRefusal('ABDM-1010', 'Care context not found for this patient');
    const mobile =
      patient.telecom?.find((t) => t.system === 'phone' && t.use === 'mobile')?.value ??
      patient.telecom?.find((t) => t.system === 'phone')?.value;
    if (!mobile) throw new AbdmRefusal('ABDM-1010', 'The patient has no mobile number on record to send the OTP to');
    const otp = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const linkRef = randomUUID();
    const expiresAt = new Date(Date.now() + OTP_LIFE_MS);
    await ctx.db.transaction({ tenantId: job.tenantId }, (sql) =>
      sql.query(
        `INSERT INTO abdm_link_request (tenant_id, link_ref, hip_id, abha_address, patient_id, encounter_ids, otp_hash, expires_at)
         VALUES (app_current_tenant(), $1, $2, $3, $4, $5, $6, $7)`,
        [linkRef, job.hipId, abhaAddress, patient.id, asked, sha256(`${linkRef}:${otp}`), expiresAt.toISOString()],
      ),
    );
    await sms.send(
      mobile,
      `${otp} is your OTP to link your hospital records to your ABHA app. Valid 10 minutes. / ${otp} आपके अस्पताल रिकॉर्ड को ABHA ऐप से जोड़ने का OTP है। 10 मिनट तक मान्य।`,
    );
    await callGateway(
      ctx,
      '/user-initiated-linking/v3/link/care-context/on-init',
      {
        transactionId,
        link: {
          referenceNumber: linkRef,
          authenticationType: 'DIRECT',
          meta: { communicationMedium: 'MOBILE', communicationHint: 'OTP', communicationExpiry: expiresAt.toISOString() },
        },
        response,
      },
      { hipId: job.hipId },
    );
  } catch (err) {
    if (!(err instanceof AbdmRefusal)) throw err;
    await auditAbdm(ctx, {
      tenantId: job.tenantId,
      requestId: job.requestId,
      outcome: '4',
      detail: `ABDM link init refused: ${err.message}`,
    });
    await callGateway(
      ctx,
      '/user-initiated-linking/v3/link/care-context/on-init',
      { transactionId, error: err.body(), response },
      { hipId: job.hipId },
    );
  }
}

export async function handleLinkConfirm(ctx: AbdmContext, job: CallJob): Promise<void> {
  const response = { requestId: job.requestId };
  const linkRef = String(job.body.confirmation?.linkRefNumber ?? '');
  const token = String(job.body.confirmation?.token ?? '');
  try {
    const request = (await ctx.db.transaction({ tenantId: job.tenantId }, async (sql) => {
      const r = await sql.query<{
        abha_address: string;
        patient_id: string;
        encounter_ids: string[];
        otp_hash: string;
        expires_at: Date;
        attempts: number;
        confirmed_at: Date | null;
      }>(
        'SELECT abha_address, patient_id, encounter_ids, otp_hash, expires_at, attempts, confirmed_at FROM abdm_link_request WHERE hip_id = $1 AND link_ref::text = $2 FOR UPDATE',
        [job.hipId, /^[0-9a-f-]{36}$/i.test(linkRef) ? linkRef.toLowerCase() : '00000000-0000-0000-0000-000000000000'],
      );
      const row = r.rows[0];
      if (!row || row.confirmed_at) throw new AbdmRefusal('ABDM-1010', 'Invalid link reference number');
      if (new Date(row.expires_at).getTime() < Date.now()) throw new AbdmRefusal('ABDM-1010', 'The OTP has expired');
      if (row.attempts >= MAX_ATTEMPTS) throw new AbdmRefusal('ABDM-1010', 'Too many wrong OTPs; link again');
      const ok = timingSafeEqual(Buffer.from(sha256(`${linkRef.toLowerCase()}:${token}`)), Buffer.from(row.otp_hash));
      if (!ok) {
        await sql.query('UPDATE abdm_link_request SET attempts = attempts + 1 WHERE hip_id = $1 AND link_ref::text = $2', [
          job.hipId,
          linkRef.toLowerCase(),
        ]);
        return { wrong: true as const };
      }
      await sql.query('UPDATE abdm_link_request SET confirmed_at = now() WHERE hip_id = $1 AND link_ref::text = $2', [
        job.hipId,
        linkRef.toLowerCase(),
      ]);
      for (const encounter of row.encounter_ids) {
        await sql.query(
          `INSERT INTO abdm_care_context (tenant_id, hip_id, encounter_id, patient_id, abha_address, status, detail)
           VALUES (app_current_tenant(), $1, $2, $3, $4, 'linked', 'linked by the patient (OTP)')
           ON CONFLICT (tenant_id, hip_id, encounter_id) DO UPDATE SET status = 'linked', detail = excluded.detail, updated_at = now()`,
          [job.hipId, encounter, row.patient_id, row.abha_address],
        );
      }
      return { wrong: false as const, row };
    })) as { wrong: true } | { wrong: false; row: { patient_id: string; encounter_ids: string[] } };
    if (request.wrong) throw new AbdmRefusal('ABDM-1010', 'Invalid OTP');
    const repo = tenantRepository(ctx, job.tenantId, job.requestId);
    const patient = await repo.readResource<Patient>('Patient', request.row.patient_id);
    const visits = (await finishedVisits(ctx, job, request.row.patient_id)).filter((e) =>
      request.row.encounter_ids.includes(e.id as string),
    );
    await callGateway(
      ctx,
      '/user-initiated-linking/v3/link/care-context/on-confirm',
      {
        patient: patientEntries(patient, visits),
        response,
      },
      { hipId: job.hipId },
    );
  } catch (err) {
    if (!(err instanceof AbdmRefusal)) throw err;
    await auditAbdm(ctx, {
      tenantId: job.tenantId,
      requestId: job.requestId,
      outcome: '4',
      detail: `ABDM link confirm refused: ${err.message}`,
    });
    await callGateway(
      ctx,
      '/user-initiated-linking/v3/link/care-context/on-confirm',
      { error: err.body(), response },
      { hipId: job.hipId },
    );
  }
}
