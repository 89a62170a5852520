// The ABDM data request end to end, for `npm run bench:abdm`: one patient with N finished OPD visits
// at the HIP (tenant A), an HIU (tenant B) asking for their OP consultations, the patient granting
// all N care contexts, and the time from the grant until the HIU has imported every document. Both
// hospitals run in one server on the machine's PostgreSQL, the gateway in this process. The
// gateway's own share (its routing and notifications) is in the figure too; it does no crypto and
// no database work, so the figure is close to the platform's part.
import { startAbdmGateway } from '../../simulators/abdm-gateway/src/index.ts';
import { giveAbha, systemClient, waitFor } from '../scripts/two-hospitals.ts';
import { createClient } from '../src/auth/store.ts';
import { GatewayClient } from '../src/features/abdm/gateway/client.ts';
import { registerAbdmService } from '../src/features/abdm/services.ts';
import { startServer } from '../src/server.ts';
import { ensureTenant } from '../src/tenancy/tenants.ts';
import { createDirectory, createOpdVisit, createReviewVisit } from '../test/documents/fixtures.ts';
import { createScratchDatabase } from './scratch-database.ts';

const TENANT_A = '4f1a7f52-8c1e-4d0b-9a53-0c6b1f7e2a01';
const TENANT_B = '0b0b0b0b-0000-4000-8000-00000000000b';
const HIP = 'IN2710000101';
const HIU = 'IN0810000301';
const ABHA = 'bench.patient@sbx';
const SECRET = 'bench-system-secret-0123456789';
const GATEWAY_SECRET = 'bench-gateway-secret';

export interface TransferFigures {
  careContexts: number;
  /** Grant to the last document imported at the HIU. */
  totalMs: number;
  /** HIP: the request arriving to the last page pushed (its notify). */
  hipMs: number;
  /** Plaintext FHIR JSON moved. */
  bytes: number;
  /** Baseline in the same run: reading the N visits' Encounters one by one over the API. */
  readsMs: number;
  pgVersion: string;
}

export async function measureTransfer(careContexts: number): Promise<TransferFigures> {
  const scratch = await createScratchDatabase('hops_bench_abdm');
  const gw = await startAbdmGateway({
    clients: [{ clientId: 'SBX_HOSPITAL_OPS', clientSecret: GATEWAY_SECRET }],
    callbackTimeoutMs: 600_000,
  });
  const server = await startServer({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    DATABASE_URL: scratch.url,
    SEED_DEMO: 'false',
    REDIS_URL: '',
    TENANT_ID: TENANT_A,
    TENANT_NAME: 'Bench HIP',
    SYSTEM_CLIENT_ID: 'bench-a',
    SYSTEM_CLIENT_SECRET: SECRET,
    RATE_LIMIT_API: '0',
    RATE_LIMIT_TOKEN: '0',
    PROFILE_ENFORCEMENT: 'abdm',
    ABDM_GATEWAY_URL: gw.url,
    ABDM_CLIENT_ID: 'SBX_HOSPITAL_OPS',
    ABDM_CLIENT_SECRET: GATEWAY_SECRET,
    ABDM_HIP_ID: HIP,
    ABDM_GATEWAY_CLIENT_ID: 'gateway',
    JOBS_POLL_MS: '20',
  });
  try {
    await ensureTenant(server.db, TENANT_B, 'Bench HIU');
    await createClient(server.db, TENANT_B, {
      clientId: 'bench-b',
      name: 'Bench',
      type: 'confidential',
      scope: 'system/*.cruds',
      secret: SECRET,
    });
    await registerAbdmService(server.db, TENANT_B, HIU, 'HIU');
    await new GatewayClient({ baseUrl: gw.url, clientId: 'SBX_HOSPITAL_OPS', clientSecret: GATEWAY_SECRET, cmId: 'sbx' }).registerBridge(
      server.url,
      [
        { id: HIP, name: 'Bench HIP', type: 'HIP' },
        { id: HIU, name: 'Bench HIU', type: 'HIU' },
      ],
    );
    const base = `${server.url}/fhir/R4`;
    const a = systemClient(base, 'bench-a', SECRET);
    const b = systemClient(base, 'bench-b', SECRET);
    const da = await createDirectory(a as never);
    await giveAbha(a, da.patient, ABHA);
    const visits: string[] = [];
    // A patient with a long history: a first consultation with everything recorded, then reviews
    // through 2025, each adding what a review adds (not the whole history again).
    visits.push((await createOpdVisit(a as never, da)).encounter.split('/')[1] as string);
    for (let i = 1; i < careContexts; i++) {
      const day = new Date(Date.UTC(2025, 0, 1) + i * 3 * 86_400_000).toISOString().slice(0, 10);
      visits.push((await createReviewVisit(a as never, da, day)).split('/')[1] as string);
    }

    // Baseline: the same visits read one by one through the API.
    let t0 = performance.now();
    for (const id of visits) await a.get(`Encounter/${id}`);
    const readsMs = performance.now() - t0;

    const db = await createDirectory(b as never);
    await giveAbha(b, db.patient, ABHA);
    await b.post(`${db.patient}/$abdm-consent-request`, {
      resourceType: 'Parameters',
      parameter: [
        { name: 'hiType', valueCode: 'OPConsultation' },
        { name: 'from', valueDateTime: '2025-01-01T00:00:00Z' },
        { name: 'to', valueDateTime: '2025-12-31T23:59:59Z' },
      ],
    });
    const consentRequestId = await waitFor('the consent request', () => [...gw.state.consentRequests.keys()][0]);
    await gw.idle();
    const patientReference = da.patient.split('/')[1] as string;

    t0 = performance.now();
    const [consentId] = await gw.grantConsent(consentRequestId, [
      { hipId: HIP, careContexts: visits.map((careContextReference) => ({ patientReference, careContextReference })) },
    ]);
    const tag = encodeURIComponent('https://hospital-ops.in/fhir/CodeSystem/record-origin|abdm-external');
    const imported = await waitFor(
      'the import',
      async () => {
        const r = await b.get(`Bundle?_tag=${tag}&_summary=count`);
        return (r.body.total ?? 0) >= careContexts ? r.body.total : undefined;
      },
      600_000,
    );
    const totalMs = performance.now() - t0;
    const requested = gw.exchanges({ path: '/api/v3/hip/health-information/request' }).at(-1)?.at;
    const notified = await waitFor('the HIP notify', () =>
      gw.exchanges({ path: '/data-flow/v3/health-information/notify' }).find((e) => (e.body as any)?.notification?.consentId === consentId),
    );
    const hipMs = requested ? Date.parse(notified.at) - Date.parse(requested) : Number.NaN;
    const bundles = (await b.get(`Bundle?_tag=${tag}&_count=${careContexts}`)).body.entry ?? [];
    const bytes = bundles.reduce((n: number, e: any) => n + Buffer.byteLength(JSON.stringify(e.resource)), 0);
    if (imported < careContexts) throw new Error(`only ${imported} of ${careContexts} imported`);
    return { careContexts, totalMs, hipMs, bytes, readsMs, pgVersion: scratch.pgVersion };
  } finally {
    await server.stop();
    await gw.stop();
    await scratch.drop();
  }
}
