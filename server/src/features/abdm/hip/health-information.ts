import { createHash } from 'node:crypto';
import { OperationOutcomeError, type WithId } from '@medplum/core';
import type { Bundle, Composition, Consent, Encounter, OperationOutcomeIssue, Patient } from '@medplum/fhirtypes';
import { validator } from '../../../fhir/validate.ts';
import type { PostgresRepository } from '../../../repo/postgres-repository.ts';
import { assembleDocument } from '../../documents/assemble.ts';
import { buildComposition, careContext, type RecordType, recordContexts } from '../../documents/records.ts';
import { type AbdmContext, AbdmRefusal, auditAbdm, callGateway, tenantRepository } from '../context.ts';
import { encrypt, FideliusError, generateKeyMaterial, parsePublicKey } from '../fidelius/index.ts';
import { careContextOf } from './care-context.ts';
import { type ConsentDetail, findArtefact } from './consent.ts';
import { abhaOf } from './linking.ts';

/**
 * HIP health-information request (`/api/v3/hip/health-information/request`), as a job. The request
 * is checked against the stored artefact (granted, this HIP's, not past dataEraseAt, the date
 * range inside the permission); then, for exactly the artefact's care contexts and hiTypes, the
 * ABDM documents are built, each encrypted under fresh key material (one entry per page: a GCM IV
 * is never reused, docs/abdm.md) and pushed to the HIU's dataPushUrl; the gateway is told per care
 * context what was delivered. Anything the artefact does not name is never built, let alone sent.
 */

/** ABDM hiType -> our document builder's record type. */
export const HI_TYPE_RECORDS: Record<string, RecordType> = {
  OPConsultation: 'OPConsultRecord',
  Prescription: 'PrescriptionRecord',
  DischargeSummary: 'DischargeSummaryRecord',
  DiagnosticReport: 'DiagnosticReportRecord',
  ImmunizationRecord: 'ImmunizationRecord',
  HealthDocumentRecord: 'HealthDocumentRecord',
  WellnessRecord: 'WellnessRecord',
  Invoice: 'InvoiceRecord',
};

export interface HiRequestJob {
  tenantId: string;
  hipId: string;
  requestId: string;
  body: { transactionId?: unknown; hiRequest?: Record<string, unknown> };
}

interface Checked {
  transactionId: string;
  consentId: string;
  consent: WithId<Consent>;
  detail: ConsentDetail;
  from: number;
  to: number;
  pushUrl: string;
  hiuKey: string;
  hiuNonce: string;
}

type CareStatus = { careContextReference: string; hiStatus: 'DELIVERED' | 'ERRORED'; description: string };

/** One snapshot per document: the builder's many searches see one state of the records. */
const READ_ONLY = { resourceTypes: ['Composition', 'Bundle'] as const };

const dateOf = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : Number.NaN);

async function check(repo: PostgresRepository, job: HiRequestJob, now: number): Promise<Checked> {
  const hi = job.body.hiRequest ?? {};
  const transactionId = String(job.body.transactionId ?? '');
  const consentId = String((hi.consent as { id?: unknown } | undefined)?.id ?? '');
  const stored = await findArtefact(repo, consentId);
  // An artefact of another tenant is not in this repository: the same answer as an unknown one.
  if (!stored) throw new AbdmRefusal('ABDM-1112', `No consent artefact ${consentId || '(none)'} was granted to this HIP.`);
  if (stored.consent.status !== 'active') throw new AbdmRefusal('ABDM-1062', `Consent artefact ${consentId} is ${stored.status}.`);
  const { detail } = stored;
  if (detail.hip.id !== job.hipId) throw new AbdmRefusal('ABDM-1112', `Consent artefact ${consentId} is not for HIP ${job.hipId}.`);
  if (!(dateOf(detail.permission.dataEraseAt) > now)) throw new AbdmRefusal('ABDM-1112', `Consent artefact ${consentId} has expired.`);
  const range = hi.dateRange as { from?: unknown; to?: unknown } | undefined;
  const from = dateOf(range?.from);
  const to = dateOf(range?.to);
  const allowedFrom = dateOf(detail.permission.dateRange.from);
  const allowedTo = dateOf(detail.permission.dateRange.to);
  if (!(from <= to) || from < allowedFrom || to > allowedTo) {
    throw new AbdmRefusal('ABDM-1063', 'The requested date range is not inside the consented one.');
  }
  const pushUrl = String(hi.dataPushUrl ?? '');
  if (!URL.canParse(pushUrl) || !/^https?:$/.test(new URL(pushUrl).protocol))
    throw new AbdmRefusal('ABDM-1006', 'dataPushUrl is not an HTTP(S) URL.');
  const km = (hi.keyMaterial ?? {}) as { cryptoAlg?: unknown; curve?: unknown; dhPublicKey?: { keyValue?: unknown }; nonce?: unknown };
  if (km.cryptoAlg !== 'ECDH' || String(km.curve).toLowerCase() !== 'curve25519') {
    throw new AbdmRefusal('ABDM-1006', 'keyMaterial must be ECDH on Curve25519.');
  }
  const hiuKey = String(km.dhPublicKey?.keyValue ?? '');
  const hiuNonce = String(km.nonce ?? '');
  try {
    parsePublicKey(hiuKey);
  } catch (err) {
    if (err instanceof FideliusError) throw new AbdmRefusal('ABDM-1006', "The HIU's public key is not a Curve25519 key.");
    throw err;
  }
  if (!/^[A-Za-z0-9+/]{43}=$/.test(hiuNonce)) throw new AbdmRefusal('ABDM-1006', "The HIU's nonce is not 32 bytes of base64.");
  return { transactionId, consentId, consent: stored.consent, detail, from, to, pushUrl, hiuKey, hiuNonce };
}

