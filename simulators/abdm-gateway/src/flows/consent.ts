import { randomUUID } from 'node:crypto';
import { dateRange, hiTypes, list, object, text } from '../check.ts';
import type { Route } from '../core.ts';
import { AbdmError } from '../errors.ts';

const PURPOSES = ['CAREMGT', 'BTG', 'PUBHLTH', 'HPAYMT', 'DSRCH', 'PATRQT'];
const ACCESS_MODES = ['VIEW', 'STORE', 'QUERY', 'STREAM'];

/**
 * Consent requests from an HIU, their status and artefact fetch. The patient's decision comes
 * from the simulated PHR app (simulator.ts: grantConsent, denyConsent, revokeConsent,
 * expireConsent), which notifies HIP and HIU; the acknowledgements arrive here.
 */
export const consentRoutes: Record<string, Route> = {
  'POST /consent/v3/request/init': {
    needs: 'HIU',
    async handle(call, gw) {
      const consent = object(object(call.body, 'body').consent, 'consent');
      const purpose = object(consent.purpose, 'consent.purpose');
      if (!PURPOSES.includes(String(purpose.code))) throw new AbdmError('invalidBody', 'consent.purpose.code');
      text(object(consent.patient, 'consent.patient').id, 'consent.patient.id');
      if (object(consent.hiu, 'consent.hiu').id !== call.service!.id)
        throw new AbdmError('invalidHiuId', 'consent.hiu.id differs from X-HIU-ID');
      text(object(consent.requester, 'consent.requester').name, 'consent.requester.name');
      hiTypes(consent.hiTypes, 'consent.hiTypes');
      const permission = object(consent.permission, 'consent.permission');
      if (!ACCESS_MODES.includes(String(permission.accessMode))) throw new AbdmError('invalidBody', 'consent.permission.accessMode');
      dateRange(permission.dateRange, 'consent.permission.dateRange');
      const eraseAt = Date.parse(text(permission.dataEraseAt, 'consent.permission.dataEraseAt'));
      if (Number.isNaN(eraseAt) || eraseAt <= gw.now().getTime())
        throw new AbdmError('invalidBody', 'consent.permission.dataEraseAt must be in the future');
      object(permission.frequency, 'consent.permission.frequency');
      const id = randomUUID();
      gw.state.consentRequests.set(id, { id, hiuId: call.service!.id, consent, status: 'REQUESTED', artefactIds: [] });
      const hiuId = call.service!.id;
      gw.later(async () => {
        await gw.deliver(hiuId, '/api/v3/hiu/consent/request/on-init', { consentRequest: { id }, response: { requestId: call.requestId } });
      });
      return { status: 202 };
    },
  },
  'POST /consent/v3/request/status': {
    needs: 'HIU',
    async handle(call, gw) {
      const id = text(object(call.body, 'body').consentRequestId, 'consentRequestId');
      const request = gw.state.consentRequests.get(id);
      const hiuId = call.service!.id;
      const response = { requestId: call.requestId };
      gw.later(async () => {
        if (!request || request.hiuId !== hiuId) {
          await gw.deliver(hiuId, '/api/v3/hiu/consent/request/on-status', {
            ...new AbdmError('validationFailed', 'unknown consent request').body(),
            response,
          });
          return;
        }
        await gw.deliver(hiuId, '/api/v3/hiu/consent/request/on-status', {
          consentRequest: { id, status: request.status, consentArtefacts: request.artefactIds.map((a) => ({ id: a })) },
          response,
        });
      });
      return { status: 202 };
    },
  },
  'POST /consent/v3/request/hip/on-notify': {
    needs: 'HIP',
    callback: true,
    async handle(call) {
      const ack = object(object(call.body, 'body').acknowledgement, 'acknowledgement');
      if (ack.consentId !== call.answering?.context.consentId) throw new AbdmError('invalidBody', 'acknowledgement.consentId');
      return { status: 202 };
    },
  },
  'POST /consent/v3/request/hiu/on-notify': {
    needs: 'HIU',
    callback: true,
    async handle(call) {
      const acks = list(object(call.body, 'body').acknowledgement, 'acknowledgement');
      const expected = (call.answering?.context.artefactIds as string[] | undefined) ?? [];
      for (const ack of acks) {
        if (!expected.includes(String(object(ack, 'acknowledgement[]').consentId)))
          throw new AbdmError('invalidBody', 'acknowledgement consentId');
      }
      return { status: 202 };
    },
  },
  'POST /consent/v3/fetch': {
    needs: 'HIU',
    async handle(call, gw) {
      const consentId = text(object(call.body, 'body').consentId, 'consentId');
      const artefact = gw.state.artefacts.get(consentId);
      const hiuId = call.service!.id;
      const response = { requestId: call.requestId };
      gw.later(async () => {
        if (!artefact || artefact.hiuId !== hiuId) {
          await gw.deliver(hiuId, '/api/v3/hiu/consent/on-fetch', { ...new AbdmError('invalidConsentArtefact').body(), response });
          return;
        }
        await gw.deliver(hiuId, '/api/v3/hiu/consent/on-fetch', {
          consent: { status: artefact.status, consentDetail: artefact.detail, signature: artefact.signature },
          response,
        });
      });
      return { status: 202 };
    },
  },
};
