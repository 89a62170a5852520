import { randomBytes } from 'node:crypto';
import { object, patientEntries, text } from '../check.ts';
import type { Route } from '../core.ts';
import { AbdmError } from '../errors.ts';

const ABHA_ADDRESS = /^[A-Za-z0-9._]{3,}@(sbx|abdm)$/;
const LINK_TOKEN_TTL_MS = 180 * 24 * 3600 * 1000; // six months, as the portal says

/**
 * Care-context linking. User-initiated: the PHR app's discover, init and confirm go to the HIP
 * (simulator.ts), and these routes take the HIP's callbacks. HIP-initiated: a link token for the
 * patient, then link/carecontext with it.
 */
export const linkingRoutes: Record<string, Route> = {
  'POST /user-initiated-linking/v3/patient/care-context/on-discover': {
    needs: 'HIP',
    callback: true,
    duplicate: 'duplicateOnDiscover',
    async handle(call) {
      const body = object(call.body, 'body');
      text(body.transactionId, 'transactionId');
      if (body.transactionId !== call.answering?.context.transactionId) throw new AbdmError('invalidTransaction');
      if (body.error === undefined) patientEntries(body.patient, 'patient');
      return { status: 202 };
    },
  },
  'POST /user-initiated-linking/v3/link/care-context/on-init': {
    needs: 'HIP',
    callback: true,
    duplicate: 'duplicateOnInit',
    async handle(call) {
      const body = object(call.body, 'body');
      if (body.transactionId !== call.answering?.context.transactionId) throw new AbdmError('invalidTransaction');
      if (body.error === undefined) {
        const link = object(body.link, 'link');
        text(link.referenceNumber, 'link.referenceNumber');
        const meta = object(link.meta, 'link.meta');
        text(meta.communicationExpiry, 'link.meta.communicationExpiry');
      }
      return { status: 202 };
    },
  },
  'POST /user-initiated-linking/v3/link/care-context/on-confirm': {
    needs: 'HIP',
    callback: true,
    duplicate: 'duplicateOnConfirm',
    async handle(call, gw) {
      const body = object(call.body, 'body');
      if (body.error === undefined) {
        patientEntries(body.patient, 'patient');
        const abhaAddress = String(call.answering?.context.abhaAddress ?? '');
        for (const patient of body.patient as unknown[]) gw.state.links.push({ abhaAddress, hipId: call.service!.id, patient });
      }
      return { status: 202 };
    },
  },
  'POST /v3/token/generate-token': {
    needs: 'HIP',
    duplicate: 'duplicateLinkToken',
    async handle(call, gw) {
      const body = object(call.body, 'body');
      const abhaAddress = text(body.abhaAddress, 'abhaAddress');
      text(body.name, 'name');
      if (!['M', 'F', 'O', 'D', 'T', 'U'].includes(String(body.gender))) throw new AbdmError('invalidBody', 'gender');
      if (!Number.isInteger(body.yearOfBirth)) throw new AbdmError('invalidBody', 'yearOfBirth');
      const abhaNumber = body.abhaNumber === undefined ? undefined : String(body.abhaNumber);
      if (abhaNumber !== undefined && !/^\d{14}$/.test(abhaNumber)) throw new AbdmError('invalidBody', 'abhaNumber must be 14 digits');
      const hipId = call.service!.id;
      gw.later(async () => {
        const response = { requestId: call.requestId };
        if (!ABHA_ADDRESS.test(abhaAddress)) {
          const err = new AbdmError('invalidAbhaAddress');
          await gw.deliver(hipId, '/api/v3/hip/token/on-generate-token', { abhaAddress, ...err.body(), response });
          return;
        }
        const token = randomBytes(32).toString('base64url');
        gw.state.linkTokens.set(token, { token, hipId, abhaAddress, abhaNumber, expiresAt: gw.now().getTime() + LINK_TOKEN_TTL_MS });
        await gw.deliver(hipId, '/api/v3/hip/token/on-generate-token', { abhaAddress, linkToken: token, response });
      });
      return { status: 202 };
    },
  },
  'POST /hip/v3/link/carecontext': {
    needs: 'HIP',
    duplicate: 'duplicateHipLink',
    async handle(call, gw) {
      const header = call.headers['x-link-token'];
      const token = typeof header === 'string' ? gw.state.linkTokens.get(header) : undefined;
      if (!token || token.expiresAt < gw.now().getTime()) throw new AbdmError('invalidLinkToken');
      if (token.hipId !== call.service!.id) throw new AbdmError('linkTokenHipMismatch');
      const body = object(call.body, 'body');
      if (text(body.abhaAddress, 'abhaAddress') !== token.abhaAddress) throw new AbdmError('linkTokenAbhaMismatch');
      patientEntries(body.patient, 'patient');
      for (const patient of body.patient as unknown[]) gw.state.links.push({ abhaAddress: token.abhaAddress, hipId: token.hipId, patient });
      gw.later(async () => {
        await gw.deliver(token.hipId, '/api/v3/link/on_carecontext', {
          abhaAddress: token.abhaAddress,
          status: 'Successfully Linked care context',
          response: { requestId: call.requestId },
        });
      });
      return { status: 202 };
    },
  },
};
