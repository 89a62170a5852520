import { randomUUID } from 'node:crypto';
import { dateRange, object, text } from '../check.ts';
import type { Route } from '../core.ts';
import { AbdmError } from '../errors.ts';

/**
 * Health-information requests: the HIU's request is checked against the artefact it names
 * (this HIU's, granted, not past dataEraseAt, date range inside the permission), acknowledged to
 * the HIU and passed to the HIP. The HIP pushes the data straight to the HIU's dataPushUrl (not
 * through the gateway) and reports the transfer with notify.
 */
export const dataFlowRoutes: Record<string, Route> = {
  'POST /data-flow/v3/health-information/request': {
    needs: 'HIU',
    async handle(call, gw) {
      const hiRequest = object(object(call.body, 'body').hiRequest, 'hiRequest');
      const consentId = text(object(hiRequest.consent, 'hiRequest.consent').id, 'hiRequest.consent.id');
      const artefact = gw.state.artefacts.get(consentId);
      if (!artefact || artefact.hiuId !== call.service!.id) throw new AbdmError('invalidConsentArtefact');
      if (artefact.status !== 'GRANTED') throw new AbdmError('invalidConsentArtefact', artefact.status);
      const permission = artefact.detail.permission;
      if (Date.parse(permission.dataEraseAt) <= gw.now().getTime()) throw new AbdmError('invalidConsentArtefact', 'expired');
      const asked = dateRange(hiRequest.dateRange, 'hiRequest.dateRange');
      const allowed = dateRange(permission.dateRange, 'permission.dateRange');
      if (asked.from < allowed.from || asked.to > allowed.to) throw new AbdmError('invalidDateRange');
      const pushUrl = text(hiRequest.dataPushUrl, 'hiRequest.dataPushUrl');
      if (!URL.canParse(pushUrl)) throw new AbdmError('invalidBody', 'hiRequest.dataPushUrl');
      const keyMaterial = object(hiRequest.keyMaterial, 'hiRequest.keyMaterial');
      if (keyMaterial.cryptoAlg !== 'ECDH') throw new AbdmError('invalidBody', 'hiRequest.keyMaterial.cryptoAlg');
      if (String(keyMaterial.curve).toLowerCase() !== 'curve25519') throw new AbdmError('invalidBody', 'hiRequest.keyMaterial.curve');
      text(object(keyMaterial.dhPublicKey, 'hiRequest.keyMaterial.dhPublicKey').keyValue, 'hiRequest.keyMaterial.dhPublicKey.keyValue');
      text(keyMaterial.nonce, 'hiRequest.keyMaterial.nonce');

      const transactionId = randomUUID();
      gw.state.transfers.set(transactionId, {
        transactionId,
        consentId,
        hipId: artefact.hipId,
        hiuId: artefact.hiuId,
        hiRequest,
        status: 'REQUESTED',
        notifications: [],
      });
      gw.later(async () => {
        await gw.deliver(artefact.hiuId, '/api/v3/hiu/health-information/on-request', {
          hiRequest: { transactionId, sessionStatus: 'REQUESTED' },
          response: { requestId: call.requestId },
        });
        await gw.deliver(
          artefact.hipId,
          '/api/v3/hip/health-information/request',
          { transactionId, hiRequest },
          { context: { transactionId } },
        );
      });
      return { status: 202 };
    },
  },
  'POST /data-flow/v3/health-information/hip/on-request': {
    needs: 'HIP',
    callback: true,
    duplicate: 'duplicateDataFlowResponse',
    async handle(call, gw) {
      const hiRequest = object(object(call.body, 'body').hiRequest, 'hiRequest');
      const transfer = gw.state.transfers.get(String(hiRequest.transactionId));
      if (!transfer || transfer.transactionId !== call.answering?.context.transactionId) throw new AbdmError('invalidTransaction');
      if (hiRequest.sessionStatus === 'ACKNOWLEDGED') transfer.status = 'ACKNOWLEDGED';
      else if (call.body.error) transfer.status = 'FAILED';
      return { status: 202 };
    },
  },
  'POST /data-flow/v3/health-information/notify': {
    async handle(call, gw) {
      const notification = object(object(call.body, 'body').notification, 'notification');
      const transfer = gw.state.transfers.get(String(notification.transactionId));
      if (!transfer) throw new AbdmError('invalidTransaction');
      const notifier = object(notification.notifier, 'notification.notifier');
      const service = gw.state.services.get(String(notifier.id));
      if (!service || service.clientId !== call.client.clientId || ![transfer.hipId, transfer.hiuId].includes(service.id)) {
        throw new AbdmError(notifier.type === 'HIU' ? 'invalidHiuId' : 'invalidHipId', 'notifier.id');
      }
      if (notification.consentId !== transfer.consentId) throw new AbdmError('invalidConsentArtefact', 'notification.consentId');
      transfer.notifications.push(notification);
      const status = (notification.statusNotification as { sessionStatus?: string } | undefined)?.sessionStatus;
      if (service.id === transfer.hipId && (status === 'TRANSFERRED' || status === 'FAILED')) transfer.status = status;
      return { status: 202 };
    },
  },
};
