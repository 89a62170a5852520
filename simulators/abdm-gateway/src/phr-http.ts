import { list, object, text } from './check.ts';
import type { AbdmGateway } from './core.ts';
import { AbdmError } from './errors.ts';

/**
 * The simulated PHR app over HTTP, for driving `npm run abdm:gateway` by hand or from another
 * process: POST /simulator/phr/<action> with a JSON body. No token: the simulator listens on the
 * loopback only unless told otherwise, and none of this exists at the real gateway.
 */
export async function phrAction(gw: AbdmGateway, action: string, body: unknown): Promise<unknown> {
  const b = body === undefined ? {} : object(body, 'body');
  switch (action) {
    case 'discover':
      return gw.discover(text(b.hipId, 'hipId'), object(b.patient, 'patient'));
    case 'link-init':
      return gw.linkInit(text(b.hipId, 'hipId'), {
        transactionId: text(b.transactionId, 'transactionId'),
        abhaAddress: text(b.abhaAddress, 'abhaAddress'),
        patient: list(b.patient, 'patient'),
      });
    case 'link-confirm':
      return gw.linkConfirm(text(b.hipId, 'hipId'), {
        linkRefNumber: text(b.linkRefNumber, 'linkRefNumber'),
        token: text(b.token, 'token'),
        abhaAddress: text(b.abhaAddress, 'abhaAddress'),
      });
    case 'consent/grant':
      return { consentIds: await gw.grantConsent(text(b.consentRequestId, 'consentRequestId'), list(b.grants, 'grants') as never) };
    case 'consent/deny':
      await gw.denyConsent(text(b.consentRequestId, 'consentRequestId'));
      return {};
    case 'consent/revoke':
      await gw.revokeConsent(text(b.consentId, 'consentId'));
      return {};
    case 'consent/expire':
      await gw.expireConsent(text(b.consentId, 'consentId'));
      return {};
    case 'share': {
      const patient = object(b.patient, 'patient') as Record<string, unknown> & { abhaAddress: string };
      text(patient.abhaAddress, 'patient.abhaAddress');
      return gw.shareProfile(text(b.hipId, 'hipId'), { context: text(b.context, 'context'), patient });
    }
    case 'consent-requests':
      return [...gw.state.consentRequests.values()].map(({ id, hiuId, status, artefactIds }) => ({ id, hiuId, status, artefactIds }));
    default:
      throw new AbdmError('invalidBody', `no such simulator action: ${action}`);
  }
}
