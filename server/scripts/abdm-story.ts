// npm run abdm:story: the whole ABDM story between two hospitals (tenants) of one server, through
// the local gateway, printed step by step. Sanjeevani (tenant A, HIP) links a finished OPD visit to
// the patient's ABHA address; City Clinic (tenant B, HIU) asks consent; the patient grants it in
// the simulated PHR app; the visit's records travel Fidelius-encrypted from A to B and are imported
// with their Provenance. Everything runs in this process, in memory (PGlite): nothing to set up.
import { type AbdmGateway, startAbdmGateway } from '../../simulators/abdm-gateway/src/index.ts';
import { createClient } from '../src/auth/store.ts';
import { GatewayClient } from '../src/features/abdm/gateway/client.ts';
import { registerAbdmService } from '../src/features/abdm/services.ts';
import { startServer } from '../src/server.ts';
import { ensureTenant } from '../src/tenancy/tenants.ts';
import { createDirectory, createOpdVisit } from '../test/documents/fixtures.ts';
import { giveAbha, systemClient, waitFor } from './two-hospitals.ts';

const TENANT_A = '4f1a7f52-8c1e-4d0b-9a53-0c6b1f7e2a01';
const TENANT_B = '0b0b0b0b-0000-4000-8000-00000000000b';
const HIP_A = 'IN2710000101';
const HIU_B = 'IN0810000301';
const ABHA = 'sneha.kulkarni@sbx';
const SECRET = 'story-system-secret-0123456789';

const say = (text: string) => console.log(`\n▶ ${text}`);

function printExchanges(gw: AbdmGateway, from: number): number {
  const all = gw.exchanges();
  for (const e of all.slice(from)) {
    const arrow = e.direction === 'to-gateway' ? `${e.serviceId ?? e.clientId ?? ''} → gateway` : `gateway → ${e.serviceId ?? ''}`;
    console.log(`   ${String(e.status).padEnd(3)} ${arrow.padEnd(28)} ${e.method} ${e.path}`);
  }
  return all.length;
}

