#!/usr/bin/env node
/**
 * `npm run abdm:gateway`: the local ABDM gateway on its own, for trying a bridge by hand. Bridges
 * get a session with ABDM_CLIENT_ID / ABDM_CLIENT_SECRET (the names the server reads); the
 * secret is never printed.
 */
import { startAbdmGateway } from './simulator.ts';

const env = process.env;
const gw = await startAbdmGateway({
  port: Number(env.ABDM_GATEWAY_PORT ?? 4020),
  host: env.ABDM_GATEWAY_HOST ?? '127.0.0.1',
  cmId: env.ABDM_CM_ID ?? 'sbx',
  clients: [{ clientId: env.ABDM_CLIENT_ID ?? 'SBX_HOSPITAL_OPS', clientSecret: env.ABDM_CLIENT_SECRET ?? 'simulator-secret' }],
});
console.log(`ABDM gateway simulator on ${gw.url} (X-CM-ID ${gw.cmId})`);
console.log(`  sessions: POST ${gw.url}/gateway/v3/sessions; JWKS: ${gw.url}/gateway/v3/certs`);
const stop = () => void gw.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