/** The documents of one care context: only the artefact's hiTypes, only inside the requested dates. */
async function documentsFor(repo: PostgresRepository, c: Checked, patientRef: string, ccRef: string): Promise<Bundle[] | string> {
  const encounter = await repo.readResource<Encounter>('Encounter', ccRef).catch(() => undefined);
  // Another tenant's visit, or none: the same answer, and nothing built.
  if (!encounter || encounter.subject?.reference !== `Patient/${patientRef}`) return 'No such care context for this patient at this HIP.';
  // The consent is the ABHA holder's: a visit of anyone else is never theirs to share.
  const patient = await repo.readResource<Patient>('Patient', patientRef).catch(() => undefined);
  if (!patient || abhaOf(patient).address !== c.detail.patient?.id) return 'The care context is not of the consenting ABHA address.';
  const at = dateOf(encounter.period?.start ?? encounter.period?.end);
  if (!(at >= c.from && at <= c.to)) return 'outside';
  const out: Bundle[] = [];
  // A visit is an OPD consultation or a hospital stay, never both: the other's record is not built for it.
  const own = careContextOf(encounter).hiType;
  for (const hiType of c.detail.hiTypes) {
    const type = HI_TYPE_RECORDS[hiType];
    if (!type || !recordContexts(type).includes('Encounter')) continue;
    if ((hiType === 'OPConsultation' || hiType === 'DischargeSummary') && hiType !== own) continue;
    try {
      const document = await repo.withTransaction(async (tx) => {
        const ctx = await careContext(tx, encounter as WithId<Encounter>);
        const composition = (await buildComposition(type, ctx)) as WithId<Composition>;
        return assembleDocument(tx, composition, { strict: true });
      }, READ_ONLY);
      // A document that does not meet the IG is not sent.
      const errors = validator()
        .validate(document)
        .filter((i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'fatal');
      if (errors.length === 0) out.push(document);
    } catch (err) {
      // The visit has nothing this record type holds (422): nothing to send for it.
      if (!(err instanceof OperationOutcomeError)) throw err;
    }
  }
  return out;
}

/** The artefact's Consent is still active: read by id (not searched and parsed again) before each page. */
async function stillGranted(repo: PostgresRepository, consent: WithId<Consent>): Promise<boolean> {
  const now = await repo.readResource<Consent>('Consent', consent.id).catch(() => undefined);
  return now?.status === 'active';
}

/** How many care contexts' documents are built at once. */
const BUILD_CONCURRENCY = 4;

/** fn over every item, at most `limit` running at once; the results in the items' order. */
async function mapInOrder<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function handleHiRequest(ctx: AbdmContext, job: HiRequestJob, now = Date.now()): Promise<void> {
  const repo = tenantRepository(ctx, job.tenantId, job.requestId);
  const transactionId = String(job.body.transactionId ?? '');
  const response = { requestId: job.requestId };
  let c: Checked;
  try {
    c = await check(repo, job, now);
  } catch (err) {
    if (!(err instanceof AbdmRefusal)) throw err;
    await auditAbdm(ctx, {
      tenantId: job.tenantId,
      requestId: job.requestId,
      outcome: '4',
      detail: `ABDM health-information request ${transactionId} refused: ${err.message}`,
    });
    ctx.logger.warn({ hipId: job.hipId, transactionId, code: err.code }, 'ABDM health-information request refused');
    await callGateway(
      ctx,
      '/data-flow/v3/health-information/hip/on-request',
      { hiRequest: { transactionId, sessionStatus: 'FAILED' }, error: err.body(), response },
      { hipId: job.hipId },
    );
    return;
  }
  await callGateway(
    ctx,
    '/data-flow/v3/health-information/hip/on-request',
    { hiRequest: { transactionId, sessionStatus: 'ACKNOWLEDGED' }, response },
    { hipId: job.hipId },
  );

  const pages: { careContextReference: string; patient: string; document: Bundle }[] = [];
  const statuses: CareStatus[] = [];
  // Each care context's documents are built in a read-only transaction of their own; a few at
  // once keep the database busy while one is being validated (order of the pages is kept).
  const built = await mapInOrder(c.detail.careContexts, BUILD_CONCURRENCY, (cc) =>
    documentsFor(repo, c, cc.patientReference, cc.careContextReference),
  );
  for (const [k, cc] of c.detail.careContexts.entries()) {
    const found = built[k] as Bundle[] | string;
    if (typeof found === 'string') {
      statuses.push({
        careContextReference: cc.careContextReference,
        hiStatus: found === 'outside' ? 'DELIVERED' : 'ERRORED',
        description: found === 'outside' ? 'No records of this care context in the requested date range.' : found,
      });
      continue;
    }
    for (const document of found) pages.push({ careContextReference: cc.careContextReference, patient: cc.patientReference, document });
    if (found.length === 0) {
      statuses.push({
        careContextReference: cc.careContextReference,
        hiStatus: 'DELIVERED',
        description: 'No records of the consented types.',
      });
    }
  }

  const failed = new Set<string>();
  const sent = new Map<string, number>();
  for (const [i, page] of pages.entries()) {
    // A revocation that arrives mid-transfer stops it at the next page.
    if (!(await stillGranted(repo, c.consent))) {
      failed.add(page.careContextReference);
      continue;
    }
    const hip = generateKeyMaterial(); // fresh key and nonce per page: no GCM IV is ever reused
    const plaintext = JSON.stringify(page.document);
    const content = encrypt({
      stringToEncrypt: plaintext,
      senderNonce: hip.nonce,
      requesterNonce: c.hiuNonce,
      senderPrivateKey: hip.privateKey,
      requesterPublicKey: c.hiuKey,
    });
    const body = {
      pageNumber: i + 1,
      pageCount: pages.length,
      transactionId: c.transactionId,
      entries: [
        {
          content,
          media: 'application/fhir+json',
          checksum: createHash('md5').update(plaintext).digest('hex'),
          careContextReference: page.careContextReference,
        },
      ],
      keyMaterial: {
        cryptoAlg: 'ECDH',
        curve: 'Curve25519',
        dhPublicKey: {
          expiry: new Date(now + 3_600_000).toISOString(),
          parameters: 'Curve25519/32byte random key',
          keyValue: hip.x509PublicKey,
        },
        nonce: hip.nonce,
      },
    };
    const ok = await fetch(c.pushUrl, {
      method: 'POST',
      // No gateway token: the HIU chose this URL, and our session token must never reach it.
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) sent.set(page.careContextReference, (sent.get(page.careContextReference) ?? 0) + 1);
    else failed.add(page.careContextReference);
  }
  for (const ref of new Set(pages.map((p) => p.careContextReference))) {
    statuses.push(
      failed.has(ref)
        ? { careContextReference: ref, hiStatus: 'ERRORED', description: 'Not all records of this care context could be delivered.' }
        : { careContextReference: ref, hiStatus: 'DELIVERED', description: `${sent.get(ref) ?? 0} document(s) delivered.` },
    );
  }
  const total = [...sent.values()].reduce((a, b) => a + b, 0);
  await auditAbdm(ctx, {
    tenantId: job.tenantId,
    requestId: job.requestId,
    outcome: '0',
    patient: c.detail.careContexts[0] ? `Patient/${c.detail.careContexts[0].patientReference}` : undefined,
    detail: `ABDM: ${total} document(s) of care contexts ${[...sent.keys()].join(', ') || '(none)'} sent to HIU ${c.detail.hiu.id} under consent ${c.consentId} (transaction ${c.transactionId}).`,
  });
  const anyError = statuses.some((s) => s.hiStatus === 'ERRORED');
  await callGateway(
    ctx,
    '/data-flow/v3/health-information/notify',
    {
      notification: {
        consentId: c.consentId,
        transactionId: c.transactionId,
        doneAt: new Date().toISOString(),
        notifier: { type: 'HIP', id: job.hipId },
        statusNotification: {
          sessionStatus: anyError && total === 0 ? 'FAILED' : 'TRANSFERRED',
          hipId: job.hipId,
          statusResponses: statuses,
        },
      },
    },
    { hipId: job.hipId },
  );
}