const gw = await startAbdmGateway({ clients: [{ clientId: 'SBX_HOSPITAL_OPS', clientSecret: 'story-gateway-secret' }] });
// Only these settings: the story never touches a database or Redis the environment may name.
const server = await startServer({
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  DATA_DIR: ':memory:',
  SEED_DEMO: 'false',
  DATABASE_URL: '',
  REDIS_URL: '',
  TENANT_ID: TENANT_A,
  TENANT_NAME: 'Sanjeevani Hospitals',
  ADMIN_PASSWORD: 'story-admin-password',
  SYSTEM_CLIENT_ID: 'story-system-a',
  SYSTEM_CLIENT_SECRET: SECRET,
  PROFILE_ENFORCEMENT: 'abdm',
  ABDM_GATEWAY_URL: gw.url,
  ABDM_CLIENT_ID: 'SBX_HOSPITAL_OPS',
  ABDM_CLIENT_SECRET: 'story-gateway-secret',
  ABDM_HIP_ID: HIP_A,
  ABDM_GATEWAY_CLIENT_ID: 'gateway',
  JOBS_POLL_MS: '50',
});
let seen = 0;
try {
  await ensureTenant(server.db, TENANT_B, 'City Clinic');
  await createClient(server.db, TENANT_B, {
    clientId: 'story-system-b',
    name: 'Story system client',
    type: 'confidential',
    scope: 'system/*.cruds',
    secret: SECRET,
  });
  await registerAbdmService(server.db, TENANT_B, HIU_B, 'HIU');
  const base = `${server.url}/fhir/R4`;
  const a = systemClient(base, 'story-system-a', SECRET);
  const b = systemClient(base, 'story-system-b', SECRET);

  say(
    `Both hospitals share one bridge: ${HIP_A} (Sanjeevani, HIP) and ${HIU_B} (City Clinic, HIU) registered with the gateway at ${gw.url}`,
  );
  await new GatewayClient({
    baseUrl: gw.url,
    clientId: 'SBX_HOSPITAL_OPS',
    clientSecret: 'story-gateway-secret',
    cmId: 'sbx',
  }).registerBridge(server.url, [
    { id: HIP_A, name: 'Sanjeevani Hospitals', type: 'HIP' },
    { id: HIU_B, name: 'City Clinic', type: 'HIU' },
  ]);
  seen = printExchanges(gw, seen);

  say('Sanjeevani: Sneha Kulkarni (ABHA address sneha.kulkarni@sbx) has a fever-clinic visit; the doctor finishes it');
  const da = await createDirectory(a as never);
  await giveAbha(a, da.patient, ABHA);
  const visit = await createOpdVisit(a as never, da);
  const encounterId = visit.encounter.split('/')[1] as string;
  say(`Sanjeevani links the visit to her ABHA address (Encounter/${encounterId}/$abdm-link: link token, then link/carecontext)`);
  await a.post(`${visit.encounter}/$abdm-link`, { resourceType: 'Parameters' });
  await waitFor('the link', () => gw.state.links.find((l) => JSON.stringify(l.patient).includes(encounterId)));
  await gw.idle();
  seen = printExchanges(gw, seen);

  say('City Clinic: Dr. Meera Iyer asks for Sneha’s OP consultations and prescriptions of 2025 ($abdm-consent-request)');
  const db = await createDirectory(b as never);
  await giveAbha(b, db.patient, ABHA);
  await b.post(`${db.patient}/$abdm-consent-request`, {
    resourceType: 'Parameters',
    parameter: [
      { name: 'hiType', valueCode: 'OPConsultation' },
      { name: 'hiType', valueCode: 'Prescription' },
      { name: 'from', valueDateTime: '2025-01-01T00:00:00Z' },
      { name: 'to', valueDateTime: '2025-12-31T23:59:59Z' },
      { name: 'requester', valueString: 'Dr. Meera Iyer' },
    ],
  });
  const consentRequestId = await waitFor('the consent request', () => [...gw.state.consentRequests.keys()][0]);
  await gw.idle();
  seen = printExchanges(gw, seen);

  say('Sneha grants it in her ABHA app for the Sanjeevani visit; the records travel from Sanjeevani to City Clinic');
  const [consentId] = await gw.grantConsent(consentRequestId, [
    { hipId: HIP_A, careContexts: [{ patientReference: da.patient.split('/')[1] as string, careContextReference: encounterId }] },
  ]);
  const tag = encodeURIComponent('https://hospital-ops.in/fhir/CodeSystem/record-origin|abdm-external');
  const imported = await waitFor('the import', async () => {
    const found = (await b.get(`Bundle?_tag=${tag}`)).body.entry ?? [];
    return found.length >= 2 ? found : undefined;
  });
  const transfer = [...gw.state.transfers.values()].find((x) => x.consentId === consentId);
  await waitFor('the HIP notify', () => (transfer?.status === 'TRANSFERRED' ? true : undefined));
  await waitFor('the HIU notify', () =>
    transfer?.notifications.some((n) => (n as { notifier?: { type?: string } }).notifier?.type === 'HIU') ? true : undefined,
  );
  await gw.idle();
  seen = printExchanges(gw, seen);
  console.log(`   (the data push went straight from Sanjeevani to City Clinic's dataPushUrl, one Fidelius key per page)`);

  say('City Clinic now holds, as external records with their Provenance:');
  for (const e of imported) {
    const composition = e.resource.entry[0].resource;
    const provenance = (await b.get(`Provenance?target=Bundle/${e.resource.id}`)).body.entry[0].resource;
    console.log(
      `   Bundle/${e.resource.id}: ${composition.title} (${composition.meta.profile[0].split('/').at(-1)}), from ${provenance.agent[0].who.display}, consent ${consentId}`,
    );
  }
  const leaked = (await a.get(`Bundle?_tag=${tag}`)).body.entry ?? [];
  console.log(`   Sanjeevani holds ${leaked.length} external records; transfer status at the gateway: ${transfer?.status}`);
} finally {
  await server.stop();
  await gw.stop();
}
