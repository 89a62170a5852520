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
  // Made-up residents (check digits valid, numbers not real) to enrol for an ABHA by Aadhaar OTP.
  residents: [
    {
      aadhaar: '499123456783',
      name: 'Savitri Devi Kulkarni',
      gender: 'F',
      birthDate: '1961-08-14',
      mobile: '9822012345',
      address: '14 Shaniwar Peth',
      district: 'Pune',
      state: 'Maharashtra',
      pincode: '411030',
    },
    {
      aadhaar: '734567890125',
      name: 'Imran Khan',
      gender: 'M',
      birthDate: '1990-01-26',
      mobile: '9765432109',
      district: 'Lucknow',
      state: 'Uttar Pradesh',
      pincode: '226001',
    },
  ],
});
console.log(`ABDM gateway simulator on ${gw.url} (X-CM-ID ${gw.cmId})`);
console.log(`  sessions: POST ${gw.url}/gateway/v3/sessions; JWKS: ${gw.url}/gateway/v3/certs`);
console.log(`  ABHA service: ${gw.url}/abha/api (OTPs it "texts": GET ${gw.url}/simulator/abha/otps)`);
const stop = () => void gw.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
